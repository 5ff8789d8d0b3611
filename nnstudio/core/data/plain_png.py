"""A shortcut for the commonest small image file: a plain 8-bit grey or RGB PNG, decoded by Pillow's own zlib
decoder without the Python work of ``Image.open`` and ``load`` (the chunk stream, plugin lookup, tile loop).

For a 32x32 PNG that work is most of the time. Only files whose pixels come out exactly as Pillow's would take
it: 8 bits, grey or RGB, not interlaced, no palette or transparency, only chunks that do not change pixels,
every chunk's CRC right, at most a megapixel. Anything else, and any file this cannot decode, gives None, and
the caller opens it the ordinary way (where a damaged file gets Pillow's own error, decompression-bomb checks
included).

:func:`decode_plain_png_into` goes one step further for a file already of the wanted size and colour: the
decoder writes straight into the caller's buffer (``Image.core.map_buffer``, what ``Image.frombuffer`` uses),
with no image object to make and no ``tobytes`` copy after. No numpy here: the decoding worker processes
import only this, Pillow and the standard library, so they start in a few hundredths of a second.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any, NamedTuple

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PIXELS = 1 << 20
_MODES = {0: "L", 2: "RGB"}  # PNG colour type -> Pillow mode (and raw mode), at 8 bits per sample
# chunks Pillow reads into .info (or skips) without changing a pixel
_HARMLESS = frozenset({b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"pHYs", b"tEXt", b"zTXt", b"iTXt", b"tIME", b"bKGD", b"sBIT"})
_CHUNK = struct.Struct(">I4s")
_IHDR = struct.Struct(">IIBBBBB")
# bytes per pixel in a Pillow image's memory (and so in a buffer it is mapped onto): RGB is kept as RGBX
PIXEL_BYTES = {"L": 1, "RGB": 4}


class PlainPng(NamedTuple):
    mode: str  # "L" or "RGB"
    width: int
    height: int
    pixels: bytes | memoryview  # the zlib stream (all IDAT chunks joined)


def parse_plain_png(data: bytes) -> PlainPng | None:
    """The header and zlib stream of a plain PNG's bytes, or None when it is not a plain one (see the module)."""
    if data[:8] != SIGNATURE or data[12:16] != b"IHDR" or len(data) < 33:
        return None
    width, height, depth, colour, compression, filtering, interlace = _IHDR.unpack_from(data, 16)
    mode = _MODES.get(colour)
    if mode is None or depth != 8 or interlace or compression or filtering or not 0 < width * height <= MAX_PIXELS:
        return None
    view, idat, pos = memoryview(data), [], 8
    crc32, unpack, size = zlib.crc32, _CHUNK.unpack_from, len(data)
    while True:
        if pos + 12 > size:
            return None  # no IEND: cut short
        length, kind = unpack(data, pos)
        end = pos + 12 + length
        if end > size or crc32(view[pos + 4:end - 4]) != int.from_bytes(view[end - 4:end], "big"):
            return None
        if kind == b"IEND":
            break
        if kind == b"IDAT":
            idat.append(view[pos + 8:end - 4])
        elif kind != b"IHDR" and kind not in _HARMLESS:
            return None
        pos = end
    return PlainPng(mode, width, height, idat[0] if len(idat) == 1 else b"".join(idat))


def plain_png_image(png: PlainPng) -> Any:
    """A parsed plain PNG as a loaded PIL image, or None when its pixels do not decode."""
    from PIL import Image

    try:
        return Image.frombytes(png.mode, (png.width, png.height), png.pixels, "zip", png.mode)
    except (ValueError, OSError):
        return None


def open_plain_png(path: str) -> Any:
    """The PNG at ``path`` as a loaded PIL image, or None when it is not a plain one (see the module)."""
    with open(path, "rb") as f:
        png = parse_plain_png(f.read())
    return None if png is None else plain_png_image(png)


def decode_plain_png_into(png: PlainPng, out: bytearray, offset: int) -> bool:
    """Decode ``png`` straight into ``out`` at ``offset``: ``width * height * PIXEL_BYTES[mode]`` bytes, row by
    row, RGB as RGBX (the X byte 255). False, with those bytes undefined, when it does not decode; the caller
    then lets Pillow open the file (and name what is wrong with it)."""
    from PIL import Image

    try:
        # the image's rows are the buffer's (stride 0: Pillow's own for the mode), so the decoder fills `out`
        target = Image.core.map_buffer(out, (png.width, png.height), "raw", offset, (png.mode, 0, 1))
        decoder = Image.core.zip_decoder(png.mode, png.mode)
        decoder.setimage(target, (0, 0, png.width, png.height))
        consumed, error = decoder.decode(png.pixels)
        decoder.cleanup()
    except (ValueError, OSError, TypeError, AttributeError):  # TypeError/AttributeError: a Pillow without these
        return False
    return consumed < 0 and error == 0  # what Image.frombytes checks: the image complete, no decoder error

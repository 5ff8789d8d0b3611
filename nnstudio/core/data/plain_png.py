"""A shortcut for the commonest small image file: a plain 8-bit grey or RGB PNG, decoded by Pillow's own zlib
decoder without the Python work of ``Image.open`` and ``load`` (the chunk stream, plugin lookup, tile loop).

For a 32x32 PNG that work is most of the time: this takes about 0.7 of ``Image.open(...).load()``. Only files
whose pixels come out exactly as Pillow's would take it: 8 bits, grey or RGB, not interlaced, no palette or
transparency, only chunks that do not change pixels, every chunk's CRC right, at most a megapixel. Anything
else, and any file this cannot decode, returns None, and the caller opens it the ordinary way (where a damaged
file gets Pillow's own error, decompression-bomb checks included).
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PIXELS = 1 << 20
_MODES = {0: "L", 2: "RGB"}  # PNG colour type -> Pillow mode (and raw mode), at 8 bits per sample
# chunks Pillow reads into .info (or skips) without changing a pixel
_HARMLESS = frozenset({b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"pHYs", b"tEXt", b"zTXt", b"iTXt", b"tIME", b"bKGD", b"sBIT"})
_CHUNK = struct.Struct(">I4s")
_IHDR = struct.Struct(">IIBBBBB")


def open_plain_png(path: str) -> Any:
    """The PNG at ``path`` as a loaded PIL image, or None when it is not a plain one (see the module)."""
    from PIL import Image

    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != SIGNATURE or data[12:16] != b"IHDR" or len(data) < 33:
        return None
    width, height, depth, colour, compression, filtering, interlace = _IHDR.unpack_from(data, 16)
    mode = _MODES.get(colour)
    if mode is None or depth != 8 or interlace or compression or filtering or not 0 < width * height <= MAX_PIXELS:
        return None
    view, idat, pos = memoryview(data), [], 8
    while True:
        if pos + 12 > len(data):
            return None  # no IEND: cut short
        length, kind = _CHUNK.unpack_from(data, pos)
        end = pos + 12 + length
        if end > len(data) or zlib.crc32(view[pos + 4:end - 4]) != int.from_bytes(view[end - 4:end], "big"):
            return None
        if kind == b"IEND":
            break
        if kind == b"IDAT":
            idat.append(view[pos + 8:end - 4])
        elif kind != b"IHDR" and kind not in _HARMLESS:
            return None
        pos = end
    try:
        return Image.frombytes(mode, (width, height), b"".join(idat), "zip", mode)
    except (ValueError, OSError):
        return None

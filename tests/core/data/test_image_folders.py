"""Image folders: pooled decoding in file order, unreadable files listed, the decoded cache, Cancel."""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from nnstudio.core.base import jobs
from nnstudio.core.base.errors import DataError
from nnstudio.core.data import image_decode, image_folders
from nnstudio.core.data.assemble import load_raw
from nnstudio.core.data.files import LoadCancelled
from nnstudio.core.data.image_folders import read_image_folder
from nnstudio.core.data.spec import DataSpec


def write_pngs(folder: Path, counts: dict[str, int], size: int = 8) -> list[Path]:
    """Grey PNGs whose every pixel holds the file's running number (so order mistakes show)."""
    from PIL import Image

    written = []
    for cls, n in counts.items():
        (folder / cls).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            path = folder / cls / f"{i:03d}.png"
            Image.fromarray(np.full((size, size), len(written) * 3 % 256, np.uint8)).save(path)
            written.append(path)
    return written


def values(read: image_folders.ImageFolder) -> list[int]:
    return [round(float(v) * 255) for v in read.x[:, 0, 0, 0]]


def cache_files(project: Path) -> list[Path]:
    return sorted((project / image_folders.CACHE_DIR).glob("*.npz"))


# ---------------------------------------------------------------------------- decoding in a pool
def test_the_pooled_decode_gives_the_serial_array_in_file_order(tmp_path, monkeypatch):
    paths = write_pngs(tmp_path / "pets", {"cats": 30, "dogs": 25, "eels": 20})
    monkeypatch.setattr(image_folders, "CHUNK_FILES", 4)  # 19 chunks: the worker takes them from the back
    serial = read_image_folder(tmp_path / "pets", 8, False, workers=1)
    pooled = read_image_folder(tmp_path / "pets", 8, False, workers=2)
    assert multiprocessing.active_children() == []  # the worker process was shut down and joined
    assert pooled.x.dtype == np.float32 and pooled.x.shape == (75, 1, 8, 8)
    assert np.array_equal(pooled.x, serial.x) and np.array_equal(pooled.y, serial.y)
    assert values(pooled) == [k * 3 % 256 for k in range(len(paths))]
    assert pooled.y.tolist() == [0] * 30 + [1] * 25 + [2] * 20


def test_the_app_uses_the_pool_for_a_big_folder_and_not_for_a_small_one(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert image_folders._worker_count(20_000) == 2
    assert image_folders._worker_count(300) == 1  # a single chunk: nothing to share


# ---------------------------------------------------------------------------- unreadable images
def test_unreadable_images_are_listed_and_left_out(tmp_path):
    write_pngs(tmp_path / "pets", {"cats": 3, "dogs": 3})
    (tmp_path / "pets" / "dogs" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (tmp_path / "pets" / "cats" / "notes.jpg").write_text("a shopping list")
    raw = load_raw(DataSpec("image_folder", {"path": "pets", "size": 8, "cache": False}), tmp_path)
    assert raw.x.shape == (6, 1, 8, 8) and raw.y.tolist() == [0, 0, 0, 1, 1, 1]
    assert raw.meta["notes"] == [
        "2 of 8 files are not a readable image and were left out: cats/notes.jpg, dogs/broken.png; "
        "delete or replace them to use all files"
    ]


def test_cli_info_lists_the_unreadable_image(tmp_path, capsys):
    from trust_cases import run_cli

    from nnstudio.core.project.file_format import save_project
    from nnstudio.core.project.spec import default_project

    write_pngs(tmp_path / "pets", {"cats": 6, "dogs": 6})
    (tmp_path / "pets" / "dogs" / "broken.png").write_bytes(b"junk")
    project = default_project()
    project.data = DataSpec("image_folder", {"path": "pets", "size": 8})
    save_project(project, tmp_path / "pets.json")
    code, out, err = run_cli(["info", str(tmp_path / "pets.json")], capsys)
    assert code == 0, err
    assert ("nnstudio info: note: 1 of 13 files is not a readable image and was left out: dogs/broken.png; "
            "delete or replace it to use all files") in err.splitlines()
    assert "12 images in 2 classes" in out


def test_a_folder_of_unreadable_files_is_an_error_naming_a_few(tmp_path):
    for cls in ("cats", "dogs"):
        (tmp_path / "pets" / cls).mkdir(parents=True)
        for i in range(3):
            (tmp_path / "pets" / cls / f"{i}.png").write_bytes(b"not a picture")
    with pytest.raises(DataError) as caught:
        read_image_folder(tmp_path / "pets", 8, False)
    assert str(caught.value) == (
        "None of the 6 files in pets is a readable image (cats/0.png, cats/1.png, cats/2.png …); they are "
        "damaged or not pictures: open one in an image viewer to check, and put pictures in the class folders"
    )


def test_a_class_with_no_readable_image_is_an_error_naming_it(tmp_path):
    write_pngs(tmp_path / "pets", {"cats": 3})
    (tmp_path / "pets" / "dogs").mkdir()
    (tmp_path / "pets" / "dogs" / "a.png").write_bytes(b"not a picture")
    with pytest.raises(DataError, match=r"^The class folder 'dogs' holds no readable image \(dogs/a.png cannot be opened\)"):
        read_image_folder(tmp_path / "pets", 8, False)


# ---------------------------------------------------------------------------- the decoded cache
def test_reopening_reads_the_cache_and_shows_it(tmp_path):
    write_pngs(tmp_path / "pets", {"cats": 3, "dogs": 2})
    spec = DataSpec("image_folder", {"path": "pets", "size": 8})
    first = load_raw(spec, tmp_path)
    assert first.meta["notes"] == [] and len(cache_files(tmp_path)) == 1
    again = load_raw(spec, tmp_path)
    assert np.array_equal(again.x, first.x) and again.x.dtype == np.float32 and np.array_equal(again.y, first.y)
    assert again.meta["notes"] == [
        "Read 5 images from the decoded cache beside the project (.nnstudio-cache/): the folder is unchanged since "
        "they were decoded"
    ]
    assert cache_files(tmp_path)[0].name.startswith("pets-8-grey-")


def test_no_cache_when_switched_off_or_without_a_project_folder(tmp_path):
    write_pngs(tmp_path / "pets", {"cats": 3, "dogs": 2})
    load_raw(DataSpec("image_folder", {"path": "pets", "cache": False}), tmp_path)
    read_image_folder(tmp_path / "pets", 8, False, cache_dir=None)
    assert not (tmp_path / image_folders.CACHE_DIR).exists()


def _touch(path: Path, seconds: float) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + int(seconds * 1e9)))


@pytest.mark.parametrize("change", ["mtime", "content", "added", "removed", "size setting"])
def test_a_changed_folder_is_decoded_again(tmp_path, change):
    from PIL import Image

    paths = write_pngs(tmp_path / "pets", {"cats": 3, "dogs": 3})
    size = 8
    read_image_folder(tmp_path / "pets", size, False, cache_dir=tmp_path)
    expected = [k * 3 for k in range(6)]
    if change == "mtime":
        _touch(paths[1], 5)  # same bytes, another modification time: not trusted to be the same file
    elif change == "content":
        Image.fromarray(np.full((8, 8), 200, np.uint8)).save(paths[1])
        _touch(paths[1], 5)  # a coarse file system clock may not tick within the test
        expected[1] = 200
    elif change == "added":
        Image.fromarray(np.full((8, 8), 100, np.uint8)).save(tmp_path / "pets" / "dogs" / "new.png")
        expected.append(100)
    elif change == "removed":
        paths[4].unlink()
        del expected[4]
    else:
        size = 4
    changed = read_image_folder(tmp_path / "pets", size, False, cache_dir=tmp_path)
    assert not changed.from_cache and values(changed) == expected and changed.x.shape[2:] == (size, size)
    assert changed.notes == []
    again = read_image_folder(tmp_path / "pets", size, False, cache_dir=tmp_path)  # the cache was rewritten
    assert again.from_cache and values(again) == expected


class _Planted:
    """Unpickling this would create the marker file: proof that the cache was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign key", "wrong shape", "labels out of range", "pickled"])
def test_a_damaged_or_foreign_cache_is_ignored_and_rewritten(tmp_path, damage):
    write_pngs(tmp_path / "pets", {"cats": 3, "dogs": 3})
    good = read_image_folder(tmp_path / "pets", 8, False, cache_dir=tmp_path)
    [cache] = cache_files(tmp_path)
    marker = tmp_path / "unpickled"
    with np.load(cache, allow_pickle=False) as archive:
        parts = {k: archive[k] for k in archive.files}
    if damage == "garbage":
        cache.write_bytes(b"PK\x03\x04 this is not a zip archive")
    elif damage == "truncated":
        cache.write_bytes(cache.read_bytes()[:300])
    else:
        if damage == "foreign key":
            parts["key"] = np.array("0" * 64)
        elif damage == "wrong shape":
            parts["x"] = parts["x"][:, :, :3]
        elif damage == "labels out of range":
            parts["y"] = parts["y"] + 5
        else:
            parts["x"] = np.array([_Planted(marker)] * 6, dtype=object)
        np.savez(cache, **parts)
    read = read_image_folder(tmp_path / "pets", 8, False, cache_dir=tmp_path)
    assert not read.from_cache and np.array_equal(read.x, good.x) and np.array_equal(read.y, good.y)
    assert not marker.exists()
    assert read_image_folder(tmp_path / "pets", 8, False, cache_dir=tmp_path).from_cache  # rewritten whole


def test_a_cache_that_cannot_be_written_is_a_note(tmp_path):
    write_pngs(tmp_path / "pets", {"cats": 3, "dogs": 3})
    (tmp_path / image_folders.CACHE_DIR).write_text("a file where the cache folder would go")
    read = read_image_folder(tmp_path / "pets", 8, False, cache_dir=tmp_path)
    assert read.x.shape == (6, 1, 8, 8)
    assert len(read.notes) == 1 and read.notes[0].startswith(f"The decoded images could not be kept in {tmp_path / '.nnstudio-cache'} (")
    assert read.notes[0].endswith("); the next opening decodes them again")


# ---------------------------------------------------------------------------- Cancel
@pytest.mark.parametrize("workers", [1, 2])
def test_cancel_from_another_thread_stops_the_load(tmp_path, monkeypatch, workers):
    write_pngs(tmp_path / "pets", {"cats": 20, "dogs": 20})
    monkeypatch.setattr(image_folders, "CHUNK_FILES", 2)
    reported, cancelled = threading.Event(), threading.Event()
    progress: list[int] = []

    def on_progress(done: int, total: int, text: str) -> None:
        progress.append(done)
        if done and not reported.is_set():
            reported.set()
            assert cancelled.wait(10)  # the loader goes on only once the other thread has pressed Cancel

    token = jobs.JobToken(on_progress)

    def press_cancel() -> None:
        reported.wait(10)
        token.cancel()
        cancelled.set()

    canceller = threading.Thread(target=press_cancel)
    canceller.start()
    try:
        with pytest.raises(LoadCancelled, match=r"^Loading was cancelled; the previous data stays loaded$"):
            read_image_folder(tmp_path / "pets", 8, False, cache_dir=tmp_path, token=token, workers=workers)
    finally:
        reported.set()
        canceller.join(10)
    assert not canceller.is_alive() and multiprocessing.active_children() == []
    assert 0 < max(progress) < 40  # stopped part-way
    assert cache_files(tmp_path) == []  # a cancelled load leaves no cache behind


def test_a_load_through_the_callers_token_can_be_cancelled(tmp_path):
    write_pngs(tmp_path / "pets", {"cats": 3, "dogs": 3})
    token = jobs.JobToken()
    token.cancel()
    with token.active(), pytest.raises(LoadCancelled):
        load_raw(DataSpec("image_folder", {"path": "pets"}), tmp_path)


# ---------------------------------------------------------------------------- the CLI's progress bar
class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _image_project(tmp_path: Path) -> Path:
    from nnstudio.core.project.file_format import save_project
    from nnstudio.core.project.spec import default_project

    write_pngs(tmp_path / "pets", {"cats": 6, "dogs": 6})
    project = default_project()
    project.data = DataSpec("image_folder", {"path": "pets", "size": 8, "cache": False})
    save_project(project, tmp_path / "pets.json")
    return tmp_path / "pets.json"


def test_the_cli_draws_a_decoding_bar_on_a_terminal(tmp_path, monkeypatch):
    from nnstudio.cli import main

    path = _image_project(tmp_path)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["info", str(path)]) == 0
    bar = terminal.getvalue()
    assert "Decoding images: 100%" in bar and "12/12" in bar


def test_the_cli_draws_no_bar_into_a_pipe_or_log(tmp_path, capsys):
    from trust_cases import run_cli

    code, out, err = run_cli(["info", str(_image_project(tmp_path))], capsys)
    assert code == 0 and "12 images in 2 classes" in out
    assert err == ""


# ---------------------------------------------------------------------------- the plain-PNG shortcut
def _chunk(kind: bytes, body: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_variants(folder: Path) -> dict[str, Path]:
    """PNGs of every kind Pillow writes, plus hand-made ones: IDAT split in two, a bad CRC, a tRNS chunk,
    an unknown chunk, interlaced, cut short."""
    import zlib

    from PIL import Image

    rng = np.random.default_rng(3)
    rgb = Image.fromarray(rng.integers(0, 256, (12, 10, 3), dtype=np.uint8))
    images = {"L": rgb.convert("L"), "RGB": rgb, "RGBA": rgb.convert("RGBA"), "P": rgb.convert("P"),
              "LA": rgb.convert("LA"), "1": rgb.convert("1"), "I;16": rgb.convert("L").convert("I;16"),
              "big": rgb.resize((40, 30)), "square RGB": rgb.resize((8, 8)), "square L": rgb.convert("L").resize((8, 8))}
    paths = {}
    for name, img in images.items():
        paths[name] = folder / f"{name.replace(';', '')}.png"
        img.save(paths[name])
    raw = paths["RGB"].read_bytes()
    ihdr, rest = raw[:33], raw[33:]
    body = zlib.compress(b"".join(b"\x00" + bytes(row) for row in np.asarray(rgb).reshape(12, -1)))
    made = {
        "split IDAT": ihdr + _chunk(b"IDAT", body[:7]) + _chunk(b"IDAT", body[7:]) + _chunk(b"IEND", b""),
        "bad CRC": raw[:-20] + bytes([raw[-20] ^ 1]) + raw[-19:],
        "tRNS": ihdr + _chunk(b"tRNS", b"\x00\x01\x00\x02\x00\x03") + rest,
        "unknown chunk": ihdr + _chunk(b"prVt", b"x") + rest,
        "interlaced": raw[:8] + _chunk(b"IHDR", raw[16:28] + b"\x01") + rest,
        "cut short": raw[: len(raw) // 2],
    }
    for name, data in made.items():
        paths[name] = folder / f"{name.replace(' ', '_')}.png"
        paths[name].write_bytes(data)
    return paths


def _decode_or_error(path: Path, size: int, rgb: bool) -> object:
    pixels, bad = image_decode.decode_chunk([str(path)], size, rgb)
    return "unreadable" if bad else image_folders._pixels(pixels, size, rgb)


def test_the_png_shortcut_gives_pillows_pixels_or_leaves_the_file_to_pillow(tmp_path, monkeypatch):
    from nnstudio.core.data.plain_png import open_plain_png

    paths = _png_variants(tmp_path)
    taken = {name for name, p in paths.items() if open_plain_png(str(p)) is not None}
    assert taken == {"L", "RGB", "big", "split IDAT", "square L", "square RGB"}
    into, ordinary = [], []  # the files decoded straight into the chunk's buffer / through Image objects
    real_into, real_ordinary = image_decode.decode_plain_png_into, image_decode._pillow_pixels
    monkeypatch.setattr(image_decode, "decode_plain_png_into", lambda png, *a: into.append(png.mode) or real_into(png, *a))
    monkeypatch.setattr(image_decode, "_pillow_pixels", lambda path, *a: ordinary.append(Path(path).stem) or real_ordinary(path, *a))
    short = {(name, size, rgb): _decode_or_error(p, size, rgb) for name, p in paths.items() for size in (10, 8) for rgb in (False, True)}
    assert sorted(into) == ["L", "RGB"]  # the square 8 x 8 ones, each at its own size and colour ...
    assert ordinary.count("square RGB") == ordinary.count("square L") == 3  # ... and only then not the long way
    monkeypatch.setattr(image_decode, "SHORTCUT", False)  # Pillow's own way only
    for (name, size, rgb), got in short.items():
        pillow = _decode_or_error(paths[name], size, rgb)
        assert type(got) is type(pillow) and (not isinstance(got, np.ndarray) or np.array_equal(got, pillow)), (name, size, rgb)
    assert short[("cut short", 8, True)] == "unreadable" and short[("bad CRC", 8, True)] == "unreadable"
    assert short[("square RGB", 8, True)].shape == (1, 3, 8, 8)


def test_the_decoding_workers_import_neither_numpy_nor_torch():
    """A spawned worker imports the decoding module and nothing it does not need: numpy alone would be most
    of its start-up (0.1 s of CPU of about 0.15)."""
    import subprocess

    code = "import sys, nnstudio.core.data.image_decode; print(sorted({'numpy', 'torch', 'pandas'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


def test_files_are_listed_as_paths_sort_part_by_part(tmp_path):
    """Each folder's entries in name order give the part-by-part order of the whole paths (a/x.png, then
    a-b/y.png, then a.png: '-' sorts before '.'), hidden ones left out."""
    from PIL import Image

    names = ["cats/a/x.png", "cats/a.png", "cats/a-b/y.png", "cats/B.png", "cats/a/.hidden.png", "dogs/z.png"]
    for name in names:
        (tmp_path / "pets" / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "pets" / name)
    classes, listing = image_folders.list_image_folder(tmp_path / "pets")
    expected = sorted((n for n in names if "/." not in n), key=lambda n: n.split("/"))
    assert classes == ["cats", "dogs"] and [rel for files in listing for rel in files] == expected
    assert listing[0] == ["cats/B.png", "cats/a/x.png", "cats/a-b/y.png", "cats/a.png"]


@pytest.mark.parametrize("n_bytes", [0, 5, (1 << 16) - 1, 1 << 16, (1 << 16) + 1, 3 << 20])
def test_a_file_is_read_whole_whatever_its_size(tmp_path, n_bytes):
    data = np.random.default_rng(n_bytes).integers(0, 256, n_bytes, dtype=np.uint8).tobytes()
    (tmp_path / "f.png").write_bytes(data)
    assert image_decode.read_bytes(str(tmp_path / "f.png")) == data

"""Recovery copies: the open project autosaved beside the user's own file, so a crash loses minutes, not hours.

Each running nnstudio writes ``recovery-<pid>.nnstudio`` plus a small JSON note (where the project came
from, when it was saved) into the recovery folder. A clean exit deletes both. A copy whose process is no
longer running therefore marks an unclean exit, and the next launch offers to restore it. Restoring goes
through the normal, validated loader, so a planted file is refused like any other bad file.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from nnstudio.core.base.errors import ProjectFileError
from nnstudio.core.base.pids import pid_alive as _pid_alive
from nnstudio.core.project.file_format import atomic_write, load_project, remove_stale_parts, save_project
from nnstudio.core.project.spec import Project

PREFIX = "recovery-"
# The temp file of a recovery copy's save that was killed: ".recovery-<pid>.nnstudio.<...>.part".
PART_OF_COPY = re.compile(rf"\.({PREFIX}(\d+)\.(?:nnstudio|json))\..+\.part")


@dataclass
class RecoveryEntry:
    path: Path  # the recovery copy (.nnstudio)
    pid: int
    saved_at: float
    source: Path | None  # the file the project was opened from or saved to, if any
    name: str

    @property
    def note(self) -> Path:
        return self.path.with_suffix(".json")

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        where = f" (from {self.source.name})" if self.source else " (never saved)"
        return f"{self.name}{where}, autosaved {when}"


class RecoveryStore:
    def __init__(self, folder: str | Path, pid: int | None = None) -> None:
        self.folder = Path(folder)
        self.pid = os.getpid() if pid is None else pid

    @property
    def path(self) -> Path:
        return self.folder / f"{PREFIX}{self.pid}.nnstudio"

    def save(self, project: Project, source: Path | None) -> Path:
        """Write this process's recovery copy (atomically, like every save)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._remove_dead_parts()
        save_project(project, self.path, include_snapshots=project.keep_snapshots)
        note = {"pid": self.pid, "saved_at": time.time(), "source": str(source) if source else None, "name": project.name}
        text = json.dumps(note).encode("utf-8")
        atomic_write(self.path.with_suffix(".json"), lambda fh: fh.write(text))
        return self.path

    def _remove_dead_parts(self) -> None:
        """Temp files of copies whose process died mid-save: no later save of that name would remove them."""
        for part in self.folder.glob(f".{PREFIX}*.part"):
            match = PART_OF_COPY.fullmatch(part.name)
            if match and int(match.group(2)) != self.pid and not _pid_alive(int(match.group(2))):
                remove_stale_parts(self.folder, match.group(1))

    def discard(self) -> None:
        """Clean exit (or the work was saved): remove this process's copy."""
        for p in (self.path, self.path.with_suffix(".json")):
            p.unlink(missing_ok=True)

    def leftovers(self) -> list[RecoveryEntry]:
        """Copies left by processes that are no longer running: unclean exits, newest first."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.glob(f"{PREFIX}*.nnstudio"):
            entry = self._entry(path)
            if entry is not None and entry.pid != self.pid and not _pid_alive(entry.pid):
                found.append(entry)
        return sorted(found, key=lambda e: e.saved_at, reverse=True)

    def _entry(self, path: Path) -> RecoveryEntry | None:
        digits = path.stem.removeprefix(PREFIX)
        if not digits.isdigit():
            return None
        note: dict = {}
        try:
            raw = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            note = raw if isinstance(raw, dict) else {}
        except (OSError, ValueError):
            pass  # the note is a convenience; the copy itself is what matters
        saved_at = note.get("saved_at")
        source = note.get("source")
        name = note.get("name")
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        return RecoveryEntry(
            path,
            int(digits),
            float(saved_at) if isinstance(saved_at, int | float) and not isinstance(saved_at, bool) else mtime,
            Path(source) if isinstance(source, str) and source else None,
            name if isinstance(name, str) and name else "Unsaved project",
        )

    @staticmethod
    def restore(entry: RecoveryEntry) -> Project:
        """The recovered project, through the same validation as any file (pickles are refused)."""
        try:
            return load_project(entry.path)
        except ProjectFileError as exc:
            raise ProjectFileError(f"The recovery copy cannot be restored: {exc}") from None

    @staticmethod
    def remove(entry: RecoveryEntry) -> None:
        for p in (entry.path, entry.note):
            p.unlink(missing_ok=True)
            remove_stale_parts(p.parent, p.name)  # a copy is never saved again under a dead pid's name

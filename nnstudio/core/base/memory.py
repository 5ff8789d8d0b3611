"""How much memory this machine has free, so a model or a file too big for it is refused before allocating.

No dependency: Linux's ``/proc/meminfo`` (MemAvailable counts reclaimable caches, unlike "free"), else
``os.sysconf``'s free pages. Callers look the function up on this module at call time, so tests can inject a
small figure with ``monkeypatch.setattr(memory, "available_bytes", ...)``.
"""

from __future__ import annotations

import os


def available_bytes() -> int | None:
    """Bytes free for new allocations now, or None where the platform does not say (no check is then made)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the figure is in kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):  # Windows has no sysconf; macOS lacks SC_AVPHYS_PAGES
        return None


def format_bytes(n: float) -> str:
    """A size as a student reads it: '3.7 GB', '12.0 MB', '512 KB'."""
    if n >= 1024**3:
        return f"{n / 1024**3:,.1f} GB"
    if n >= 1024**2:
        return f"{n / 1024**2:.1f} MB"
    return f"{max(n, 0) / 1024:.0f} KB"

#!/usr/bin/env bash
# `make package`: build the one-folder app with PyInstaller, tar it on Linux, then run its smoke test.
#   PY=...            the Python whose packages are bundled (default .venv/bin/python)
#   NNSTUDIO_TARBALL=0  skip the .tar.gz (it takes minutes for a CUDA torch bundle)
#   NNSTUDIO_SMOKE=0    skip packaging/smoke_test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
DIST="${NNSTUDIO_DIST:-dist}"
WORK="${NNSTUDIO_WORK:-build/pyinstaller}"
APP="$DIST/nnstudio"

if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "Installing PyInstaller (the 'package' extra of pyproject.toml)"
    "$PY" -m pip install --quiet "pyinstaller>=6.11"
fi
VERSION="$("$PY" -c 'import nnstudio; print(nnstudio.__version__)')"
TORCH="$("$PY" -c 'import torch; print(torch.__version__)')"
echo "Building nnstudio $VERSION with torch $TORCH ($(uname -s) $(uname -m))"
case "$TORCH" in
    *+cpu*) ;;
    *) echo "note: torch $TORCH is not a CPU-only build; its CUDA libraries make the bundle several GB (see packaging/README.md)" ;;
esac

start=$(date +%s)
# --clean throws away PyInstaller's analysis cache in build/: NNSTUDIO_CLEAN=1 after changing dependencies.
CLEAN=""; [ "${NNSTUDIO_CLEAN:-0}" = "1" ] && CLEAN="--clean"
"$PY" -m PyInstaller --noconfirm $CLEAN --log-level WARN --distpath "$DIST" --workpath "$WORK" packaging/nnstudio.spec
echo "PyInstaller finished in $(( $(date +%s) - start )) s"

if [ "$(uname -s)" = "Linux" ] && [ "${NNSTUDIO_STRIP:-1}" != "0" ]; then
    # Strip debug symbols (torch's libraries lose ~170 MB), but not the auditwheel-patched copies in
    # *.libs/ folders (numpy.libs, scipy.libs, ...): strip corrupts their moved program headers. The
    # nvidia libraries ship stripped already (rewriting 3 GB for nothing).
    before=$(du -sm "$APP" | cut -f1)
    find "$APP/_internal" -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' -not -path '*/nvidia/*' -print0 \
        | xargs -0 -P "$(nproc)" -n 16 strip --strip-unneeded 2>/dev/null || true
    echo "Stripped shared libraries: ${before} MB -> $(du -sm "$APP" | cut -f1) MB"
fi

if [ "$(uname -s)" = "Linux" ]; then
    cp packaging/nnstudio.desktop "$APP/nnstudio.desktop"
    cp packaging/install-desktop-entry.sh "$APP/install-desktop-entry.sh"
    chmod +x "$APP/install-desktop-entry.sh"
fi
echo "Bundle: $APP ($(du -sh "$APP" | cut -f1); largest parts below)"
du -sh "$APP"/_internal/* 2>/dev/null | sort -h | tail -8

if [ "$(uname -s)" = "Linux" ] && [ "${NNSTUDIO_TARBALL:-1}" != "0" ]; then
    TARBALL="$DIST/nnstudio-$VERSION-linux-$(uname -m).tar.gz"
    start=$(date +%s)
    # pigz uses every core when present; plain gzip otherwise.
    if command -v pigz >/dev/null; then COMPRESS="pigz"; else COMPRESS="gzip"; fi
    tar -C "$DIST" -cf - nnstudio | $COMPRESS -6 > "$TARBALL"
    echo "Archive: $TARBALL ($(du -sh "$TARBALL" | cut -f1), $(( $(date +%s) - start )) s)"
fi

if [ "${NNSTUDIO_SMOKE:-1}" != "0" ]; then
    bash packaging/smoke_test.sh "$APP"
fi

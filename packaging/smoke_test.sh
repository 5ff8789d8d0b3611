#!/usr/bin/env bash
# Frozen smoke test: run the built bundle's own self-test with no Python on PATH and no network proxy.
# Usage: bash packaging/smoke_test.sh [dist/nnstudio]
set -euo pipefail
cd "$(dirname "$0")/.."
APP="${1:-dist/nnstudio}"
case "$(uname -s)" in
    MINGW*|MSYS*|CYGWIN*) EXE="$APP/nnstudio.exe" ;;
    Darwin) EXE="$APP/nnstudio" ;;
    *) EXE="$APP/nnstudio" ;;
esac
[ -x "$EXE" ] || { echo "no bundle at $EXE; run 'make package' first" >&2; exit 2; }

# A clean environment: nothing from the dev venv may leak in (PATH without it, no PYTHONPATH/PYTHONHOME).
export QT_QPA_PLATFORM=offscreen
HOME_DIR="$(mktemp -d)"
trap 'rm -rf "$HOME_DIR"' EXIT
env -i HOME="$HOME_DIR" PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen LANG=C.UTF-8 \
    "$EXE" --version
start=$(date +%s)
env -i HOME="$HOME_DIR" PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen LANG=C.UTF-8 \
    "$EXE" self-test
echo "frozen self-test passed in $(( $(date +%s) - start )) s"

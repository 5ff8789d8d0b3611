#!/usr/bin/env bash
# Add nnstudio to this user's application menu (Linux). Run from the unpacked bundle folder:
#   ./install-desktop-entry.sh            (installs for the current user, no root needed)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
for size in 16 24 32 48 64 128 256 512; do
    png="$HERE/_internal/resources/icons/nnstudio-$size.png"
    [ -f "$png" ] || continue
    mkdir -p "$DATA/icons/hicolor/${size}x${size}/apps"
    cp "$png" "$DATA/icons/hicolor/${size}x${size}/apps/nnstudio.png"
done
mkdir -p "$DATA/applications"
# The entry's Exec must name this folder's binary; quote it for paths with spaces.
sed "s|^Exec=.*|Exec=\"$HERE/nnstudio\" %f|" "$HERE/nnstudio.desktop" > "$DATA/applications/nnstudio.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$DATA/applications" || true
echo "nnstudio added to the application menu ($DATA/applications/nnstudio.desktop)"

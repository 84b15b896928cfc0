#!/bin/sh
# Install a built bundle (packaging/build-bundle.sh) for the current user, with a menu entry:
#   packaging/install-bundle.sh [dist/pam]
# Remove with: rm -r ~/.local/share/pam-app ~/.local/share/applications/pam.desktop
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../dist/pam}
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$data/pam-app" "$data/applications" "$data/icons/hicolor/scalable/apps"
cp -a "$src/." "$data/pam-app/"
cp "$here/pam.svg" "$data/icons/hicolor/scalable/apps/pam.svg"
sed -e "s|^Exec=.*|Exec=$data/pam-app/pam|" -e "s|^Icon=.*|Icon=$data/icons/hicolor/scalable/apps/pam.svg|" \
  "$here/pam.desktop" > "$data/applications/pam.desktop"
echo "Installed: $data/pam-app/pam (menu entry $data/applications/pam.desktop)"

#!/usr/bin/env bash
# The portable build for other distributions: packaging/linux/portable.sh ONEDIR OUTDIR
# A tarball of a `portable` onedir (it bundles the libraries it needs but glibc and the GL and
# xcb drivers), with the desktop entry, metainfo and icons beside it for `askshot desktop install`:
#
#   askshot-<version>-linux-<arch>/askshot            the program (and _internal/)
#   askshot-<version>-linux-<arch>/share/…            applications, metainfo, icons
#   askshot-<version>-linux-<arch>/README             how to run it and add it to the launcher
#
# Reproducible: names sorted, owner 0, every time SOURCE_DATE_EPOCH, gzip without a timestamp.
set -euo pipefail
ONEDIR=$(realpath "$1")
OUT=$(realpath -m "$2")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
APP_ID=io.github.askshot.Askshot
cd "$ROOT"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
NAME="askshot-$VERSION-linux-$(uname -m)"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DIR="$WORK/$NAME"

mkdir -p "$DIR"
cp -a "$ONEDIR/." "$DIR/"
install -Dm644 "resources/$APP_ID.desktop" "$DIR/share/applications/$APP_ID.desktop"
install -Dm644 "resources/$APP_ID.metainfo.xml" "$DIR/share/metainfo/$APP_ID.metainfo.xml"
(cd resources/icons && find hicolor -type f -name "$APP_ID.*" -print0) |
  while IFS= read -r -d '' icon; do install -Dm644 "resources/icons/$icon" "$DIR/share/icons/$icon"; done
install -Dm644 LICENSE "$DIR/LICENSE"
cat >"$DIR/README" <<EOF
Askshot $VERSION, portable build for Linux ($(uname -m)); needs glibc 2.36 or newer, X11 or Wayland.

  ./askshot                      open the window
  ./askshot desktop install      add Askshot to your launcher (with this folder's path)
  ./askshot desktop autostart on start it at login
  ./askshot ask "question"       ask from the shell; ./askshot --help for more

Keep this folder where it is after \`desktop install\`; \`./askshot desktop uninstall\` removes
the launcher entry again. API keys go to your desktop's keyring (\`./askshot key set\`).
EOF

mkdir -p "$OUT"
TARBALL="$OUT/$NAME.tar.gz"
tar -C "$WORK" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  -cf - "$NAME" | gzip -9n >"$TARBALL"
echo "$TARBALL"

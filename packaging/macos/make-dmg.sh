#!/usr/bin/env bash
# The disk image users download: Askshot.app and a link to /Applications to drag it onto.
#   packaging/macos/make-dmg.sh dist/Askshot.app OUT_DIR   → OUT_DIR/Askshot-<version>-macos-<arch>.dmg
# Sign and notarise the .app first (sign-and-notarize.sh app …), then the DMG (… dmg …).
set -euo pipefail
APP=$1
OUT=${2:-packaging/dist}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("'"$ROOT"'/pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(uname -m)
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
ditto "$APP" "$STAGE/Askshot.app"     # ditto keeps signatures, extended attributes and links
ln -s /Applications "$STAGE/Applications"
mkdir -p "$OUT"
DMG="$OUT/Askshot-$VERSION-macos-$ARCH.dmg"
rm -f "$DMG"
# hdiutil now and then fails with "Resource busy" on GitHub's macOS runners (XProtect scanning
# the image it builds, actions/runner-images#7522): a few tries.
for try in 1 2 3 4 5; do
  hdiutil create -volname "Askshot $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG" \
    >/dev/null && break
  [ "$try" -lt 5 ] || exit 1
  echo "make-dmg: hdiutil failed, trying again" >&2
  sleep $((try * 5))
done
hdiutil verify "$DMG" >/dev/null
echo "$DMG"

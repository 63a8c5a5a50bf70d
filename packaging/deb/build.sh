#!/usr/bin/env bash
# Build the .deb from a `system` onedir: packaging/deb/build.sh ONEDIR OUTDIR
#
#   /usr/lib/askshot/{askshot,_internal/…}      the PyInstaller program folder
#   /usr/bin/askshot -> ../lib/askshot/askshot
#   /usr/share/applications/<app id>.desktop    with its Capture and New chat actions
#   /usr/share/metainfo/<app id>.metainfo.xml   /usr/share/icons/hicolor/*/apps/<app id>.{png,svg}
#   /usr/share/doc/askshot/{copyright,changelog.gz,changelog.Debian.gz}
#   /usr/share/man/man1/askshot.1.gz             /usr/share/lintian/overrides/askshot
#
# Depends comes from dpkg-shlibdeps over every ELF file in the folder, so the system supplies
# X11, xcb, GL, glib, fontconfig, dbus, ssl and sqlite (and their security fixes). GTK is only
# recommended: Qt's GTK theme plugin is optional. Reproducible: every timestamp is
# SOURCE_DATE_EPOCH (the last commit's time unless set), which dpkg-deb clamps to.
set -euo pipefail
ONEDIR=$(realpath "$1")
OUT=$(realpath -m "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
APP_ID=io.github.askshot.Askshot
cd "$ROOT"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
DEB_VERSION="$VERSION-1"
ARCH=$(dpkg --print-architecture)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PKG="$WORK/root"

# The program folder; shared objects are not executables (lintian: shared-library-is-executable).
install -d "$PKG/usr/lib/askshot" "$PKG/usr/bin"
cp -a "$ONEDIR/." "$PKG/usr/lib/askshot/"
find "$PKG/usr/lib/askshot" -type f -name '*.so*' -exec chmod 0644 {} +
find "$PKG/usr/lib/askshot" -type d -exec chmod 0755 {} +
chmod 0755 "$PKG/usr/lib/askshot/askshot"
ln -s ../lib/askshot/askshot "$PKG/usr/bin/askshot"

# ziafont (formulas) carries DejaVu Sans for text inside formulas: the distribution's copy
# instead, through a relative link and a dependency (lintian: duplicate-font-file).
DEJAVU=usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
find "$PKG/usr/lib/askshot" -type f -name DejaVuSans.ttf -print0 |
  while IFS= read -r -d '' font; do
    rm "$font"
    ln -s "$(realpath -m --relative-to="$(dirname "$font")" "$PKG/$DEJAVU")" "$font"
  done

# The desktop: entry, metainfo, icons (the same files `askshot desktop install` writes for pip).
install -Dm644 "resources/$APP_ID.desktop" "$PKG/usr/share/applications/$APP_ID.desktop"
install -Dm644 "resources/$APP_ID.metainfo.xml" "$PKG/usr/share/metainfo/$APP_ID.metainfo.xml"
(cd resources/icons && find hicolor -type f -name "$APP_ID.*" -print0) |
  while IFS= read -r -d '' icon; do
    install -Dm644 "resources/icons/$icon" "$PKG/usr/share/icons/$icon"
  done

# Documents: copyright, the project's changelog, the Debian changelog, the man page.
DOC="$PKG/usr/share/doc/askshot"
install -Dm644 "$HERE/copyright" "$DOC/copyright"
gzip -9n <CHANGELOG.md >"$DOC/changelog.gz"
{
  echo "askshot ($DEB_VERSION) unstable; urgency=medium"
  echo
  echo "  * Askshot $VERSION, built from the project's own sources."
  echo
  echo " -- Askshot developers <askshot@users.noreply.github.com>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$DOC/changelog.Debian.gz"
install -d "$PKG/usr/share/man/man1"
help2man --no-info --no-discard-stderr --section 1 --source "Askshot $VERSION" \
  --name "screenshot-and-ask assistant for o4-mini and OpenAI-compatible models" \
  --include "$HERE/askshot.h2m" "$ONEDIR/askshot" | gzip -9n >"$PKG/usr/share/man/man1/askshot.1.gz"
install -Dm644 "$HERE/lintian-overrides" "$PKG/usr/share/lintian/overrides/askshot"

# Depends: what the folder's ELF files link against, from the packages that provide it.
mkdir -p "$WORK/shlibs/debian"
printf 'Source: askshot\n\nPackage: askshot\nArchitecture: any\n' >"$WORK/shlibs/debian/control"
mapfile -t elves < <(find "$PKG/usr/lib/askshot" -type f \( -name '*.so*' -o -name askshot \) \
  ! -path '*platformthemes/libqgtk3.so' | sort)
libdirs=$(find "$PKG/usr/lib/askshot" -type f -name '*.so*' -printf '-l%h\n' | sort -u | tr '\n' ' ')
# shellcheck disable=SC2086  # one -l option per folder
DEPENDS=$(cd "$WORK/shlibs" && dpkg-shlibdeps -O --ignore-missing-info $libdirs \
  "${elves[@]/#/-e}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$DEPENDS" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
DEPENDS="$DEPENDS, fonts-dejavu-core"  # the font the formulas' text uses (above)

SIZE=$(du -sk --apparent-size "$PKG" | cut -f1)
install -d "$PKG/DEBIAN"
sed -e "s/@VERSION@/$DEB_VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE/" \
  -e "s/@DEPENDS@/$DEPENDS/" "$HERE/control.in" >"$PKG/DEBIAN/control"
(cd "$PKG" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$PKG/DEBIAN/md5sums"
chmod 0644 "$PKG/DEBIAN/control" "$PKG/DEBIAN/md5sums"

mkdir -p "$OUT"
DEB="$OUT/askshot_${DEB_VERSION}_$ARCH.deb"
dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEB" >/dev/null
echo "$DEB"

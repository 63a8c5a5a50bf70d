#!/usr/bin/env bash
# Build the Linux packages and prove them, as CI does after the test suite (.ci/run):
#
#   1. the onedir from the spec, in a venv from the hash-locked requirements; every library it
#      needs is inside it or on the system; the trimming holds
#   2. the .deb: lintian, desktop-file-validate, appstreamcli; a second build of the same commit
#      gives the same bytes; size budgets
#   3. installed with apt: the version, a headless ask, the keyring, the window through its
#      desktop entry and the global shortcut on Xvfb (tests/e2e/test_installed.py); headless
#      commands within 1.5x of the venv's; the file list against packaging/deb/expected-files.txt;
#      nothing written under /usr/lib/askshot by running it; purge leaves nothing
#   4. the portable tarball: built, unpacked, the same smoke test
#   5. the Windows installer script compiles with makensis -WX against a stub tree
#   6. with ASKSHOT_CHROOT=1 (the default in CI): the .deb in a minimal Debian chroot, which
#      catches a Depends the CI machine happens to satisfy anyway
#
# Root and Debian/Ubuntu only (it installs packages). Outputs in packaging/dist/, screenshots
# and the measurements in build/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/deps.sh
[ "$(id -u)" -eq 0 ] || { echo "packaging/check.sh installs packages: run it as root" >&2; exit 1; }
ensure_debian_packages "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${PACKAGING_PACKAGES[@]}"
ensure_venv
.venv/bin/python -m pip install -q -e '.[test]'

APP_ID=io.github.askshot.Askshot
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
DIST=$ROOT/packaging/dist
ART=$ROOT/build/artifacts
MAX_DEB_MB=45
MAX_INSTALLED_MIB=140
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
export PYTHONHASHSEED=0
rm -rf "$DIST" "$ART" build/onedir-* build/deb-again
mkdir -p "$DIST" "$ART"
step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }
fail() { echo "packaging/check.sh: $*" >&2; exit 1; }

step "build venv (hash-locked)"
if [ ! -x build/venv/bin/pyinstaller ]; then
  python3 -m venv build/venv
  build/venv/bin/python -m pip install -q --require-hashes -r packaging/requirements-build.txt
fi

step "the wheel (pip and pipx installs), installed in the build venv"
build/venv/bin/python -m pip wheel -q --no-deps --no-build-isolation -w "$DIST" .
WHEEL=$(echo "$DIST"/askshot-"$VERSION"-py3-none-any.whl)
build/venv/bin/python -m pip install -q --no-deps --force-reinstall "$WHEEL"
[ "$(build/venv/bin/askshot --version)" = "askshot $VERSION" ] || fail "the wheel's version"
XDG=$(mktemp -d)
XDG_DATA_HOME=$XDG/data XDG_CONFIG_HOME=$XDG/config build/venv/bin/askshot desktop install >/dev/null
desktop-file-validate "$XDG/data/applications/$APP_ID.desktop"
grep -q "^Exec=$ROOT/build/venv/bin/askshot" "$XDG/data/applications/$APP_ID.desktop" ||
  fail "the pip install's launcher does not name its program by absolute path"
[ -s "$XDG/data/icons/hicolor/scalable/apps/$APP_ID.svg" ] || fail "no icon from the wheel"
rm -rf "$XDG"

onedir() {  # onedir BUNDLE OUT: the spec's program folder, checked
  ASKSHOT_BUNDLE=$1 build/venv/bin/pyinstaller --noconfirm --clean --log-level ERROR \
    --distpath "$2" --workpath "build/work-$1" packaging/pyinstaller/askshot.spec
  local dir=$2/askshot
  python3 packaging/linux/needed.py "$dir" || fail "$1 onedir needs libraries it lacks"
  [ -z "$(find "$dir" -xtype l)" ] || fail "dangling links in the $1 onedir"
  if find "$dir" -path '*/translations/*' -o -name 'libQt6Network*' -o -name 'libQt6Qml*' \
    -o -name 'libgtk-3*' -o -path '*/platforms/libqeglfs*' | grep .; then
    fail "the $1 onedir carries what the spec trims"
  fi
}

step "onedir (system libraries from the distribution)"
onedir system build/onedir-system

step ".deb"
DEB=$(packaging/deb/build.sh build/onedir-system/askshot "$DIST")
lintian --fail-on error,warning "$DEB"
desktop-file-validate "resources/$APP_ID.desktop"
appstreamcli validate --no-net "resources/$APP_ID.metainfo.xml"

step "reproducible: the same commit built again gives the same .deb"
onedir system build/deb-again/onedir
AGAIN=$(packaging/deb/build.sh build/deb-again/onedir/askshot build/deb-again)
cmp "$DEB" "$AGAIN" || fail "two builds of the same commit differ: $(sha256sum "$DEB" "$AGAIN")"

step "install the .deb"
apt-get purge -y -qq askshot >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB" >/dev/null
[ "$(askshot --version)" = "askshot $VERSION" ] || fail "installed version: $(askshot --version)"
deb_bytes=$(stat -c %s "$DEB")
installed_kib=$(dpkg-query -W -f='${Installed-Size}' askshot)
installed_bytes=$(du -sb /usr/lib/askshot | cut -f1)
[ "$deb_bytes" -le $((MAX_DEB_MB * 1000 * 1000)) ] || fail ".deb is $deb_bytes bytes, over $MAX_DEB_MB MB"
[ "$installed_bytes" -le $((MAX_INSTALLED_MIB * 1024 * 1024)) ] ||
  fail "installed size $installed_bytes bytes, over $MAX_INSTALLED_MIB MiB"

step "smoke test, installed"
MARK=$(mktemp)
ASKSHOT_EXE=/usr/bin/askshot ASKSHOT_DESKTOP_ENTRY=/usr/share/applications/$APP_ID.desktop \
  ASKSHOT_ARTIFACTS=$ART QT_QPA_PLATFORM=offscreen \
  .venv/bin/python -m pytest -q -p no:cacheprovider tests/e2e/test_installed.py
.venv/bin/python bench/packaging.py --headless-only --installed /usr/bin/askshot >"$ART/headless.json"
.venv/bin/python - "$ART/headless.json" <<'EOF'
import json, sys
ratios = json.load(open(sys.argv[1]))["ratio_installed_to_venv"]
slow = {name: r for name, r in ratios.items() if r > 1.5}
print("installed/venv:", ratios)
sys.exit(f"headless commands over 1.5x the venv's: {slow}" if slow else 0)
EOF
dpkg -L askshot | python3 packaging/linux/filelist.py >"$ART/files.txt"
diff -u packaging/deb/expected-files.txt "$ART/files.txt" ||
  fail "the installed files changed: update packaging/deb/expected-files.txt if that was meant"
written=$(find /usr/lib/askshot /usr/share/applications /usr/share/icons/hicolor /usr/share/metainfo \
  -newer "$MARK" -not -name '*.cache' -not -name 'mimeinfo.cache' -print | head)
[ -z "$written" ] || fail "running the program wrote into the installation: $written"

step "purge"
apt-get purge -y -qq askshot >/dev/null
left=$(dpkg -c "$DEB" | awk '{print $6}' | sed 's|^\.||' | grep -v '/$' |
  while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done; true)
[ -z "$left" ] && [ ! -e /usr/lib/askshot ] || fail "purge left: $left"

step "portable tarball"
onedir portable build/onedir-portable
TARBALL=$(packaging/linux/portable.sh build/onedir-portable/askshot "$DIST")
PORTABLE=$(mktemp -d)
tar -C "$PORTABLE" -xzf "$TARBALL"
PEXE=$(echo "$PORTABLE"/askshot-*/askshot)
ASKSHOT_EXE=$PEXE ASKSHOT_ARTIFACTS=$ART QT_QPA_PLATFORM=offscreen \
  .venv/bin/python -m pytest -q -p no:cacheprovider tests/e2e/test_installed.py
desktop-file-validate "$(dirname "$PEXE")/share/applications/$APP_ID.desktop"
portable_bytes=$(du -sb "$(dirname "$PEXE")" | cut -f1)
rm -rf "$PORTABLE"

step "Windows installer script (makensis -WX, stub tree)"
bash packaging/windows/check.sh

if [ "${ASKSHOT_CHROOT:-${CI:-0}}" != 0 ]; then
  step "the .deb in a minimal Debian chroot"
  bash packaging/deb/chroot-check.sh "$DEB"
fi

(cd "$DIST" && sha256sum -- * >SHA256SUMS)
cat >"$ART/sizes.json" <<EOF
{"deb_bytes": $deb_bytes, "deb_installed_size_kib": $installed_kib, "installed_bytes": $installed_bytes,
 "tarball_bytes": $(stat -c %s "$TARBALL"), "portable_unpacked_bytes": $portable_bytes}
EOF
step "done"
cat "$ART/sizes.json"
ls -l "$DIST"

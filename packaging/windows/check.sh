#!/usr/bin/env bash
# Compile the Windows installer script on Linux with makensis, warnings as errors, against a stub
# program folder shaped like PyInstaller's Windows onedir. It cannot run here (that needs
# Windows); the release workflow installs, runs and uninstalls the real one.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}  # 3.11+ (tomllib) with Pillow; Ubuntu 22.04's python3 is 3.10
VERSION=$("$PY" -c 'import tomllib; print(tomllib.load(open("'"$ROOT"'/pyproject.toml", "rb"))["project"]["version"])')
STUB=$(mktemp -d)
trap 'rm -rf "$STUB"' EXIT
mkdir -p "$STUB/askshot/_internal/PySide6/plugins/platforms" "$STUB/askshot/_internal/askshot"
printf 'MZ stub' >"$STUB/askshot/askshot.exe"
printf 'MZ stub' >"$STUB/askshot/askshot-cli.exe"
printf 'stub' >"$STUB/askshot/_internal/python311.dll"
printf 'stub' >"$STUB/askshot/_internal/PySide6/plugins/platforms/qwindows.dll"
printf 'stub' >"$STUB/askshot/_internal/base_library.zip"
"$PY" "$ROOT/packaging/icons.py" "$STUB/icons" >/dev/null
ICON=$STUB/icons/askshot.ico
makensis -V2 -WX -DVERSION="$VERSION" -DSRC="$STUB/askshot" -DICON="$ICON" \
  -DOUTFILE="$STUB/Askshot-$VERSION-setup.exe" "$ROOT/packaging/windows/askshot.nsi"
# NSIS's first header carries this signature (what file(1) recognises; file may be absent).
grep -qa NullsoftInst "$STUB/Askshot-$VERSION-setup.exe" ||
  { echo "makensis made no NSIS installer" >&2; exit 1; }
echo "askshot.nsi compiles: Askshot-$VERSION-setup.exe, $(stat -c %s "$STUB/Askshot-$VERSION-setup.exe") bytes (stub program)"

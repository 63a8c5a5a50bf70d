#!/usr/bin/env bash
# Sign with a Developer ID under the hardened runtime, notarise with Apple, staple the ticket.
#   packaging/macos/sign-and-notarize.sh app dist/Askshot.app
#   packaging/macos/sign-and-notarize.sh dmg packaging/dist/Askshot-…dmg
#
# A stable Developer ID signature is what keeps the Screen Recording permission across updates:
# macOS keys the grant on the code signature, so an ad-hoc build asks again after every update.
#
# Secrets (GitHub Actions secrets → environment):
#   MACOS_CERTIFICATE_P12_BASE64  the "Developer ID Application" certificate and key, .p12, base64
#   MACOS_CERTIFICATE_PASSWORD    its password
#   MACOS_SIGNING_IDENTITY        e.g. "Developer ID Application: Example Ltd (TEAMID1234)"
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   notarytool's account (an app-specific password)
# With none of them it says so and leaves the build unsigned (a pull request, a fork); with only
# some it fails, since a release that silently ships unsigned is worse than a red build.
set -euo pipefail
KIND=$1
TARGET=$2
HERE=$(cd "$(dirname "$0")" && pwd)
SECRETS=(MACOS_CERTIFICATE_P12_BASE64 MACOS_CERTIFICATE_PASSWORD MACOS_SIGNING_IDENTITY
  APPLE_ID APPLE_TEAM_ID APPLE_APP_PASSWORD)
missing=()
for name in "${SECRETS[@]}"; do [ -n "${!name:-}" ] || missing+=("$name"); done
if [ ${#missing[@]} -eq ${#SECRETS[@]} ]; then
  echo "sign-and-notarize: no signing secrets; $TARGET stays unsigned (Gatekeeper will warn)" >&2
  exit 0
elif [ ${#missing[@]} -gt 0 ]; then
  echo "sign-and-notarize: missing secrets: ${missing[*]}" >&2
  exit 1
fi

TMP=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
KEYCHAIN=$TMP/askshot-signing.keychain-db
if [ ! -f "$KEYCHAIN" ]; then  # a throwaway keychain holding only the certificate; kept for the DMG
  KEYCHAIN_PASSWORD=$(openssl rand -base64 24)
  echo "$MACOS_CERTIFICATE_P12_BASE64" | base64 --decode >"$TMP/cert.p12"
  security create-keychain -p "$KEYCHAIN_PASSWORD" "$KEYCHAIN"
  security set-keychain-settings -lut 3600 "$KEYCHAIN"
  security unlock-keychain -p "$KEYCHAIN_PASSWORD" "$KEYCHAIN"
  security import "$TMP/cert.p12" -k "$KEYCHAIN" -P "$MACOS_CERTIFICATE_PASSWORD" -T /usr/bin/codesign
  rm -f "$TMP/cert.p12"
  # codesign may use the key without a prompt (there is nobody to click "Allow").
  security set-key-partition-list -S apple-tool:,apple: -s -k "$KEYCHAIN_PASSWORD" "$KEYCHAIN" >/dev/null
  security list-keychains -d user -s "$KEYCHAIN" login.keychain-db
  security find-identity -v -p codesigning "$KEYCHAIN" | grep -F "$MACOS_SIGNING_IDENTITY" >/dev/null ||
    { echo "sign-and-notarize: $MACOS_SIGNING_IDENTITY is not in the certificate" >&2; exit 1; }
fi

# Code inside the bundle: hardened runtime and a secure timestamp (notarisation requires both),
# no entitlements (Apple: only executables carry them; libraries get their host's).
sign_code() {
  codesign --force --timestamp --options runtime --keychain "$KEYCHAIN" \
    --sign "$MACOS_SIGNING_IDENTITY" "$@"
}
# The program itself, with the hardened-runtime exceptions it needs.
sign_program() {
  sign_code --entitlements "$HERE/entitlements.plist" "$@"
}
notarize() {
  xcrun notarytool submit "$1" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait --timeout 30m
}
# Paths on stdin, deepest first: what a folder holds is signed before the folder.
deepest_first() { awk -F/ '{ print NF "\t" $0 }' | sort -rn | cut -f2-; }

case $KIND in
  app)
    # Inside out, never --deep (Apple deprecates it for signing): every Mach-O file by its
    # content, not its name (Qt's framework binaries and Python's library have no suffix),
    # then the frameworks, then the bundle, which signs its main executable.
    find "$TARGET/Contents" -type f ! -path "$TARGET/Contents/MacOS/*" -print |
      while IFS= read -r f; do case $(file -b "$f") in Mach-O*) echo "$f" ;; esac; done |
      deepest_first | while IFS= read -r f; do sign_code "$f"; done
    find "$TARGET/Contents" -type d -name '*.framework' -print | deepest_first |
      while IFS= read -r framework; do sign_code "$framework"; done
    sign_program "$TARGET"
    codesign --verify --strict --deep --verbose=2 "$TARGET"
    ZIP=$(mktemp -d)/Askshot.zip
    ditto -c -k --keepParent "$TARGET" "$ZIP"  # notarytool takes a zip of the app
    notarize "$ZIP"
    xcrun stapler staple "$TARGET"
    spctl --assess --type execute -vv "$TARGET"
    ;;
  dmg)
    codesign --force --timestamp --keychain "$KEYCHAIN" --sign "$MACOS_SIGNING_IDENTITY" "$TARGET"
    notarize "$TARGET"
    xcrun stapler staple "$TARGET"
    spctl --assess --type open --context context:primary-signature -vv "$TARGET"
    ;;
  *)
    echo "usage: $0 app|dmg PATH" >&2
    exit 2
    ;;
esac

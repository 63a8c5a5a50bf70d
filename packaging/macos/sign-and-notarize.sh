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
# Without them it says so and leaves the build unsigned (a pull request, a fork).
set -euo pipefail
KIND=$1
TARGET=$2
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${MACOS_CERTIFICATE_P12_BASE64:-}" ] || [ -z "${MACOS_SIGNING_IDENTITY:-}" ]; then
  echo "sign-and-notarize: no signing secrets; $TARGET stays unsigned (Gatekeeper will warn)" >&2
  exit 0
fi

KEYCHAIN=$RUNNER_TEMP/askshot-signing.keychain-db
if [ ! -f "$KEYCHAIN" ]; then  # a throwaway keychain holding only the certificate
  KEYCHAIN_PASSWORD=$(openssl rand -base64 24)
  echo "$MACOS_CERTIFICATE_P12_BASE64" | base64 --decode >"$RUNNER_TEMP/cert.p12"
  security create-keychain -p "$KEYCHAIN_PASSWORD" "$KEYCHAIN"
  security set-keychain-settings -lut 3600 "$KEYCHAIN"
  security unlock-keychain -p "$KEYCHAIN_PASSWORD" "$KEYCHAIN"
  security import "$RUNNER_TEMP/cert.p12" -k "$KEYCHAIN" -P "$MACOS_CERTIFICATE_PASSWORD" -T /usr/bin/codesign
  security set-key-partition-list -S apple-tool:,apple: -s -k "$KEYCHAIN_PASSWORD" "$KEYCHAIN" >/dev/null
  security list-keychains -d user -s "$KEYCHAIN" login.keychain-db  # (macOS ships bash 3.2)
  rm -f "$RUNNER_TEMP/cert.p12"
fi
sign() {
  codesign --force --timestamp --options runtime --entitlements "$HERE/entitlements.plist" \
    --keychain "$KEYCHAIN" --sign "$MACOS_SIGNING_IDENTITY" "$@"
}

notarize() {
  xcrun notarytool submit "$1" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait --timeout 30m
  xcrun stapler staple "$1"
}

case $KIND in
  app)
    # Inside out, never --deep (Apple deprecates it): every library and plug-in, then the
    # executables, then the bundle.
    find "$TARGET/Contents" -type f \( -name '*.dylib' -o -name '*.so' \) -print0 |
      while IFS= read -r -d '' lib; do sign "$lib"; done
    find "$TARGET/Contents/Frameworks" -type d -name '*.framework' -prune -print0 2>/dev/null |
      while IFS= read -r -d '' framework; do sign "$framework"; done
    find "$TARGET/Contents/Frameworks" -maxdepth 1 -type f -perm -u+x -print0 2>/dev/null |
      while IFS= read -r -d '' exe; do sign "$exe"; done
    sign "$TARGET/Contents/MacOS/askshot"
    sign "$TARGET"
    codesign --verify --strict --deep --verbose=2 "$TARGET"
    ZIP=$(mktemp -d)/Askshot.zip
    ditto -c -k --keepParent "$TARGET" "$ZIP"   # notarytool takes a zip of the app
    xcrun notarytool submit "$ZIP" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
      --password "$APPLE_APP_PASSWORD" --wait --timeout 30m
    xcrun stapler staple "$TARGET"
    spctl --assess --type execute --verbose=4 "$TARGET"
    ;;
  dmg)
    codesign --force --timestamp --keychain "$KEYCHAIN" --sign "$MACOS_SIGNING_IDENTITY" "$TARGET"
    notarize "$TARGET"
    spctl --assess --type open --context context:primary-signature --verbose=4 "$TARGET"
    ;;
  *)
    echo "usage: $0 app|dmg PATH" >&2
    exit 2
    ;;
esac

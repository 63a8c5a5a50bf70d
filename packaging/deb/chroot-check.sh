#!/usr/bin/env bash
# The .deb in a minimal Debian (debootstrap --variant=minbase): apt must pull in everything the
# program needs through Depends alone. packaging/deb/chroot-check.sh DEB
# Then, inside it with an empty environment: --version, a headless ask against the test server
# on loopback, and the window on the host's Xvfb (its socket bound into the chroot).
set -euo pipefail
DEB=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SUITE=${ASKSHOT_CHROOT_SUITE:-bookworm}
MIRROR=${ASKSHOT_CHROOT_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
C=$(mktemp -d /var/tmp/askshot-chroot.XXXXXX)
SERVER="" XVFB=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
  [ -n "$XVFB" ] && kill "$XVFB" 2>/dev/null
  for m in tmp/.X11-unix dev proc; do umount -l "$C/$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$C"
}
trap cleanup EXIT

debootstrap --variant=minbase "$SUITE" "$C" "$MIRROR" >/dev/null
mount -t proc proc "$C/proc"
mount --bind /dev "$C/dev"
cp "$DEB" "$C/tmp/askshot.deb"
in_chroot() {
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    chroot "$C" "$@"
}
in_chroot apt-get install -y -qq --no-install-recommends /tmp/askshot.deb >"$C/tmp/apt.log" 2>&1 ||
  { cat "$C/tmp/apt.log" >&2; exit 1; }
echo "installed in a minimal $SUITE: $(in_chroot dpkg-query -W -f='${Version}' askshot)"
in_chroot askshot --version

cd "$ROOT"
.venv/bin/python tests/helpers/fakeserver.py >"$C/tmp/server" &
SERVER=$!
for _ in $(seq 50); do [ -s "$C/tmp/server" ] && break; sleep 0.1; done
URL=$(head -1 "$C/tmp/server")
answer=$(in_chroot env ASKSHOT_HOME=/tmp/home OPENAI_API_KEY=sk-chroot OPENAI_BASE_URL="$URL" \
  NO_PROXY=127.0.0.1 askshot ask "hello from a minimal system")
[ -n "$answer" ] || { echo "no answer in the chroot" >&2; exit 1; }
echo "headless ask in the chroot: ${answer:0:60}"

# The window: Xvfb on the host, its socket inside the chroot.
DISPLAY_NO=$(for n in $(seq 90 99); do [ -e "/tmp/.X11-unix/X$n" ] || { echo "$n"; break; }; done)
Xvfb ":$DISPLAY_NO" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$DISPLAY_NO" ] && break; sleep 0.1; done
mkdir -p "$C/tmp/.X11-unix"
mount --bind /tmp/.X11-unix "$C/tmp/.X11-unix"
in_chroot env DISPLAY=":$DISPLAY_NO" ASKSHOT_HOME=/tmp/home XDG_RUNTIME_DIR=/tmp OPENAI_API_KEY=sk-chroot \
  askshot >"$C/tmp/window.log" 2>&1 &
for _ in $(seq 100); do
  DISPLAY=":$DISPLAY_NO" xdotool search --onlyvisible --name '^Askshot$' >/dev/null 2>&1 && break
  sleep 0.2
done
DISPLAY=":$DISPLAY_NO" xdotool search --onlyvisible --name '^Askshot$' >/dev/null ||
  { echo "no window in the chroot:" >&2; cat "$C/tmp/window.log" >&2; exit 1; }
echo "the window showed in the chroot"
pkill -f '^askshot$' || pkill -x askshot || true
sleep 0.5

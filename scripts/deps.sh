# Debian/Ubuntu packages Askshot needs; sourced by scripts/run and scripts/test.
# shellcheck shell=bash

# What Qt's xcb platform plugin loads, plus venv support.
RUN_PACKAGES=(
  python3-venv libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0 libxcb-cursor0
  libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-randr0
  libxcb-xinerama0 libxcb-xkb1 fonts-dejavu-core
)
# What the tests add: a real X server and input, a real Secret Service, screenshots, keyboard
# layouts, the desktop-entry and AppStream validators, an XEmbed tray, GNOME's keybinding schema.
TEST_PACKAGES=(
  xvfb xauth xdotool x11-utils imagemagick dbus dbus-x11 gnome-keyring libsecret-tools
  x11-xkb-utils desktop-file-utils appstream trayer libglib2.0-bin gnome-settings-daemon-common
)
# What packaging/check.sh adds to build and prove the Linux packages: the ELF reader, Depends
# from dpkg-shlibdeps, lintian, the man page, the Windows installer compiler, a minimal chroot.
PACKAGING_PACKAGES=(
  binutils dpkg-dev lintian help2man nsis debootstrap procps
)

ensure_debian_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0  # not Debian: the README lists what to get
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_venv() {
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
  fi
}

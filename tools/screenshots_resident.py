"""Make the README's screenshots of the resident app, on a real X server (Xvfb):

- docs/tray-menu.png: `askshot --background` in an XEmbed tray (trayer), its menu open;
- docs/shortcut-bound.png: Settings → Shortcut with the X11 grab bound;
- docs/shortcut-taken.png: the same chord while another program holds it;
- docs/shortcut-wayland.png: a GNOME Wayland session without the GlobalShortcuts portal: the
  fallback, with the commands that bind `askshot --capture` in GNOME's own settings.

    .venv/bin/python tools/screenshots_resident.py [OUT_DIR]

Needs Xvfb, xdotool, trayer and ImageMagick's import (scripts/deps.sh installs them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.xserver import XServer, start_xvfb  # noqa: E402

# Run in a child with DISPLAY set: the Settings dialog on its Shortcut page, one verdict.
DIALOG = r"""
import os, sys, time
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication
from askshot.ui.shell.services import Services
from askshot.ui.shell.global_shortcut import GlobalShortcut
from askshot.ui.settings.dialog import SettingsDialog
from askshot.core.llm.client import ChatClient

out = sys.argv[1]
app = QApplication([sys.argv[0]])
app.setDesktopFileName("io.github.askshot.Askshot")
from askshot.ui.shell.theme import apply_theme
apply_theme(app, "light")
services = Services.create()
shortcut = GlobalShortcut(services, None)
shortcut.start()
end = time.monotonic() + 5
while shortcut.status.verdict == "waiting" and time.monotonic() < end:
    QCoreApplication.processEvents(); time.sleep(0.02)
dialog = SettingsDialog(services, lambda: ChatClient(services.endpoint()), shortcut=shortcut)
dialog.tabs.setCurrentWidget(dialog.shortcut_page)
dialog.resize(640, 520)
dialog.show()
end = time.monotonic() + 1.5
while time.monotonic() < end:
    QCoreApplication.processEvents(); time.sleep(0.02)
dialog.grab().save(out)
print(shortcut.status.verdict, flush=True)
"""

# Holds Meta+Shift+A the way another application would, until killed.
HOLDER = r"""
import sys, time
from Xlib import X, XK, display
d = display.Display()
code = d.keysym_to_keycode(XK.string_to_keysym("a"))
for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask):
    d.screen().root.grab_key(code, X.ShiftMask | X.Mod4Mask | extra, True, X.GrabModeAsync,
                             X.GrabModeAsync)
d.sync()
print("held", flush=True)
time.sleep(3600)
"""


def base_env(x: XServer, home: Path) -> dict[str, str]:
    env = x.env()
    env.update(
        PYTHONPATH=str(ROOT),
        ASKSHOT_HOME=str(home),
        OPENAI_API_KEY="sk-screenshots-not-used",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        LANG="C.UTF-8",
    )
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    return env


def dialog_shot(env: dict[str, str], out: Path) -> str:
    r = subprocess.run(
        [sys.executable, "-c", DIALOG, str(out)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if r.returncode != 0:
        raise SystemExit(f"the Settings dialog failed:\n{r.stderr}")
    return r.stdout.strip()


def desktop_background(x: XServer, rgb: int = 0x4A5A68) -> None:
    """Paint the root window one calm colour, as a desktop's wallpaper would be."""
    from Xlib import display

    d = display.Display(x.display)
    root = d.screen().root
    root.change_attributes(background_pixel=rgb)
    root.clear_area()
    d.sync()
    d.close()


def tray_menu(x: XServer, env: dict[str, str], runtime: str, out: Path) -> None:
    desktop_background(x)
    trayer = subprocess.Popen(
        [
            "trayer",
            "--edge",
            "top",
            "--align",
            "right",
            "--widthtype",
            "pixel",
            "--width",
            "160",
            "--height",
            "32",
            "--tint",
            "0x2b2b2b",
            "--transparent",
            "true",
            "--alpha",
            "0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app = subprocess.Popen(
        [sys.executable, "-m", "askshot", "--background"],
        env={**env, "XDG_RUNTIME_DIR": runtime},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)  # the tray, then the icon docked in it
        # the icon sits at the panel's right end; a left click opens the menu there
        x.xdotool("mousemove", "1264", "16")
        x.xdotool("click", "3")
        time.sleep(1.0)
        full = out.with_suffix(".full.png")
        x.screenshot(full)
        subprocess.run(
            ["convert", str(full), "-crop", "440x200+840+0", "+repage", str(out)], check=True
        )
        full.unlink()
    finally:
        app.terminate()
        app.wait(timeout=10)
        trayer.terminate()
        trayer.wait(timeout=10)


def main() -> None:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    out_dir.mkdir(parents=True, exist_ok=True)
    for tool in ("trayer", "convert", "import"):
        if shutil.which(tool) is None:
            raise SystemExit(f"needs {tool} (Debian: apt-get install trayer imagemagick)")
    x = start_xvfb(1280, 800)
    tmp = Path(tempfile.mkdtemp(prefix="askshot-shots-"))
    runtime = tempfile.mkdtemp(prefix="askshot-rt-")
    os.chmod(runtime, 0o700)
    try:
        env = base_env(x, tmp / "home")
        x11 = {**env, "XDG_SESSION_TYPE": "x11", "XDG_CURRENT_DESKTOP": "XFCE"}
        print("bound:", dialog_shot(x11, out_dir / "shortcut-bound.png"))
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER], env=x11, stdout=subprocess.PIPE, text=True
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            print("taken:", dialog_shot(x11, out_dir / "shortcut-taken.png"))
        finally:
            holder.terminate()
            holder.wait(timeout=10)
        # A GNOME Wayland session whose portal has no GlobalShortcuts (GNOME before 48): the
        # session bus answers, the interface is not there, the fallback takes over.
        wayland = {**env, "XDG_SESSION_TYPE": "wayland", "XDG_CURRENT_DESKTOP": "GNOME"}
        from tests.helpers import dbus

        with (
            dbus.private_bus() as bus,
            dbus.fake_service("portal", bus, "--no-global-shortcuts", env=wayland),
        ):
            print(
                "wayland:",
                dialog_shot(
                    {**wayland, "DBUS_SESSION_BUS_ADDRESS": bus},
                    out_dir / "shortcut-wayland.png",
                ),
            )
        tray_menu(x, x11, runtime, out_dir / "tray-menu.png")
    finally:
        x.proc.terminate()
        x.proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(runtime, ignore_errors=True)


if __name__ == "__main__":
    main()

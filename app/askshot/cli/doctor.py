"""`askshot doctor [--json]`: what a bug report needs, in one command. Versions, the session and
desktop, the screens, which capture and shortcut backends apply and why, the shortcut's verdict
and the tray (asked of the running Askshot, which knows them), the keyring, the portal and its
interface versions, the paths in use. Never a key: only where one comes from.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from askshot import APP_ID, __version__
from askshot.cli._common import EXIT_OK, Context
from askshot.core.providers import PROVIDERS
from askshot.platform.hotkey import choose_backend, session_kind
from askshot.platform.instance import Message, address, send


def add_parser(sub: Any) -> None:
    d = sub.add_parser("doctor", help="what a bug report needs (never a key)")
    d.add_argument("--json", action="store_true", help="JSON on stdout")


def cmd_doctor(args: argparse.Namespace, ctx: Context) -> int:
    report = gather(ctx)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(render(report))
    return EXIT_OK


def gather(ctx: Context) -> dict[str, Any]:
    env = ctx.env
    running = _running(env)
    qt = _qt(env)
    return {
        "askshot": {
            "version": __version__,
            "app_id": APP_ID,
            "executable": sys.executable,
            "frozen": bool(getattr(sys, "frozen", False)),
        },
        "python": platform.python_version(),
        "system": {"platform": sys.platform, "os": _os_name(), "machine": platform.machine()},
        "qt": qt["versions"],
        "session": {
            "type": env.get("XDG_SESSION_TYPE", ""),
            "desktop": env.get("XDG_CURRENT_DESKTOP", ""),
            "wayland_display": bool(env.get("WAYLAND_DISPLAY")),
            "x11_display": env.get("DISPLAY", ""),
            "kind": session_kind(env, qt["platform"]),
        },
        "screens": qt["screens"],
        "capture": _capture(env, qt["platform"]),
        "hotkey": _hotkey(ctx, env, qt["platform"], running),
        "tray": (running or {}).get("tray", {"available": None, "note": "Askshot is not running"}),
        "running": {"instance": running is not None, "pid": (running or {}).get("pid")},
        "keyring": _keyring(ctx),
        "portal": _portal(env),
        "paths": {
            "config": str(ctx.paths.config),
            "data": str(ctx.paths.data),
            "cache": str(ctx.paths.cache),
            "logs": str(ctx.paths.logs),
            "history": str(ctx.paths.data / "history.sqlite3"),
            "instance_socket": _socket_path(env),
        },
        "settings_warning": ctx.settings_warning,
    }


def _running(env: Mapping[str, str]) -> dict[str, Any] | None:
    reply = send(Message("status"), env)
    if reply is None or not reply.ok:
        return None
    try:
        status = json.loads(reply.text)
    except ValueError:
        return None
    return status if isinstance(status, dict) else None


def _socket_path(env: Mapping[str, str]) -> str:
    try:  # finding the address creates its folder, which a broken XDG_RUNTIME_DIR refuses
        return address(env).socket
    except OSError as exc:
        return f"unavailable ({exc})"


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.platform()


def _qt(env: Mapping[str, str]) -> dict[str, Any]:
    """Qt's versions and the screens, from a GUI application of this process when a display is
    there (Qt loads here only: `askshot doctor` is the one headless command that needs it)."""
    out: dict[str, Any] = {"versions": {}, "platform": "", "screens": []}
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        out["versions"] = {"pyside6": PySide6.__version__, "qt": qVersion()}
    except ImportError as exc:
        out["versions"] = {"error": str(exc)}
        return out
    has_display = any(env.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY")) or sys.platform in (
        "win32",
        "darwin",
    )
    if not has_display and not env.get("QT_QPA_PLATFORM"):
        out["screens"] = "no display"
        return out
    unreachable = _unreachable_display(env)
    if unreachable:  # Qt would abort this process, and the report with it
        out["screens"] = unreachable
        return out
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    out["platform"] = QGuiApplication.platformName()
    screens = []
    for s in QGuiApplication.screens():
        g = s.geometry()
        screens.append(
            {
                "name": s.name(),
                "geometry": [g.x(), g.y(), g.width(), g.height()],
                "device_pixel_ratio": s.devicePixelRatio(),
                "primary": s is QGuiApplication.primaryScreen(),
            }
        )
    out["screens"] = screens
    del app
    return out


def _unreachable_display(env: Mapping[str, str]) -> str | None:
    """On Linux without QT_QPA_PLATFORM, a sentence when neither the Wayland nor the X display
    named in the environment answers (a stale DISPLAY over ssh, a stopped server); else None."""
    if not sys.platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    wayland, x11 = env.get("WAYLAND_DISPLAY", ""), env.get("DISPLAY", "")
    places: list[tuple[int, Any]] = []
    if wayland:
        places.append((socket.AF_UNIX, os.path.join(env.get("XDG_RUNTIME_DIR", ""), wayland)))
    host, _, number = x11.rpartition(":")
    number = number.split(".")[0]
    if number.isdigit() and host in ("", "unix"):
        unix = f"/tmp/.X11-unix/X{number}"
        places += [(socket.AF_UNIX, unix), (socket.AF_UNIX, "\0" + unix)]  # path, abstract
    elif number.isdigit():
        places.append((socket.AF_INET, (host, 6000 + int(number))))
    elif x11:
        return None  # a form we do not know: let Qt try
    for family, where in places:
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(where)
            return None
    shown = ", ".join(f"{k}={v}" for k, v in (("WAYLAND_DISPLAY", wayland), ("DISPLAY", x11)) if v)
    return f"cannot connect to the display ({shown})"


def _capture(env: Mapping[str, str], qt_platform: str) -> dict[str, Any]:
    from askshot.platform.capture.order import backend_order

    order = backend_order(qt_platform, env)
    why = (
        "Wayland: only the xdg-desktop-portal can read the screen"
        if order == ["portal"]
        else "Qt's screen grab, then the portal if it fails"
        if order == ["qt", "portal"]
        else "Qt's screen grab"
    )
    return {"backends": order, "why": why}


def _hotkey(
    ctx: Context, env: Mapping[str, str], qt_platform: str, running: dict[str, Any] | None
) -> dict[str, Any]:
    chosen = choose_backend(env, qt_platform)
    live = (running or {}).get("hotkey")
    return {
        "backend": chosen,
        "chord": ctx.settings.hotkey,
        "status": live
        if live
        else {"verdict": None, "sentence": "Askshot is not running: the verdict is its to give."},
    }


def _keyring(ctx: Context) -> dict[str, Any]:
    try:
        store = ctx.keystore()
        keys = {pid: store.source(pid).sentence for pid in PROVIDERS}
        return {"backend": store.backend_name(), "keys": keys}
    except Exception as exc:  # a broken keyring is what a report is for: say how it broke
        return {"backend": None, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _portal(env: Mapping[str, str]) -> dict[str, Any]:
    """Which portal interfaces the session bus offers, and their versions."""
    if not sys.platform.startswith("linux"):
        return {"available": None}
    try:
        from jeepney import DBusAddress, Properties
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import DBusErrorResponse, unwrap_msg
    except ImportError:
        return {"available": None, "note": "jeepney is not installed"}
    try:
        conn = open_dbus_connection(bus="SESSION")
    except Exception:  # no session bus
        return {"available": False, "note": "no session bus"}
    versions: dict[str, int | None] = {}
    try:
        for name in ("Screenshot", "GlobalShortcuts", "Settings"):
            iface = f"org.freedesktop.portal.{name}"
            target = DBusAddress(
                "/org/freedesktop/portal/desktop",
                bus_name="org.freedesktop.portal.Desktop",
                interface=iface,
            )
            try:
                reply = conn.send_and_get_reply(Properties(target).get("version"), timeout=3)
                value = unwrap_msg(reply)[0]
                versions[name] = int(value[1] if isinstance(value, tuple) else value)
            except (DBusErrorResponse, TimeoutError, ValueError):
                versions[name] = None
    finally:
        conn.close()
    return {"available": any(v is not None for v in versions.values()), "interfaces": versions}


def render(report: dict[str, Any]) -> str:
    """A readable report: one section a line or a few."""
    a = report["askshot"]
    lines = [
        f"Askshot {a['version']} ({'installed build' if a['frozen'] else 'Python'}) · "
        f"Python {report['python']} · {report['system']['os']} ({report['system']['machine']})",
        "Qt: " + ", ".join(f"{k} {v}" for k, v in report["qt"].items()),
    ]
    s = report["session"]
    lines.append(
        f"Session: {s['type'] or 'unknown'} ({s['kind'] or 'no display'}), "
        f"desktop {s['desktop'] or 'unknown'}"
    )
    screens = report["screens"]
    if isinstance(screens, list):
        for screen in screens:
            x, y, w, h = screen["geometry"]
            lines.append(
                f"Screen {screen['name']}: {w}x{h} at {x},{y}, pixel ratio "
                f"{screen['device_pixel_ratio']:g}{' (primary)' if screen['primary'] else ''}"
            )
    else:
        lines.append(f"Screens: {screens}")
    c = report["capture"]
    lines.append(f"Capture: {' then '.join(c['backends'])} ({c['why']})")
    h = report["hotkey"]
    status = h["status"]
    verdict = status.get("verdict") or "unknown"
    lines.append(f"Global shortcut: {h['chord'] or 'off'} via {h['backend']}: {verdict}")
    if status.get("sentence"):
        lines.append(f"  {status['sentence']}")
    if status.get("instructions"):
        lines += [f"    {line}" for line in status["instructions"]["commands"].splitlines()]
    tray = report["tray"]
    known = {True: "available", False: "none"}.get(tray.get("available"), "unknown")
    lines.append(f"Tray: {known}" + (f" ({tray['note']})" if tray.get("note") else ""))
    running = report["running"]
    lines.append(
        f"Running instance: {'pid ' + str(running['pid']) if running['instance'] else 'none'}"
    )
    k = report["keyring"]
    lines.append(f"Keyring: {k.get('backend') or k.get('error')}")
    for pid, sentence in k.get("keys", {}).items():
        lines.append(f"  {pid}: {sentence}")
    p = report["portal"]
    if p.get("interfaces"):
        found = ", ".join(f"{n} v{v}" for n, v in p["interfaces"].items() if v is not None)
        lines.append(f"Portal: {found or 'none of its interfaces'}")
    else:
        lines.append(f"Portal: {p.get('note') or 'not applicable'}")
    lines.append("Paths:")
    for name, value in report["paths"].items():
        lines.append(f"  {name}: {value}")
    if report.get("settings_warning"):
        lines.append(f"Settings: {report['settings_warning']}")
    return "\n".join(lines)

"""`askshot desktop install|uninstall|status|autostart`: the launcher and icons for a user who
installed with pip (an installed package brings its own), and starting at login (opt-in)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from askshot.cli._common import EXIT_FAILED, EXIT_OK, Context, err
from askshot.platform import desktop


def add_parser(sub: Any) -> None:
    d = sub.add_parser(
        "desktop", help="add Askshot to the desktop's launcher, or start it at login"
    )
    ds = d.add_subparsers(dest="desktop_command", required=True, metavar="ACTION")
    install = ds.add_parser("install", help="the launcher entry and icons for this user")
    install.add_argument(
        "--autostart", action="store_true", help="also start Askshot (in the background) at login"
    )
    ds.add_parser("uninstall", help="remove the launcher entry, icons and autostart")
    status = ds.add_parser("status", help="what is installed")
    status.add_argument("--json", action="store_true", help="JSON on stdout")
    auto = ds.add_parser("autostart", help="start Askshot at login, or not")
    auto.add_argument("state", choices=["on", "off"])


_DOING = {
    "install": "install the launcher",
    "uninstall": "remove the launcher",
    "status": "read what is installed",
    "autostart": "change starting at login",
}


def cmd_desktop(args: argparse.Namespace, ctx: Context) -> int:
    try:
        return _run(args, ctx)
    except OSError as exc:  # a folder that is a file, a read-only home, a full disk: one line
        where = f" ({exc.filename})" if exc.filename else ""
        err(f"askshot: could not {_DOING[args.desktop_command]}: {exc.strerror or exc}{where}")
        return EXIT_FAILED


def _run(args: argparse.Namespace, ctx: Context) -> int:
    action = args.desktop_command
    linux = sys.platform.startswith("linux")
    if action == "autostart":
        desktop.set_autostart(args.state == "on", env=ctx.env)
        on = desktop.autostart_enabled(env=ctx.env)
        print("Askshot starts at login." if on else "Askshot does not start at login.")
        return EXIT_OK if on == (args.state == "on") else EXIT_FAILED
    if action == "status":
        return _status(args, ctx)
    if not linux:
        err(
            "askshot: on this system the installer adds Askshot to the launcher; "
            "`askshot desktop autostart on` starts it at login."
        )
        return EXIT_FAILED
    places = desktop.LinuxPlaces.from_env(ctx.env)
    if action == "install":
        command = desktop.executable_command(ctx.env)
        if desktop.status_linux(places, ctx.env).system_entry and getattr(sys, "frozen", False):
            print("The installed package already puts Askshot in the launcher.")
            if args.autostart:
                desktop.set_autostart_linux(places, command, True)
                print(f"Askshot starts at login: {places.autostart_entry}")
            return EXIT_OK
        written = desktop.install_linux(places, command, autostart=True if args.autostart else None)
        print(f"Installed the launcher for {' '.join(command)}:")
        for path in written:
            print(f"  {path}")
        return EXIT_OK
    removed = desktop.uninstall_linux(places)
    print("Removed:" if removed else "Nothing to remove.")
    for path in removed:
        print(f"  {path}")
    return EXIT_OK


def _status(args: argparse.Namespace, ctx: Context) -> int:
    linux = sys.platform.startswith("linux")
    if linux:
        places = desktop.LinuxPlaces.from_env(ctx.env)
        status = desktop.status_linux(places, ctx.env)
        launcher, system, where = status.launcher, status.system_entry, status.where
    else:
        launcher, system, where = False, True, "the installer's entry"
    auto = desktop.autostart_enabled(env=ctx.env)
    command = desktop.executable_command(ctx.env)
    if args.json:
        print(
            json.dumps(
                {
                    "launcher": launcher,
                    "system_launcher": system,
                    "autostart": auto,
                    "where": where,
                    "command": command,
                }
            )
        )
        return EXIT_OK
    print(f"Launcher: {'installed, ' + where if launcher else 'not installed for this user'}")
    if system:
        print("          (an installed package provides one for every user)")
    print(f"Autostart: {'on' if auto else 'off'}")
    print(f"Command: {' '.join(command)}")
    return EXIT_OK

"""Fake D-Bus services for tests, each run as its own process on a private bus (jeepney):

    python -m tests.helpers.fakebus portal ADDRESS [options]    xdg-desktop-portal
    python -m tests.helpers.fakebus watcher ADDRESS             StatusNotifierWatcher (the tray)

The fake portal enforces the rules of x-d-p 1.21 as its source reads (registry.c,
global-shortcuts.c): `Registry.Register` must be a connection's first portal call and needs an
installed `<app id>.desktop`; GlobalShortcuts refuses a connection without an app id; a session
binds once; unknown methods get UnknownMethod, as a real bus service answers. A test talks to it
through the `io.github.askshot.FakePortal` interface on the same object: `Press(id)` emits
`Activated` to every session that bound `id`, `Calls()` returns what it was asked (JSON).

The fake watcher records `RegisterStatusNotifierItem` calls and prints one JSON line for each.
Both print "ready" once their name is owned.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    Message,
    MessageType,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection

PORTAL = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
GS = "org.freedesktop.portal.GlobalShortcuts"
SCREENSHOT = "org.freedesktop.portal.Screenshot"
REGISTRY = "org.freedesktop.host.portal.Registry"
CONTROL = "io.github.askshot.FakePortal"
PROPS = "org.freedesktop.DBus.Properties"
UNKNOWN_METHOD = "org.freedesktop.DBus.Error.UnknownMethod"


class Service:
    def __init__(self, conn: DBusConnection) -> None:
        self.conn = conn
        self.calls: list[dict[str, Any]] = []

    def serve(self) -> None:
        while True:
            msg = self.conn.receive()
            if msg.header.message_type != MessageType.method_call:
                continue
            f = msg.header.fields
            member = str(f.get(HeaderFields.member, ""))
            interface = str(f.get(HeaderFields.interface, ""))
            sender = str(f.get(HeaderFields.sender, ""))
            path = str(f.get(HeaderFields.path, ""))
            if interface != CONTROL:
                self.calls.append({"sender": sender, "interface": interface, "member": member})
            try:
                reply = self.dispatch(msg, sender, path, interface, member)
            except _Refused as exc:
                reply = new_error(msg, exc.name, "s", (exc.text,))
            if reply is not None:
                self.conn.send(reply)

    def dispatch(
        self, msg: Message, sender: str, path: str, interface: str, member: str
    ) -> Message | None:
        raise NotImplementedError

    def signal(
        self, path: str, interface: str, member: str, signature: str, body: tuple[Any, ...]
    ) -> None:
        self.conn.send(new_signal(DBusAddress(path, interface=interface), member, signature, body))


class _Refused(Exception):
    def __init__(self, name: str, text: str) -> None:
        super().__init__(text)
        self.name = name
        self.text = text


# -- the portal -----------------------------------------------------------------------------


class FakePortal(Service):
    def __init__(self, conn: DBusConnection, opts: argparse.Namespace) -> None:
        super().__init__(conn)
        self.opts = opts
        self.apps: dict[str, str] = {}  # sender -> registered app id
        self.touched: set[str] = set()  # senders that made a portal call
        self.sessions: dict[str, dict[str, Any]] = {}  # session path -> {sender, bound}
        self.bound: dict[str, dict[str, str]] = {}  # app id -> shortcut id -> trigger

    def dispatch(
        self, msg: Message, sender: str, path: str, interface: str, member: str
    ) -> Message | None:
        if interface == CONTROL:
            return self.control(msg, member)
        if interface == PROPS and member == "Get":
            return self.get_property(msg)
        if interface == "org.freedesktop.portal.Session" and member == "Close":
            self.sessions.pop(path, None)
            return new_method_return(msg)
        if interface == REGISTRY and member == "Register" and self.opts.registry:
            return self.register(msg, sender)
        handler = {
            (SCREENSHOT, "Screenshot"): self.screenshot,
            (GS, "CreateSession"): self.create_session,
            (GS, "ListShortcuts"): self.list_shortcuts,
            (GS, "BindShortcuts"): self.bind_shortcuts,
        }.get((interface, member))
        if handler is None or (interface == GS and not self.opts.global_shortcuts):
            raise _Refused(UNKNOWN_METHOD, f"No such method {member} in {interface}")
        self.touched.add(sender)
        if interface == GS and self.opts.require_app_id and not self.apps.get(sender):
            raise _Refused("org.freedesktop.portal.Error.NotAllowed", "An app id is required")
        return handler(msg, sender)

    def control(self, msg: Message, member: str) -> Message:
        if member == "Press":
            (shortcut_id,) = msg.body
            n = 0
            for session, info in self.sessions.items():
                if shortcut_id in info["bound"]:
                    n += 1
                    self.signal(
                        PORTAL_PATH,
                        GS,
                        "Activated",
                        "osta{sv}",
                        (session, shortcut_id, 1, {"activation_token": ("s", "fake-token")}),
                    )
            return new_method_return(msg, "u", (n,))
        if member == "Calls":
            return new_method_return(msg, "s", (json.dumps(self.calls),))
        raise _Refused(UNKNOWN_METHOD, member)

    def get_property(self, msg: Message) -> Message:
        interface, name = msg.body
        versions = {SCREENSHOT: 2}
        if self.opts.global_shortcuts:
            versions[GS] = self.opts.gs_version
        if name == "version" and interface in versions:
            return new_method_return(msg, "v", (("u", versions[interface]),))
        raise _Refused("org.freedesktop.DBus.Error.InvalidArgs", f"No such property {name}")

    def register(self, msg: Message, sender: str) -> Message:
        app_id, _options = msg.body
        if sender in self.touched or sender in self.apps:
            raise _Refused(
                "org.freedesktop.portal.Error.Failed",
                "Connection already associated with an application ID",
            )
        system = os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share").split(":")
        dirs = [os.environ.get("XDG_DATA_HOME", ""), *system]
        if not any(d and (Path(d) / "applications" / f"{app_id}.desktop").is_file() for d in dirs):
            raise _Refused("org.freedesktop.portal.Error.Failed", "Can't create registered app")
        self.apps[sender] = app_id
        return new_method_return(msg)

    def request(
        self,
        msg: Message,
        sender: str,
        token: str,
        respond: Callable[[], tuple[int, dict[str, Any]]] | None,
    ) -> None:
        """Answer with the Request's handle, then (unless `respond` is None: a silent portal)
        its Response signal."""
        handle = f"{PORTAL_PATH}/request/{sender.lstrip(':').replace('.', '_')}/{token}"
        self.conn.send(new_method_return(msg, "o", (handle,)))
        if respond is not None:
            code, results = respond()
            request = "org.freedesktop.portal.Request"
            self.signal(handle, request, "Response", "ua{sv}", (code, results))

    def screenshot(self, msg: Message, sender: str) -> Message | None:
        _parent, options = msg.body
        behaviour = self.opts.screenshot
        if behaviour == "silent":
            return self.request(msg, sender, options["handle_token"][1], None)
        code = {"ok": 0, "cancel": 1, "deny": 2}[behaviour]
        results = {"uri": ("s", self.opts.uri)} if code == 0 else {}
        return self.request(msg, sender, options["handle_token"][1], lambda: (code, results))

    def create_session(self, msg: Message, sender: str) -> Message | None:
        (options,) = msg.body
        name = sender.lstrip(":").replace(".", "_")
        session = f"{PORTAL_PATH}/session/{name}/{options['session_handle_token'][1]}"
        self.sessions[session] = {"sender": sender, "bound": {}, "bind_calls": 0}
        return self.request(
            msg, sender, options["handle_token"][1], lambda: (0, {"session_handle": ("s", session)})
        )

    def _shortcuts(self, session: str) -> list[tuple[str, dict[str, Any]]]:
        bound = self.sessions[session]["bound"]
        return [(sid, {"trigger_description": ("s", trig)}) for sid, trig in bound.items()]

    def list_shortcuts(self, msg: Message, sender: str) -> Message | None:
        session, options = msg.body
        info = self.sessions.get(session)
        if info is None or info["sender"] != sender:
            raise _Refused("org.freedesktop.portal.Error.NotFound", "No such session")
        app = self.apps.get(sender, "")
        info["bound"] = dict(self.bound.get(app, {}))  # what an earlier session bound
        return self.request(
            msg,
            sender,
            options["handle_token"][1],
            lambda: (0, {"shortcuts": ("a(sa{sv})", self._shortcuts(session))}),
        )

    def bind_shortcuts(self, msg: Message, sender: str) -> Message | None:
        session, shortcuts, _parent, options = msg.body
        info = self.sessions.get(session)
        if info is None or info["sender"] != sender:
            raise _Refused("org.freedesktop.portal.Error.NotFound", "No such session")
        info["bind_calls"] += 1
        if info["bind_calls"] > 1:
            raise _Refused("org.freedesktop.portal.Error.Failed", "Shortcuts already bound")
        if self.opts.bind == "decline":
            return self.request(msg, sender, options["handle_token"][1], lambda: (1, {}))
        for sid, props in shortcuts:
            trigger = props.get("preferred_trigger", ("s", ""))[1]
            info["bound"][sid] = "Super+Shift+A" if trigger == "LOGO+SHIFT+a" else trigger
        self.bound[self.apps.get(sender, "")] = dict(info["bound"])
        return self.request(
            msg,
            sender,
            options["handle_token"][1],
            lambda: (0, {"shortcuts": ("a(sa{sv})", self._shortcuts(session))}),
        )


# -- the tray's watcher -------------------------------------------------------------------------

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_XML = """<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get">
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="out"/>
    </method>
    <method name="GetAll">
      <arg type="s" direction="in"/><arg type="a{sv}" direction="out"/>
    </method>
  </interface>
</node>
"""


class FakeWatcher(Service):
    def __init__(self, conn: DBusConnection) -> None:
        super().__init__(conn)
        self.items: list[str] = []

    def dispatch(
        self, msg: Message, sender: str, path: str, interface: str, member: str
    ) -> Message | None:
        if member == "Introspect":
            return new_method_return(msg, "s", (WATCHER_XML,))
        if member == "Ping":
            return new_method_return(msg)
        if interface in (WATCHER, "") and member == "RegisterStatusNotifierItem":
            (service,) = msg.body
            self.items.append(service)
            print(json.dumps({"registered": service, "sender": sender}), flush=True)
            self.signal(
                "/StatusNotifierWatcher", WATCHER, "StatusNotifierItemRegistered", "s", (service,)
            )
            return new_method_return(msg)
        if interface in (WATCHER, "") and member == "RegisterStatusNotifierHost":
            return new_method_return(msg)
        props = {
            "RegisteredStatusNotifierItems": ("as", list(self.items)),
            "IsStatusNotifierHostRegistered": ("b", True),
            "ProtocolVersion": ("i", 0),
        }
        if interface == PROPS and member == "Get":
            _iface, name = msg.body
            if name in props:
                return new_method_return(msg, "v", (props[name],))
        if interface == PROPS and member == "GetAll":
            return new_method_return(msg, "a{sv}", (props,))
        raise _Refused(UNKNOWN_METHOD, f"No such method {member}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["portal", "watcher"])
    ap.add_argument("address")
    ap.add_argument("--screenshot", default="ok", choices=["ok", "cancel", "deny", "silent"])
    ap.add_argument("--uri", default="")
    ap.add_argument("--no-global-shortcuts", dest="global_shortcuts", action="store_false")
    ap.add_argument("--gs-version", type=int, default=1)
    ap.add_argument("--no-registry", dest="registry", action="store_false")
    ap.add_argument("--no-app-id-needed", dest="require_app_id", action="store_false")
    ap.add_argument("--bind", default="accept", choices=["accept", "decline"])
    opts = ap.parse_args()
    conn = open_dbus_connection(bus=opts.address)
    name = PORTAL if opts.kind == "portal" else WATCHER
    conn.send_and_get_reply(message_bus.RequestName(name))
    service: Service = FakePortal(conn, opts) if opts.kind == "portal" else FakeWatcher(conn)
    print("ready", flush=True)
    try:
        service.serve()
    except (ConnectionError, OSError):
        sys.exit(0)


if __name__ == "__main__":
    main()

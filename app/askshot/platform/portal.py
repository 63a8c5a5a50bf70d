"""One long-lived connection to xdg-desktop-portal, registered as Askshot, shared by everything
that talks to it (GlobalShortcuts, Screenshot).

The host app registry (`org.freedesktop.host.portal.Registry.Register`, x-d-p 1.19.4+) ties a
D-Bus connection to an app id; it must be the connection's first portal call, and since x-d-p
1.21 GlobalShortcuts refuses a connection without one. So one connection, registered first;
older portals (or a sandbox) refuse the registration and everything else still works.

jeepney (pure Python; QtDBus cannot marshal the portal's argument types from Python) does the
calls; a QSocketNotifier feeds incoming signals to Qt's event loop. Portal calls that need the
user (a dialog) answer later with a Request's `Response` signal: `request()` takes a callback.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, QTimer

log = logging.getLogger("askshot.portal")

BUS_NAME = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
REQUEST_PREFIX = "/org/freedesktop/portal/desktop/request"
REGISTRY = "org.freedesktop.host.portal.Registry"
CALL_TIMEOUT = 10.0  # seconds for a call's immediate reply (not for a dialog's answer)

Responder = Callable[[int, dict[str, Any]], None]  # (response code, results)
SignalHandler = Callable[[tuple[Any, ...]], None]


class PortalError(Exception):
    """A portal call failed; `name` is the D-Bus error name."""

    def __init__(self, name: str, text: str) -> None:
        super().__init__(f"{name}: {text}")
        self.name = name
        self.text = text


class PortalBus(QObject):
    """Open with `open()`; then `call`, `request`, `get_property` and `on_signal`."""

    def __init__(self, app_id: str, bus: str = "SESSION", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app_id = app_id
        self._bus = bus
        self._conn: Any = None
        self._notifier: QSocketNotifier | None = None
        self._queue: Any = None
        self._filter: Any = None
        self._pending: dict[str, Responder] = {}
        self._handlers: dict[tuple[str, str], list[SignalHandler]] = {}
        self.registered = False
        self.registration_error = ""

    # -- the connection -------------------------------------------------------------------------

    def open(self) -> bool:
        """Open the connection and register the app id; False when no session bus is there."""
        if self._conn is not None:
            return True
        try:
            from jeepney import MatchRule
            from jeepney.bus_messages import message_bus
            from jeepney.io.blocking import open_dbus_connection
            from jeepney.wrappers import unwrap_msg
        except ImportError:
            return False
        try:
            conn = open_dbus_connection(bus=self._bus)
        except Exception as exc:  # no bus, refused, a bad address: all mean "no portal"
            log.info("no session bus for the portal: %s", exc)
            return False
        self._conn = conn
        # Every portal signal (Request responses, GlobalShortcuts' Activated) comes through
        # one filter; subscribed before any call, so no answer can be missed. (Signals carry
        # the portal's unique name, so the local filter matches on the path alone.)
        rule = MatchRule(type="signal", path_namespace=PATH)
        from collections import deque

        self._queue = deque()
        self._filter = conn.filter(rule, queue=self._queue)
        unwrap_msg(conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=CALL_TIMEOUT))
        self._register()
        if QCoreApplication.instance() is not None:  # without Qt's loop, callers use poll()
            self._notifier = QSocketNotifier(conn.sock.fileno(), QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(self._on_readable)
        return True

    def _register(self) -> None:
        try:
            self.call(REGISTRY, "Register", "sa{sv}", (self.app_id, {}), path=PATH)
            self.registered = True
        except PortalError as exc:
            # x-d-p < 1.19.4 has no registry; a sandboxed app is known by its sandbox
            self.registration_error = exc.text or exc.name
            log.info("portal registration refused: %s", exc)

    @property
    def unique_name(self) -> str:
        return str(self._conn.unique_name) if self._conn is not None else ""

    def close(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._filter is not None:
            self._filter.close()
            self._filter = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._pending.clear()

    # -- calls ------------------------------------------------------------------------------

    def call(
        self,
        interface: str,
        method: str,
        signature: str,
        body: tuple[Any, ...],
        *,
        path: str = PATH,
        timeout: float = CALL_TIMEOUT,
    ) -> tuple[Any, ...]:
        """A blocking call for its immediate reply; raises PortalError or TimeoutError."""
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import DBusErrorResponse, unwrap_msg

        if self._conn is None:
            raise PortalError("org.freedesktop.DBus.Error.Disconnected", "not connected")
        target = DBusAddress(path, bus_name=BUS_NAME, interface=interface)
        try:
            reply = unwrap_msg(
                self._conn.send_and_get_reply(
                    new_method_call(target, method, signature, body), timeout=timeout
                )
            )
        except DBusErrorResponse as exc:
            text = exc.data[0] if exc.data and isinstance(exc.data[0], str) else ""
            raise PortalError(exc.name, text) from None
        finally:
            # Signals read while waiting for the reply are queued, and the same socket read
            # may have left more in jeepney's buffer, where the notifier never sees them.
            if self._notifier is not None:
                QTimer.singleShot(0, self._on_readable)
        return tuple(reply)

    def send(self, path: str, interface: str, method: str) -> None:
        """A call whose answer does not matter (closing a session); never raises."""
        from jeepney import DBusAddress, new_method_call

        if self._conn is None:
            return
        try:
            target = DBusAddress(path, bus_name=BUS_NAME, interface=interface)
            self._conn.send(new_method_call(target, method))
        except (OSError, ConnectionError) as exc:
            log.debug("%s.%s not sent: %s", interface, method, exc)

    def get_property(self, interface: str, name: str) -> Any:
        """A property's value, or None when the portal has no such interface."""
        try:
            (value,) = self.call("org.freedesktop.DBus.Properties", "Get", "ss", (interface, name))
        except (PortalError, TimeoutError):
            return None
        return value[1] if isinstance(value, tuple) else value

    def request(
        self,
        interface: str,
        method: str,
        signature: str,
        body: Callable[[str], tuple[Any, ...]],
        on_response: Responder,
    ) -> None:
        """A call answered by a Request's Response signal. `body(token)` builds the arguments
        with the handle token to pass in the options; `on_response(code, results)` runs once
        (code 0: success, 1: cancelled by the user, 2: failed). Raises PortalError."""
        token = "askshot_" + secrets.token_hex(6)
        sender = self.unique_name.lstrip(":").replace(".", "_")
        expected = f"{REQUEST_PREFIX}/{sender}/{token}"
        self._pending[expected] = on_response
        try:
            (handle,) = self.call(interface, method, signature, body(token))
        except BaseException:
            self._pending.pop(expected, None)
            raise
        if handle != expected:  # an old portal picks its own path: listen there
            self._pending[str(handle)] = self._pending.pop(expected)

    def poll(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for incoming messages and dispatch them (for a caller
        that waits on an answer without running Qt's event loop)."""
        self._receive(timeout)

    def on_signal(self, interface: str, member: str, handler: SignalHandler) -> None:
        self._handlers.setdefault((interface, member), []).append(handler)

    # -- incoming ---------------------------------------------------------------------------

    def _on_readable(self) -> None:
        self._receive(0)

    def _receive(self, timeout: float) -> None:
        """Read what arrives within `timeout` seconds and everything already buffered, then
        dispatch it."""
        if self._conn is None:
            return
        try:
            self._conn.recv_messages(timeout=timeout)
            while True:
                self._conn.recv_messages(timeout=0)
        except TimeoutError:
            pass
        except (OSError, ConnectionError, EOFError) as exc:
            log.warning("the portal connection closed: %s", exc)
            self.close()
            return
        self._drain()

    def _drain(self) -> None:
        from jeepney import HeaderFields

        queue = self._queue
        while queue:
            msg = queue.popleft()
            fields = msg.header.fields
            path = str(fields.get(HeaderFields.path, ""))
            interface = str(fields.get(HeaderFields.interface, ""))
            member = str(fields.get(HeaderFields.member, ""))
            if member == "Response" and interface == "org.freedesktop.portal.Request":
                responder = self._pending.pop(path, None)
                if responder is not None:
                    code, results = msg.body
                    responder(int(code), dict(results))
                continue
            for handler in self._handlers.get((interface, member), []):
                handler(tuple(msg.body))


def variant_value(value: Any) -> Any:
    """jeepney gives a{sv} values as (signature, value) pairs; the value."""
    return value[1] if isinstance(value, tuple) and len(value) == 2 else value

"""The running instance's side of `platform.instance`: it holds the lock file (uniqueness: a
second instance cannot take it while this process lives, and a dead holder's lock is taken
over at once), listens on the private socket and hands each valid command on as a signal.

The socket is never the uniqueness test: on Windows two servers may listen on one pipe name,
and a socket left by a killed instance would otherwise block or mislead the next start. On
POSIX the socket is a plain AF_UNIX one read through QSocketNotifier (QtNetwork's local server
would cost every start 10-20 ms and 3 MiB); on Windows it is a QLocalServer named pipe.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import stat
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QLockFile, QObject, QSocketNotifier, QTimer, Signal

from askshot.platform.instance import MAX_LINE, Address, decode

log = logging.getLogger("askshot.instance")

IDLE_TIMEOUT_MS = 2000  # a client that connects and says nothing is dropped

Status = Callable[[], dict[str, Any]]


class InstanceServer(QObject):
    """Create with `acquire`; `commandReceived(Message)` fires for each valid command."""

    commandReceived = Signal(object)

    def __init__(
        self, address: Address, lock: QLockFile, status: Status, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.address = address
        self._lock = lock
        self._status = status
        self._listener: _Listener | None = None

    @classmethod
    def acquire(
        cls, address: Address, status: Status, parent: QObject | None = None
    ) -> InstanceServer | None:
        """The server of this, the one instance; None when another instance holds the lock."""
        os.makedirs(os.path.dirname(address.lock), mode=0o700, exist_ok=True)
        lock = QLockFile(address.lock)
        lock.setStaleLockTime(0)  # stale only when its holder is gone, never by age
        if not lock.tryLock(0):
            return None
        server = cls(address, lock, status, parent)
        try:
            listener: _Listener = (
                _PipeListener(address.socket, server._handle, server)
                if sys.platform == "win32"
                else _UnixListener(address.socket, server._handle, server)
            )
        except OSError as exc:
            log.warning("cannot listen on %s: %s", address.socket, exc)
            lock.unlock()
            return None
        server._listener = listener
        return server

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self._lock.unlock()

    def _handle(self, line: bytes) -> bytes:
        message = decode(line.rstrip(b"\r\n"))
        if message is None:
            log.info("ignored a malformed or unknown message (%d bytes)", len(line))
            return b"error: Askshot did not understand that command.\n"
        if message.cmd == "status":
            return b"ok " + json.dumps(self._status(), ensure_ascii=False).encode() + b"\n"
        # Answered first, carried out at the next turn of the loop: the sender need not wait
        # for a capture to open.
        QTimer.singleShot(0, self, lambda: self.commandReceived.emit(message))
        return b"ok\n"


class _Listener(QObject):
    def close(self) -> None:
        raise NotImplementedError


class _UnixListener(_Listener):
    """An AF_UNIX stream socket: 0600 in a 0700 folder; one line in, one line out per client."""

    def __init__(self, path: str, handle: Callable[[bytes], bytes], parent: QObject) -> None:
        super().__init__(parent)
        self._path = path
        self._handle = handle
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # left by a killed instance: we hold the lock, so it is ours now
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            old = os.umask(0o177)
            try:
                sock.bind(path)
            finally:
                os.umask(old)
            # 0600, sticky: the XDG runtime dir's clean-up leaves sticky files alone
            os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_ISVTX)
            sock.listen(8)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self._sock = sock
        self._notifier = QSocketNotifier(sock.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.warning("accept failed: %s", exc)
                return
            _UnixClient(conn, self._handle, self)

    def close(self) -> None:
        self._notifier.setEnabled(False)
        self._sock.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)


class _UnixClient(QObject):
    def __init__(
        self, conn: socket.socket, handle: Callable[[bytes], bytes], parent: QObject
    ) -> None:
        super().__init__(parent)
        conn.setblocking(False)
        self._conn = conn
        self._handle = handle
        self._data = b""
        self._notifier = QSocketNotifier(conn.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._read)
        QTimer.singleShot(IDLE_TIMEOUT_MS, self, self._drop)

    def _read(self) -> None:
        try:
            piece = self._conn.recv(MAX_LINE + 1)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            piece = b""
        self._data += piece
        if not piece or b"\n" in self._data or len(self._data) > MAX_LINE:
            line = self._data.split(b"\n", 1)[0] if len(self._data) <= MAX_LINE else self._data
            self._notifier.setEnabled(False)
            if piece:
                reply = self._handle(line)
                with contextlib.suppress(OSError):
                    self._conn.setblocking(True)
                    self._conn.settimeout(1.0)
                    self._conn.sendall(reply)
            self._drop()

    def _drop(self) -> None:
        if self._conn.fileno() >= 0:
            self._notifier.setEnabled(False)
            self._conn.close()
            self.deleteLater()


class _PipeListener(_Listener):
    """Windows: a QLocalServer on a named pipe, reachable by this user only."""

    def __init__(self, name: str, handle: Callable[[bytes], bytes], parent: QObject) -> None:
        super().__init__(parent)
        from PySide6.QtNetwork import QLocalServer

        self._handle = handle
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self._server.listen(name):
            raise OSError(self._server.errorString())
        self._server.newConnection.connect(self._accept)

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            conn = self._server.nextPendingConnection()
            if conn is None:
                continue
            conn.waitForReadyRead(IDLE_TIMEOUT_MS)
            line = bytes(conn.readLine(MAX_LINE + 1).data())
            conn.write(self._handle(line))
            conn.flush()
            conn.disconnectFromServer()
            conn.deleteLater()

    def close(self) -> None:
        self._server.close()

"""Opening the history file safely, and one SQLite connection per thread.

`open_database()` is the only way in. It refuses a file written by a newer Askshot without
changing a byte, sets a damaged file aside (renamed with a timestamp, never deleted, with its
-wal/-shm) and starts a new one, backs the file up before migrating it (store_schema), and keeps
the files 0600 on POSIX (SQLite gives -wal and -shm the mode of the database file).

A damaged file is noticed on opening when its header or schema cannot be read. Damage deeper in
the file shows up later, in some query: then a marker file is left beside the database, and the
next opening runs PRAGMA quick_check and sets the file aside if it fails.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from askshot.core.errors import HistoryError
from askshot.core.history.records import error_reason, known_error
from askshot.core.history.schema import (
    SCHEMA_VERSION,
    chmod_private,
    create_private,
    newer_error,
    sidecars,
    upgrade,
)
from askshot.core.paths import free_aside_name

DB_NAME = "history.sqlite3"
DAMAGED_SUFFIX = ".damaged"  # marker: a query hit corruption; check the file at the next start
_HEADER = b"SQLite format 3\x00"


def connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """One connection with our per-connection settings. Autocommit mode: every write opens its
    own short BEGIN IMMEDIATE transaction (see Connections.write). check_same_thread is off only
    so that close() may close every thread's connection; each is used by its own thread."""
    conn = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _header_version(path: Path) -> int | None:
    """user_version from the file header without opening it in SQLite; None if not SQLite."""
    with open(path, "rb") as f:
        head = f.read(100)
    if len(head) < 100 or not head.startswith(_HEADER):
        return None
    return int.from_bytes(head[60:64], "big")


def _move_aside(path: Path) -> Path:
    """Rename a damaged file and its -wal/-shm beside it with a timestamp; return the new path."""
    target = free_aside_name(path, "corrupt")
    os.replace(path, target)
    for side in sidecars(path):
        if side.exists():
            os.replace(side, target.with_name(target.name + side.name[len(path.name) :]))
    return target


class _Damaged(Exception):
    """PRAGMA quick_check found damage that reading the schema did not."""


def _probe(conn: sqlite3.Connection, thorough: bool) -> int:
    """Read the schema (and with `thorough` every page); return user_version. Raises
    sqlite3.DatabaseError or _Damaged on a damaged file."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    if thorough and conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
        raise _Damaged
    return version


def _open_and_probe(
    path: Path, busy_timeout: float, thorough: bool
) -> tuple[sqlite3.Connection, int]:
    conn = connect(path, busy_timeout)
    try:
        return conn, _probe(conn, thorough)
    except BaseException:
        conn.close()
        raise


def open_database(path: Path, busy_timeout: float) -> tuple[sqlite3.Connection, Path | None]:
    """Open (creating, repairing or migrating as needed) and return the first connection and,
    when a damaged file was set aside, where it went."""
    try:
        return _open_database(path, busy_timeout)
    except sqlite3.Error as exc:
        err = known_error(exc, path)
        if err is None:
            raise
        raise err from exc


def _wal_mode(conn: sqlite3.Connection, busy_timeout: float) -> str:
    """Switch to write-ahead logging (a no-op when the file already uses it). Changing the
    journal mode does not wait in SQLite's busy handler: when another process is creating or
    migrating the same file at this moment, retry until the busy timeout instead of failing."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
            if mode == "wal":
                return mode
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if error_reason(exc) != "busy" or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _open_database(path: Path, busy_timeout: float) -> tuple[sqlite3.Connection, Path | None]:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    marker = path.with_name(path.name + DAMAGED_SUFFIX)
    moved: Path | None = None
    if path.exists() and path.stat().st_size > 0:
        # Only to refuse a newer file before SQLite touches it. Whether the file is damaged is
        # SQLite's call below (a header read mid-write by another process could look wrong).
        header_version = _header_version(path)
        if header_version is not None and header_version > SCHEMA_VERSION:
            raise newer_error(path, header_version)
    create_private(path)
    for side in sidecars(path):
        chmod_private(side)
    try:
        conn, version = _open_and_probe(path, busy_timeout, thorough=marker.exists())
    except (sqlite3.DatabaseError, _Damaged) as exc:
        if isinstance(exc, sqlite3.DatabaseError) and error_reason(exc) != "corrupt":
            raise
        moved = _move_aside(path)
        create_private(path)
        conn, version = _open_and_probe(path, busy_timeout, thorough=False)
    try:
        marker.unlink(missing_ok=True)
        if version > SCHEMA_VERSION:  # the header was stale: newer pages still in the WAL
            raise newer_error(path, version)
        if _wal_mode(conn, busy_timeout) != "wal":
            raise HistoryError(
                f"The history file {path} cannot use write-ahead logging (is it on a network "
                "drive?).",
                reason="io",
                path=path,
            )
        for side in sidecars(path):
            chmod_private(side)
        if version < SCHEMA_VERSION:
            upgrade(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn, moved


class Connections:
    """One connection per thread (threading.local), opened on first use in that thread. The
    thread that creates this object opens (and if needed repairs or migrates) the file."""

    def __init__(self, path: Path, busy_timeout: float) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._closed = False
        try:
            conn, self.moved_aside = open_database(path, busy_timeout)
        except OSError as exc:
            raise HistoryError(
                f"The history file {path} could not be opened ({exc.strerror or exc}).",
                reason="io",
                path=path,
            ) from exc
        self._all = [conn]
        self._local.conn = conn

    def get(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise RuntimeError("the history store is closed")
            conn = connect(self.path, self._busy_timeout)
            with self._lock:
                self._all.append(conn)
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction. IMMEDIATE takes the write lock up front, so a writer waits
        for another (up to busy_timeout) instead of failing when its read snapshot is stale."""
        conn = self.get()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One consistent snapshot for reads that take more than one query."""
        conn = self.get()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def translate(self, exc: sqlite3.Error) -> HistoryError:
        """The HistoryError for a known failure (re-raises `exc` itself when it is a bug)."""
        err = known_error(exc, self.path)
        if err is None:
            raise exc
        if error_reason(exc) == "corrupt":
            with contextlib.suppress(OSError):
                self.path.with_name(self.path.name + DAMAGED_SUFFIX).touch()
        return err

    def release_thread(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with self._lock:
                self._all.remove(conn)
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
        self._local = threading.local()

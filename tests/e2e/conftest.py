"""A real Secret Service for tests: a private D-Bus session bus plus gnome-keyring-daemon.

Fixtures
    secret_service          session-scoped SecretService (shared; tests must not break it)
    secret_service_env      function-scoped: applies secret_service.env to os.environ with
                            monkeypatch, yields that dict, and deletes every "askshot" item after
                            the test. Subprocesses started in the test inherit it.
    private_secret_service  function-scoped fresh SecretService, env applied, for tests that lock
                            the collection or stop the daemon

The bus has no service directories, so nothing is D-Bus-activated behind our back (no second
keyring, no GUI unlock prompt: unlocking a locked collection fails at once). Missing binaries
skip the tests locally and fail them when CI is set.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import require
from tests.helpers.dbus_config import BUS_CONFIG

TOOLS = ("dbus-daemon", "gnome-keyring-daemon", "secret-tool")
SECRETS_NAME = "org.freedesktop.secrets"
PASSWORD = b"test\n"


def require_tools() -> None:
    require(
        *TOOLS,
        packages="dbus-daemon gnome-keyring libsecret-tools",
        what="a real Secret Service",
    )


@dataclass
class SecretService:
    """A running private bus + gnome-keyring-daemon. `env` holds DBUS_SESSION_BUS_ADDRESS,
    HOME and XDG_* for this process (via monkeypatch) and for subprocesses."""

    root: Path
    env: dict[str, str]
    bus: subprocess.Popen[bytes]
    daemon: subprocess.Popen[bytes] | None = None
    _sock_dir: str = ""
    _logs: list[Path] = field(default_factory=list)

    @property
    def address(self) -> str:
        return self.env["DBUS_SESSION_BUS_ADDRESS"]

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')}" for p in self._logs)

    def name_has_owner(self) -> bool:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import unwrap_msg

        with open_dbus_connection(bus=self.address) as conn:
            reply = conn.send_and_get_reply(message_bus.NameHasOwner(SECRETS_NAME), timeout=5)
            return bool(unwrap_msg(reply)[0])

    def wait_for_owner(self, owned: bool, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while self.name_has_owner() != owned:
            if self.daemon is not None and owned and self.daemon.poll() is not None:
                raise RuntimeError(f"gnome-keyring-daemon exited early\n{self.logs()}")
            if time.monotonic() > deadline:
                state = "owned" if owned else "released"
                raise RuntimeError(f"{SECRETS_NAME} was not {state} in time\n{self.logs()}")
            time.sleep(0.05)

    def default_collection_state(self) -> tuple[str, bool]:
        """(label, locked) of the collection behind the "default" alias."""
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        with closing(open_dbus_connection(bus=self.address)) as conn:
            collection = secretstorage.get_default_collection(conn)
            return collection.get_label(), collection.is_locked()

    def lock_default_collection(self) -> None:
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        with closing(open_dbus_connection(bus=self.address)) as conn:
            secretstorage.get_default_collection(conn).lock()

    def delete_items(self, service: str) -> None:
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        with closing(open_dbus_connection(bus=self.address)) as conn:
            for item in secretstorage.search_items(conn, {"service": service}):
                item.delete()

    def stop_daemon(self) -> None:
        if self.daemon is None:
            return
        _stop(self.daemon)
        self.daemon = None
        self.wait_for_owner(False)

    def close(self) -> None:
        if self.daemon is not None:
            _stop(self.daemon)
            self.daemon = None
        _stop(self.bus)
        shutil.rmtree(self._sock_dir, ignore_errors=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def start_secret_service(root: Path) -> SecretService:
    """Start a private session bus and an unlocked gnome-keyring under `root`."""
    require_tools()
    dirs = {
        "HOME": root / "home",
        "XDG_DATA_HOME": root / "data",
        "XDG_CONFIG_HOME": root / "config",
        "XDG_CACHE_HOME": root / "cache",
        "XDG_RUNTIME_DIR": root / "run",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    # unix socket paths are limited to ~100 bytes, so the socket lives in a short temp dir.
    sock_dir = tempfile.mkdtemp(prefix="askshot-bus-")
    config = root / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket=Path(sock_dir) / "bus"), encoding="utf-8")

    base = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "XDG_"))}
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "GNOME_KEYRING_CONTROL", "SSH_AUTH_SOCK"):
        base.pop(name, None)
    base.update({k: str(v) for k, v in dirs.items()})

    bus_log = root / "dbus-daemon.log"
    with bus_log.open("wb") as err:
        bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            env=base,
        )
    assert bus.stdout is not None
    address = bus.stdout.readline().decode().strip()
    bus.stdout.close()
    if not address:
        _stop(bus)
        shutil.rmtree(sock_dir, ignore_errors=True)
        raise RuntimeError(f"dbus-daemon printed no address:\n{bus_log.read_text()}")

    env = {k: str(v) for k, v in dirs.items()}
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    service = SecretService(root=root, env=env, bus=bus, _sock_dir=sock_dir, _logs=[bus_log])

    keyring_log = root / "gnome-keyring.log"
    service._logs.append(keyring_log)
    try:
        with keyring_log.open("wb") as out:
            daemon = subprocess.Popen(
                [
                    "gnome-keyring-daemon",
                    "--unlock",
                    "--components=secrets",
                    "--foreground",
                ],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**base, **env},
            )
        service.daemon = daemon
        assert daemon.stdin is not None
        daemon.stdin.write(PASSWORD)
        daemon.stdin.close()
        service.wait_for_owner(True)
        # --unlock creates the "login" collection, unlocked, behind the "default" alias:
        # keyring's SecretService backend stores its items there.
        label, locked = service.default_collection_state()
        if locked:
            raise RuntimeError(f"the default collection ({label}) is locked\n{service.logs()}")
    except BaseException:
        service.close()
        raise
    return service


def lookup(env: dict[str, str], username: str = "openai") -> subprocess.CompletedProcess[str]:
    """Ask the Secret Service directly, without keyring or our code in between."""
    return subprocess.run(
        ["secret-tool", "lookup", "service", "askshot", "username", username],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretService]:
    service = start_secret_service(tmp_path_factory.mktemp("secret-service"))
    try:
        yield service
    finally:
        service.close()


def _apply(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def secret_service_env(
    secret_service: SecretService, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    _apply(monkeypatch, secret_service.env)
    yield dict(secret_service.env)
    secret_service.delete_items("askshot")


@pytest.fixture
def private_secret_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SecretService]:
    service = start_secret_service(tmp_path / "secret-service")
    _apply(monkeypatch, service.env)
    try:
        yield service
    finally:
        service.close()

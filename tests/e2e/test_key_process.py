"""The window reads its key from a real Secret Service (gnome-keyring on a private D-Bus session
bus) through a child process, so keyring and its crypto libraries never load into the window's
process; what reaches the server is the stored key."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from keyring.backends import SecretService

from askshot.core.errors import CredentialError
from askshot.core.keys import child as key_process
from askshot.core.keys.store import KeyStore
from tests.e2e.conftest import SecretService as RunningSecretService
from tests.helpers.probe import run_probe

pytestmark = pytest.mark.keyring

KEY = "sk-e2e-child-Secret0123456789abcdef"


def store_key(key: str = KEY) -> None:
    KeyStore(backend=SecretService.Keyring(), env={}).set("openai", key)


def test_the_child_reads_the_stored_key(secret_service_env: dict[str, str]) -> None:
    store_key()
    assert key_process.read_key("openai") == KEY


def test_no_stored_key_is_none(secret_service_env: dict[str, str]) -> None:
    assert key_process.read_key("openai") is None
    assert key_process.read_key("openrouter") is None


def test_a_locked_keyring_gives_the_keystores_sentence(
    private_secret_service: RunningSecretService,
) -> None:
    store_key()
    private_secret_service.lock_default_collection()
    with pytest.raises(CredentialError, match="is locked") as caught:
        key_process.read_key("openai")
    assert KEY not in str(caught.value)


def test_closing_the_window_stops_a_read_that_hangs(
    private_secret_service: RunningSecretService,
) -> None:
    """A keyring that does not answer (here: its daemon stopped with SIGSTOP) must not keep
    Askshot from quitting: the cancel event ends the child and read_key returns at once."""
    store_key()
    daemon = private_secret_service.daemon
    assert daemon is not None
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append(key_process.read_key("openai", cancel=cancel))
        except CredentialError as exc:
            outcome.append(exc)

    cancel = threading.Event()
    daemon.send_signal(signal.SIGSTOP)
    try:
        thread = threading.Thread(target=read)
        thread.start()
        time.sleep(1.5)  # the child is started and waiting on D-Bus
        assert thread.is_alive()
        started = time.monotonic()
        cancel.set()  # what the window does when it closes
        thread.join(5)
        assert not thread.is_alive()
        assert time.monotonic() - started < 2
    finally:
        daemon.send_signal(signal.SIGCONT)
    [result] = outcome
    assert isinstance(result, key_process.ReadCancelled)
    assert KEY not in result.message


PROBE = r"""
import json, sys
from askshot.ui.shell.services import Services
services = Services.create()
endpoint = services.endpoint()
again = services.endpoint()  # answered from memory: no second child
print(json.dumps({
    "key_ok": endpoint.api_key == sys.argv[1] and again.api_key == sys.argv[1],
    "keyring_loaded": sorted(m for m in sys.modules
                             if m.split(".")[0] in ("keyring", "secretstorage", "cryptography")),
}))
"""


def test_the_windows_services_never_load_keyring(
    secret_service_env: dict[str, str], askshot_home: Path
) -> None:
    store_key()
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    answer = run_probe(PROBE, env, KEY)
    assert answer == {"key_ok": True, "keyring_loaded": []}


def test_a_question_goes_out_with_the_stored_key(
    qtbot, secret_service_env: dict[str, str], server, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import Qt

    from askshot.ui.shell.main_window import MainWindow
    from askshot.ui.shell.services import Services
    from tests.helpers import fakeserver as fs

    store_key()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    window = MainWindow(Services.create(), client)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.is_ready)
    assert window.key_gate.check is not None
    qtbot.waitUntil(lambda: not window.key_gate.check.running, timeout=30_000)
    assert window.first_run is None  # a key was found: no first-run panel
    server.enqueue(fs.text_reply(["Hello"]))
    box = window.composer.message_box
    box.setFocus()
    qtbot.keyClicks(box, "hi")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    [request] = server.wait_for_requests(1)
    assert request.headers.get("authorization") == f"Bearer {KEY}"
    qtbot.waitUntil(lambda: not window.chat.busy, timeout=10_000)
    window.close()

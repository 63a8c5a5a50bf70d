"""The first-run panel: pick a provider, paste a key, "Save and start" checks it against the
loopback server, stores it in the keyring (an in-memory test backend, or none at all) and emits
`completed()`."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QRadioButton, QWidget

from askshot.core.keys.store import KeyStore
from askshot.core.llm.client import ChatClient
from askshot.core.settings import settings_path
from askshot.ui.settings.first_run import FirstRunPanel
from askshot.ui.shell.services import Services
from tests.helpers import fakeserver as fs
from tests.ui.conftest import background_idle, widgets_held_by_layouts

KEY = "sk-first-run-0123456789abcdefXYZ"


@pytest.fixture
def at_server(server: fs.FakeServer, monkeypatch: pytest.MonkeyPatch) -> fs.FakeServer:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    return server


def open_panel(qtbot, services: Services, client: ChatClient) -> FirstRunPanel:
    panel = FirstRunPanel(services, lambda: client)
    qtbot.addWidget(panel)
    panel.resize(760, 620)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def panel(qtbot, services: Services, client: ChatClient) -> Iterator[FirstRunPanel]:
    p = open_panel(qtbot, services, client)
    yield p
    qtbot.waitUntil(background_idle, timeout=5000)


def click(qtbot, button: QPushButton | QRadioButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def label_texts(widget: QWidget) -> list[str]:
    texts = [label.text() for label in widget.findChildren(QLabel)]
    texts += [edit.placeholderText() for edit in widget.findChildren(QLineEdit)]
    return texts


def saved_json(services: Services) -> dict[str, object]:
    return json.loads(settings_path(services.paths).read_text(encoding="utf-8"))


def test_says_what_is_needed_and_where_to_get_a_key(qtbot, panel: FirstRunPanel) -> None:
    texts = " ".join(label_texts(panel))
    assert "Welcome to Askshot" in texts
    assert "API key" in texts
    assert "OPENAI_API_KEY" in texts  # the environment variable skips this step
    assert panel.choices["openai"].isChecked()
    assert 'href="https://platform.openai.com/api-keys"' in panel.where_label.text()
    assert panel.where_label.openExternalLinks()  # opens the browser only when clicked
    assert panel.keyring_note.text() == "Your key will be saved in Test Keyring."
    assert not panel.url_edit.isVisible()
    click(qtbot, panel.choices["openrouter"])
    assert 'href="https://openrouter.ai/keys"' in panel.where_label.text()
    click(qtbot, panel.choices["custom"])
    assert panel.url_edit.isVisible()
    assert "A key is optional" in panel.where_label.text()


def test_save_and_start_checks_stores_the_key_and_completes(
    qtbot, at_server: fs.FakeServer, panel: FirstRunPanel, services: Services, backend
) -> None:
    qtbot.keyClicks(panel.key_field.edit, KEY)
    with qtbot.waitSignal(panel.completed, timeout=5000):
        click(qtbot, panel.start_button)
        assert panel.busy and not panel.start_button.isEnabled()
    assert backend.items == {("askshot", "openai"): KEY}
    assert at_server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert saved_json(services)["provider"] == "openai"
    assert KEY not in settings_path(services.paths).read_text(encoding="utf-8")
    assert panel.outcome == "The key is stored in Test Keyring."
    assert panel.status.text() == panel.outcome
    assert panel.key_field.text() == ""
    assert all(KEY not in text for text in label_texts(panel))


def test_enter_in_the_key_field_saves(
    qtbot, at_server: fs.FakeServer, panel: FirstRunPanel, backend
) -> None:
    qtbot.keyClicks(panel.key_field.edit, KEY)
    with qtbot.waitSignal(panel.completed, timeout=5000):
        qtbot.keyClick(panel.key_field.edit, Qt.Key.Key_Return)
    assert backend.items == {("askshot", "openai"): KEY}


def test_a_refused_key_is_shown_and_not_saved(
    qtbot, at_server: fs.FakeServer, panel: FirstRunPanel, services: Services, backend
) -> None:
    at_server.models_reply = fs.error_reply(
        401, f"Incorrect API key provided: {KEY}", code="invalid_api_key"
    )
    qtbot.keyClicks(panel.key_field.edit, KEY)
    with qtbot.assertNotEmitted(panel.completed, wait=100):
        click(qtbot, panel.start_button)
        qtbot.waitUntil(lambda: not panel.busy, timeout=5000)
    assert "refused the API key" in panel.status.text()
    assert "Check that you copied the whole key." in panel.status.text()
    assert not panel.anyway_button.isVisible()
    assert panel.start_button.isEnabled()
    assert backend.items == {}
    assert not settings_path(services.paths).exists()
    assert all(KEY not in text for text in label_texts(panel))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_network_failure_offers_save_anyway(
    qtbot, panel: FirstRunPanel, monkeypatch: pytest.MonkeyPatch, backend
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")  # nobody listens
    qtbot.keyClicks(panel.key_field.edit, KEY)
    click(qtbot, panel.start_button)
    qtbot.waitUntil(lambda: not panel.busy, timeout=10000)
    assert "Could not connect" in panel.status.text()
    assert panel.anyway_button.isVisible()
    assert backend.items == {}
    with qtbot.waitSignal(panel.completed, timeout=2000):
        click(qtbot, panel.anyway_button)
    assert backend.items == {("askshot", "openai"): KEY}


def test_no_keyring_keeps_the_key_for_the_session_and_says_so(
    qtbot, at_server: fs.FakeServer, services: Services, client: ChatClient
) -> None:
    services.keys = KeyStore(backend=fail.Keyring())
    panel = open_panel(qtbot, services, client)
    assert "No secure keyring is available" in panel.keyring_note.text()
    qtbot.keyClicks(panel.key_field.edit, KEY)
    with qtbot.assertNotEmitted(panel.completed, wait=100):
        click(qtbot, panel.start_button)
        qtbot.waitUntil(panel.continue_button.isVisible, timeout=5000)
    assert panel.status.text().startswith("The key is kept in memory for this session only.")
    assert "install and unlock GNOME Keyring or KWallet" in panel.status.text()
    assert services.keys.get("openai") == KEY
    assert all(KEY not in text for text in label_texts(panel))
    with qtbot.waitSignal(panel.completed, timeout=2000):
        click(qtbot, panel.continue_button)
    qtbot.waitUntil(background_idle, timeout=5000)


def test_custom_server_needs_no_key(
    qtbot, server: fs.FakeServer, panel: FirstRunPanel, services: Services, backend
) -> None:
    click(qtbot, panel.choices["custom"])
    qtbot.keyClicks(panel.url_edit, "localhost:1234")
    click(qtbot, panel.start_button)
    assert "must be an http:// or https:// address" in panel.status.text()
    assert server.requests == []

    panel.url_edit.clear()
    qtbot.keyClicks(panel.url_edit, server.base_url)
    with qtbot.waitSignal(panel.completed, timeout=5000):
        click(qtbot, panel.start_button)
    data = saved_json(services)
    assert (data["provider"], data["base_url"]) == ("custom", server.base_url)
    assert services.settings.provider == "custom"
    assert backend.items == {}
    assert "authorization" not in server.requests[-1].headers
    assert panel.outcome == f"Askshot will use {server.base_url} without a key."


def test_an_empty_key_is_refused_without_a_request(
    qtbot, at_server: fs.FakeServer, panel: FirstRunPanel
) -> None:
    click(qtbot, panel.start_button)
    assert "The API key is empty" in panel.status.text()
    assert panel.key_field.edit.hasFocus()
    assert at_server.requests == []


def test_every_control_has_an_accessible_name(panel: FirstRunPanel) -> None:
    controls = [
        w
        for kind in (QLineEdit, QPushButton, QRadioButton)
        for w in panel.findChildren(kind)
        if not w.accessibleName()
    ]
    assert controls == []


def test_no_layout_holds_python_references_to_widgets(panel: FirstRunPanel) -> None:
    """See FormRows in form_widgets.py: such references crashed the garbage collector."""
    assert widgets_held_by_layouts(panel) == []

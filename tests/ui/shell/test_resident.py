"""The resident Askshot (tray, global shortcut, one instance, the window when needed), wired as
`askshot` wires it: a real Resident, InstanceServer, Tray, GlobalShortcut and MainWindow. Only
the edges are stand-ins: the tray's "is there a tray?" answer, the shortcut's system backend
(FakeHotkey), QApplication.quit (the test's application must live on) and, for `capture`, the
screen grab itself."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from askshot.platform.instance import Message, address
from askshot.platform.instance_server import InstanceServer
from askshot.ui.capture.flow import ScreenshotFlow
from askshot.ui.shell import global_shortcut
from askshot.ui.shell.main_window import MainWindow
from askshot.ui.shell.resident import Resident
from askshot.ui.shell.services import Services
from askshot.ui.shell.tray import Tray
from tests.helpers import fakeserver as fs
from tests.ui.conftest import background_idle
from tests.ui.settings.test_shortcut_page import FakeHotkey

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="talks to a Unix socket"),
    # Bringing the window forward raises it, which the offscreen platform cannot do; a tray
    # icon there looks for a signal only real platforms have.
    pytest.mark.qt_log_ignore(
        r"This plugin does not support raise\(\)",
        r"No such signal QPlatformNativeInterface::systemTray",
        extend=True,
    ),
]

KEY = "sk-test-resident-0123456789"
NOTICE = "Askshot is still running"


# -- the edges ------------------------------------------------------------------------------------


@pytest.fixture
def env(server: fs.FakeServer, monkeypatch: pytest.MonkeyPatch) -> fs.FakeServer:
    """A key in the environment (no first-run panel) and the loopback server as the endpoint."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    return server


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The instance's socket and lock in a private folder of this test (socket paths are short)."""
    folder = tempfile.mkdtemp(prefix="askshot-rt-")
    os.chmod(folder, 0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def backends(monkeypatch: pytest.MonkeyPatch) -> list[FakeHotkey]:
    """Every shortcut backend the app makes is a FakeHotkey (listed here) instead of a real
    grab on the session's display."""
    made: list[FakeHotkey] = []

    def create(name: str, parent: QObject | None = None, portal: object = None) -> FakeHotkey:
        made.append(FakeHotkey(parent))
        return made[-1]

    monkeypatch.setattr(global_shortcut, "create_backend", create)
    return made


@pytest.fixture
def tray_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The desktop has a tray; returns the titles of the notices it shows."""
    monkeypatch.setattr(Tray, "_tray_exists", lambda self: True)
    shown: list[str] = []
    real = Tray.notify

    def notify(self: Tray, title: str, text: str) -> None:
        shown.append(title)
        real(self, title, text)

    monkeypatch.setattr(Tray, "notify", notify)
    return shown


@pytest.fixture
def no_tray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Tray, "_tray_exists", lambda self: False)


@pytest.fixture
def quits(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each QApplication.quit() call, which would end the app (but not this test run)."""
    calls: list[str] = []
    monkeypatch.setattr(type(qapp), "quit", lambda *_: calls.append("quit"))
    return calls


@pytest.fixture
def grabs(monkeypatch: pytest.MonkeyPatch) -> Grabs:
    """A capture starts (and stays open for the rest of the test) without grabbing the screen."""
    started = Grabs()

    def start(
        self: ScreenshotFlow, mode: str = "region", token: str = "", ask: bool = False
    ) -> None:
        started.append(mode)
        started.tokens.append(token)
        started.asks.append(ask)

    monkeypatch.setattr(ScreenshotFlow, "start", start)
    monkeypatch.setattr(ScreenshotFlow, "active", property(lambda self: bool(started)))
    return started


class Grabs(list[str]):
    """The modes of the captures started; `tokens`: the activation token each was given."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: list[str] = []
        self.asks: list[bool] = []  # each in ask mode (the one gesture)?


@pytest.fixture
def resident(
    qtbot: QtBot,
    qapp: QApplication,
    services: Services,
    runtime: str,
    backends: list[FakeHotkey],
    quits: list[str],
) -> Iterator[Resident]:
    """The one instance, as ui.launch.become_resident makes it."""
    quit_on_last = qapp.quitOnLastWindowClosed()
    holder: list[Resident] = []
    server = InstanceServer.acquire(address(), lambda: holder[0].status())
    assert server is not None
    r = Resident(qapp, services, server)
    holder.append(r)
    yield r
    r.quit()
    qtbot.waitUntil(background_idle, timeout=5000)
    qapp.aboutToQuit.disconnect(r._shut_down)
    window = r._window
    r.setParent(None)  # this test's resident goes with the test, not with the application
    if window is not None:
        window.deleteLater()
    qapp.setQuitOnLastWindowClosed(quit_on_last)


def started(qtbot: QtBot, r: Resident) -> None:
    """The tray and the shortcut are up (after the window's first paint, or at once)."""
    qtbot.waitUntil(lambda: r.tray is not None and r.shortcut is not None, timeout=5000)


def shown(qtbot: QtBot, r: Resident, cmd: str = "show", token: str = "") -> MainWindow:
    r.handle(Message(cmd, token))
    window = r.window()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.is_ready, timeout=10_000)
    started(qtbot, r)
    return window


def ask_in(qtbot: QtBot, window: MainWindow, server: fs.FakeServer, question: str) -> None:
    """Type a question in the window and wait for the loopback server's answer to show."""
    server.enqueue(fs.text_reply([f"An answer to {question}"]))
    window.composer.message_box.setFocus()
    qtbot.keyClicks(window.composer.message_box, question)
    qtbot.keyClick(window.composer.message_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.chat.busy, timeout=8000)
    assert f"An answer to {question}" in window.view.toPlainText()


def notice_flag(services: Services) -> object:
    ini = services.paths.config / "window.ini"
    return QSettings(str(ini), QSettings.Format.IniFormat).value("tray_notice_shown", False, bool)


def ask(qtbot: QtBot, line: bytes) -> str:
    """Send one line to the instance's socket as a second `askshot` would; its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(address().socket)
        sock.sendall(line)
        sock.setblocking(False)
        data = bytearray()

        def answered() -> bool:
            try:
                chunk = sock.recv(65536)
            except BlockingIOError:
                return False
            data.extend(chunk)
            return not chunk or data.endswith(b"\n")

        qtbot.waitUntil(answered, timeout=5000)
    return data.decode("utf-8")


# -- closing the window ---------------------------------------------------------------------------


def test_with_a_tray_closing_hides_to_it_with_a_notice_the_first_time_only(
    qtbot: QtBot,
    qapp: QApplication,
    env: fs.FakeServer,
    tray_here: list[str],
    resident: Resident,
    quits: list[str],
    services: Services,
) -> None:
    window = shown(qtbot, resident)
    assert resident.tray is not None and resident.tray.available
    assert not qapp.quitOnLastWindowClosed()  # the app lives on without a window

    window.close()
    assert not window.isVisible()
    assert quits == []
    assert tray_here == [NOTICE]
    assert notice_flag(services) is True
    assert resident.status()["window"] == {"built": True, "visible": False}
    assert resident.tray.available  # the way back is there

    resident.tray.actions["show"].trigger()  # the tray's "Show Askshot"
    qtbot.waitExposed(resident.window())
    assert resident.window() is window and window.isVisible()
    ask_in(qtbot, window, env, "still there?")  # the same, working window, not a closed one

    window.close()
    assert not window.isVisible()
    assert tray_here == [NOTICE]  # once is enough
    assert quits == []


def test_the_notice_is_not_shown_again_after_a_restart(
    qtbot: QtBot,
    env: fs.FakeServer,
    tray_here: list[str],
    resident: Resident,
    services: Services,
) -> None:
    window_ini = services.paths.ensure(services.paths.config) / "window.ini"
    state = QSettings(str(window_ini), QSettings.Format.IniFormat)
    state.setValue("tray_notice_shown", True)  # as a previous session left it
    state.sync()
    window = shown(qtbot, resident)
    window.close()
    assert not window.isVisible()
    assert tray_here == []


def test_with_close_to_tray_off_closing_quits(
    qtbot: QtBot,
    env: fs.FakeServer,
    tray_here: list[str],
    resident: Resident,
    quits: list[str],
    services: Services,
) -> None:
    """The user chose that closing ends Askshot: it must not linger in the tray with a window
    that closed for good (its history and connection shut)."""
    services.settings = dataclasses.replace(services.settings, close_to_tray=False)
    window = shown(qtbot, resident)
    window.close()
    assert not window.isVisible()
    qtbot.waitUntil(lambda: quits == ["quit"], timeout=2000)
    assert tray_here == []
    assert resident.tray is not None and not resident.tray.available  # the icon went too
    assert backends_released(resident)


def backends_released(r: Resident) -> bool:
    return r.shortcut is not None and r.shortcut.status.verdict == "off"


def test_without_a_tray_closing_quits(
    qtbot: QtBot,
    qapp: QApplication,
    env: fs.FakeServer,
    no_tray: None,
    resident: Resident,
    quits: list[str],
    services: Services,
) -> None:
    window = shown(qtbot, resident)
    assert resident.tray is not None and not resident.tray.available
    assert qapp.quitOnLastWindowClosed()
    window.close()
    assert not window.isVisible()
    qtbot.waitUntil(lambda: quits == ["quit"], timeout=2000)
    assert notice_flag(services) is False  # nothing was hidden, nothing to tell
    assert backends_released(resident)


# -- the commands ---------------------------------------------------------------------------------


def test_show_brings_the_window_forward_also_from_the_tray(
    qtbot: QtBot, env: fs.FakeServer, tray_here: list[str], resident: Resident
) -> None:
    window = shown(qtbot, resident, token="activation-token-1")
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    assert resident.last_command == {"cmd": "show", "token": True}
    assert "XDG_ACTIVATION_TOKEN" not in os.environ  # used for that one activation only

    window.close()
    assert not window.isVisible()
    resident.handle(Message("show"))
    qtbot.waitExposed(window)
    assert window.isVisible()
    assert resident.last_command == {"cmd": "show", "token": False}

    window.showMinimized()
    resident.handle(Message("show"))
    assert not window.isMinimized()
    assert window.isVisible()


def test_new_chat_shows_the_window_with_an_empty_conversation(
    qtbot: QtBot, env: fs.FakeServer, no_tray: None, resident: Resident
) -> None:
    window = shown(qtbot, resident)
    ask_in(qtbot, window, env, "a question")
    assert window.chat.conversation_id is not None
    window.showMinimized()

    resident.handle(Message("new-chat"))
    assert window.isVisible() and not window.isMinimized()
    assert window.chat.conversation_id is None
    assert window.title_label.text() == "New chat"
    assert "An answer to a question" not in window.view.toPlainText()
    qtbot.waitUntil(window.composer.message_box.hasFocus, timeout=2000)
    assert resident.last_command == {"cmd": "new-chat", "token": False}


def test_quick_ask_shows_the_popup_ready_to_type_with_nothing_attached(
    qtbot: QtBot, env: fs.FakeServer, no_tray: None, resident: Resident
) -> None:
    resident.handle(Message("quick-ask"))
    popup = resident.popup()
    qtbot.waitExposed(popup)
    assert popup.focusWidget() is popup.field
    assert popup.attachments == []
    assert resident.status()["window"] == {"built": False, "visible": False}
    assert resident.last_command == {"cmd": "quick-ask", "token": False}


def test_capture_starts_a_capture_without_showing_the_window_and_only_one(
    qtbot: QtBot,
    env: fs.FakeServer,
    no_tray: None,
    resident: Resident,
    grabs: list[str],
    backends: list[FakeHotkey],
) -> None:
    resident.handle(Message("capture"))
    assert grabs == ["region"] and grabs.asks == [True]  # the one gesture: ask beside it
    # the popup is built once the frozen screen is painted, hidden; the window not at all
    assert resident._popup is None
    resident.screenshots().shown.emit()
    qtbot.waitUntil(lambda: resident._popup is not None, timeout=5000)
    assert resident.popup().isHidden()
    assert resident.status()["window"] == {"built": False, "visible": False}

    resident.handle(Message("capture"))  # a second start while the selection is open
    resident.start_services()
    (backend,) = backends
    backend.press()  # the global shortcut, too
    assert grabs == ["region"]
    assert resident.last_command == {"cmd": "capture", "token": False}


def test_the_global_shortcut_starts_a_capture(
    qtbot: QtBot,
    env: fs.FakeServer,
    no_tray: None,
    resident: Resident,
    grabs: list[str],
    backends: list[FakeHotkey],
) -> None:
    resident.handle(Message("background"))
    started(qtbot, resident)
    (backend,) = backends
    assert backend.active == services_hotkey(resident)
    backend.press()
    assert grabs == ["region"]


def services_hotkey(r: Resident) -> str:
    return r.services.settings.hotkey


def test_a_background_start_builds_no_window_until_one_is_needed(
    qtbot: QtBot,
    env: fs.FakeServer,
    no_tray: None,
    resident: Resident,
    backends: list[FakeHotkey],
) -> None:
    resident.handle(Message("background"))
    started(qtbot, resident)
    assert resident.last_command == {"cmd": "background", "token": False}
    assert resident.status()["window"] == {"built": False, "visible": False}
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    (backend,) = backends
    assert backend.calls == [f"bind {services_hotkey(resident)}"]  # the shortcut works already
    assert resident.status()["hotkey"]["verdict"] == "bound"

    resident.handle(Message("background"))  # a second background start changes nothing
    qtbot.wait(10)
    assert resident.status()["window"]["built"] is False
    assert len(backends) == 1

    window = shown(qtbot, resident)  # the first command that needs it
    assert resident.status()["window"] == {"built": True, "visible": True}
    assert window.shortcut is resident.shortcut  # Settings can show the shortcut's verdict


def test_status_answers_with_pid_shortcut_tray_and_last_command(
    qtbot: QtBot, env: fs.FakeServer, tray_here: list[str], resident: Resident
) -> None:
    assert ask(qtbot, b'{"v": 1, "cmd": "background", "token": "t"}\n') == "ok\n"
    started(qtbot, resident)
    reply = ask(qtbot, b'{"v": 1, "cmd": "status"}\n')
    assert reply.startswith("ok ") and reply.endswith("\n")
    status = json.loads(reply[3:])
    assert status["pid"] == os.getpid()
    assert status["tray"] == {"available": True}
    assert status["window"] == {"built": False, "visible": False}
    assert status["hotkey"]["chord"] == services_hotkey(resident)
    assert status["hotkey"]["verdict"] == "bound"
    assert status["hotkey"]["sentence"].endswith("works in every application.")
    assert status["hotkey"]["observed"] is False
    assert status["last_command"] == {"cmd": "background", "token": True}
    assert KEY not in reply


@pytest.mark.parametrize(
    "line",
    [
        b"hello\n",
        b'{"v": 1, "cmd": "format-disk"}\n',
        b'{"v": 2, "cmd": "show"}\n',
        b'{"v": 1, "cmd": "show", "token": 7}\n',
        b'["show"]\n',
    ],
)
def test_an_unknown_or_malformed_command_is_refused_and_changes_nothing(
    qtbot: QtBot, no_tray: None, resident: Resident, line: bytes
) -> None:
    received: list[Message] = []
    assert resident.server is not None
    resident.server.commandReceived.connect(received.append)
    assert ask(qtbot, line) == "error: Askshot did not understand that command.\n"
    qtbot.wait(20)
    assert received == []
    assert resident.last_command == {}
    assert resident.status()["window"]["built"] is False
    assert resident.tray is None and resident.shortcut is None


def test_resident_refuses_a_command_it_does_not_know(
    qtbot: QtBot,
    env: fs.FakeServer,
    no_tray: None,
    resident: Resident,
    caplog: pytest.LogCaptureFixture,
) -> None:
    resident.handle(Message("show"))
    before = dict(resident.last_command)
    with caplog.at_level(logging.INFO, logger="askshot.resident"):
        resident.handle(Message("format-disk"))
    assert resident.last_command == before
    assert any("format-disk" in r.getMessage() for r in caplog.records)
    assert resident.window().isVisible()
    started(qtbot, resident)


def test_quit_from_the_tray_menu_quits(
    qtbot: QtBot, env: fs.FakeServer, tray_here: list[str], resident: Resident, quits: list[str]
) -> None:
    resident.handle(Message("background"))
    started(qtbot, resident)
    assert resident.tray is not None
    resident.tray.actions["quit"].trigger()
    assert quits == ["quit"]
    assert not resident.tray.available
    assert backends_released(resident)


def test_the_tray_menu_shows_the_shortcut_while_it_works(
    qtbot: QtBot,
    env: fs.FakeServer,
    tray_here: list[str],
    resident: Resident,
    backends: list[FakeHotkey],
) -> None:
    resident.handle(Message("background"))
    started(qtbot, resident)
    assert resident.tray is not None
    capture = resident.tray.actions["capture"]
    chord = services_hotkey(resident)
    assert capture.text() == f"Capture and Ask\t{chord}"
    (backend,) = backends
    backend.answer("taken")  # another program took it: the menu stops promising it
    assert capture.text() == "Capture and Ask"


def test_the_shortcuts_activation_token_goes_to_the_capture(
    qtbot: QtBot,
    env: fs.FakeServer,
    no_tray: None,
    resident: Resident,
    grabs: Grabs,
    backends: list[FakeHotkey],
) -> None:
    """On Wayland the desktop hands a token with each press: the overlay needs it to take the
    focus, so the keys go to the selection and not to the application underneath."""
    resident.handle(Message("background"))
    started(qtbot, resident)
    (backend,) = backends
    backend.activation_token = "token-from-the-compositor"  # type: ignore[attr-defined]
    backend.press()
    assert grabs == ["region"]
    assert grabs.tokens == ["token-from-the-compositor"]

"""Make the README's screenshots: the real window against the loopback test server, grabbed
with Qt (QT_QPA_PLATFORM=offscreen works; so does a real X server).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.helpers import fakeserver as fs  # noqa: E402

ANSWER = """The build fails because the cache directory belongs to **root**, so `npm` cannot \
write to it.

Fix the owner, then run the build again:

```bash
sudo chown -R "$USER" ~/.npm
npm ci && npm run build
```

| Check | Command | Expect |
|---|---|---|
| Owner | `ls -ld ~/.npm` | your user |
| Cache | `npm cache verify` | no errors |

- [x] Read the error
- [ ] Fix the owner
"""


def pump(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def wait_idle(w: object) -> None:
    end = time.monotonic() + 20
    while w.chat.busy and time.monotonic() < end:  # type: ignore[attr-defined]
        pump(0.05)


def ask(w: object, text: str) -> None:
    box = w.composer.message_box  # type: ignore[attr-defined]
    box.setFocus()
    QTest.keyClicks(box, text)
    QTest.keyClick(box, Qt.Key.Key_Return)


def start_app(home: str) -> QApplication:
    """The application, with Askshot's data in `home` (a fresh folder)."""
    os.environ["ASKSHOT_HOME"] = home
    app = QApplication([sys.argv[0]])
    app.setApplicationName("Askshot")
    return app


def open_window(app: QApplication, theme: str, services: object = None, wait: float = 0.8) -> Any:
    """The main window in `theme` at the README's size, shown and settled."""
    from askshot.ui.shell.main_window import MainWindow
    from askshot.ui.shell.services import Services
    from askshot.ui.shell.theme import apply_theme

    w = MainWindow(services or Services.create(), dark=apply_theme(app, theme))
    w.resize(1100, 720)
    w.show()
    pump(wait)
    return w


def use_server(server: fs.FakeServer) -> None:
    """Ask the loopback server, with a key that is not real."""
    os.environ["OPENAI_API_KEY"] = "sk-screenshot-not-real"
    os.environ["OPENAI_BASE_URL"] = server.base_url


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    out.mkdir(parents=True, exist_ok=True)
    app = start_app(tempfile.mkdtemp(prefix="askshot-shots-"))
    from keyring.backends.fail import Keyring as NoKeyring

    from askshot.core.keys.store import KeyStore
    from askshot.ui.settings.dialog import SettingsDialog
    from askshot.ui.shell.services import Services

    server = fs.FakeServer().start()
    try:
        # 1. first run: no key anywhere
        services = Services.create()
        services.keys = KeyStore(backend=NoKeyring())
        w = open_window(app, "light", services, wait=1.0)
        w.grab().save(str(out / "first-run.png"))
        w.close()

        use_server(server)
        w = open_window(app, "light")
        w.grab().save(str(out / "empty-chat.png"))

        server.enqueue(fs.text_reply(["never shown"], think=60))
        ask(w, "Why does my build fail with EACCES?")
        pump(2.6)
        w.grab().save(str(out / "thinking.png"))
        w.stop()
        wait_idle(w)

        pieces = [ANSWER[i : i + 40] for i in range(0, len(ANSWER), 40)]
        server.enqueue(fs.text_reply(pieces, usage=fs.usage_chunk(1480, 912, 640, 1024)))
        w.new_chat()
        ask(w, "Why does my build fail with EACCES?")
        wait_idle(w)
        pump(0.3)
        w.grab().save(str(out / "reply.png"))

        server.enqueue(
            fs.Reply(
                steps=[
                    fs.data(fs.chunk("The log shows two problems. First, ")),
                    fs.sleep(0.2),
                    fs.DISCONNECT,
                ]
            )
        )
        ask(w, "And the second warning?")
        wait_idle(w)
        pump(0.3)
        w.grab().save(str(out / "error.png"))

        dialog = SettingsDialog(w.services, w.client, w)
        dialog.show()
        pump(0.5)
        dialog.grab().save(str(out / "settings.png"))
        dialog.close()
        w.close()

        w = open_window(app, "dark")
        latest = w.store.latest_conversation_id()
        if latest is not None:
            w.open_conversation(latest)
        pump(0.5)
        w.grab().save(str(out / "dark.png"))
        w.close()
    finally:
        server.stop()
    print(out)


if __name__ == "__main__":
    main()

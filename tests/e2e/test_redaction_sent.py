"""What a redaction leaves in the bytes that reach the server.

A screenshot with a 1-px black/white checkerboard (the finest detail text can have) is redacted
in the real editor (key X, a drag, Enter), then sent the way the app sends captures: QImage ->
PIL -> `prepare_pil` (fitted for o4-mini, so resampled) -> `ChatClient.stream` -> the loopback
server. The PNG decoded from the recorded request must show a flat area where the pattern was,
while the same picture sent unredacted still shows the pattern there."""

from __future__ import annotations

import base64
import io
import os
from typing import cast

import pytest
from PIL import Image, ImageChops, ImageStat
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from askshot.core import images
from askshot.core.llm.client import ChatClient
from askshot.core.types import ChatRequest, Endpoint, Message
from askshot.ui.capture.annotate import MarkupEditor
from askshot.ui.capture.annotations import Redaction, RedactionStyle
from askshot.ui.composer.attachments import qimage_to_pil
from tests.helpers import fakeserver as fs

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # read when pytest-qt makes the app

SIZE = (1600, 1000)
PATTERN = QRect(360, 260, 560, 380)  # the checkerboard
SECRET = QRect(400, 300, 480, 300)  # what the user redacts (inside the pattern)
MARGIN = 4  # sent pixels next to the edge mix in the surroundings when resampled


@pytest.fixture(autouse=True)
def collect_on_gui_thread(gc_on_this_thread: None) -> None:
    """As in tests/ui: no automatic GC (it could free Qt objects on the server's thread)."""


def screenshot() -> QImage:
    width, height = SIZE
    img = Image.new("RGB", SIZE, (245, 246, 248))
    img.paste((50, 56, 70), (0, 0, width, 40))
    for i, y in enumerate(range(80, height - 30, 30)):
        img.paste((35, 35, 42), (60, y, 60 + 200 + (i * 131) % 900, y + 11))
    row = bytes(255 * (x & 1) for x in range(PATTERN.width() + 1))
    rows = b"".join(row[(y & 1) : (y & 1) + PATTERN.width()] for y in range(PATTERN.height()))
    checker = Image.frombytes("L", (PATTERN.width(), PATTERN.height()), rows)
    img.paste(checker.convert("RGB"), (PATTERN.x(), PATTERN.y()))
    data = img.tobytes()  # kept alive until the conversion copies it
    q = QImage(data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return q.convertToFormat(QImage.Format.Format_RGB32)


def redact_in_editor(qtbot: QtBot, capture: QImage, style: RedactionStyle) -> QImage:
    """Redact SECRET with real keys and a real drag; return what the editor hands on."""
    editor = MarkupEditor(capture)
    editor.canvas.setFixedSize(SIZE[0] // 2, SIZE[1] // 2)  # shown at half size
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    assert editor.canvas.display_scale() == 0.5
    qtbot.keyClick(editor.canvas, Qt.Key.Key_X)  # pixelate
    if style == "blackout":
        qtbot.keyClick(editor.canvas, Qt.Key.Key_X)  # X again: black out
    start = QPoint(SECRET.left() // 2, SECRET.top() // 2)
    end = QPoint((SECRET.right() + 1) // 2, (SECRET.bottom() + 1) // 2)
    qtbot.mousePress(editor.canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(editor.canvas, end)
    qtbot.mouseRelease(editor.canvas, Qt.MouseButton.LeftButton, pos=end)
    assert editor.annotations() == [Redaction(SECRET, style)]
    with qtbot.waitSignal(editor.accepted, timeout=5000) as blocker:
        qtbot.keyClick(editor.canvas, Qt.Key.Key_Return)
    result = blocker.args[0]
    assert isinstance(result, QImage)
    return result


def send(client: ChatClient, server: fs.FakeServer, image: QImage) -> Image.Image:
    """Send as the app does; return the image the server received, decoded."""
    prepared = images.prepare_pil(qimage_to_pil(image, "shot"), "o4-mini", name="shot")
    message = Message("user", "What is in the box?", images=(prepared.part,))
    endpoint = Endpoint(base_url=server.base_url, api_key="sk-test-redaction", provider_id="openai")
    before = len(server.chat_requests)
    list(client.stream(endpoint, ChatRequest("o4-mini", (message,))))
    body = server.chat_requests[before].json
    url = body["messages"][0]["content"][1]["image_url"]["url"]
    header, _, payload = url.partition(",")
    assert header in ("data:image/png;base64", "data:image/jpeg;base64")
    sent = Image.open(io.BytesIO(base64.b64decode(payload)))
    sent.load()
    return sent.convert("RGB")


def sent_box(rect: QRect, sent_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """`rect` (capture pixels) in the sent image, shrunk by MARGIN."""
    sx, sy = sent_size[0] / SIZE[0], sent_size[1] / SIZE[1]
    return (
        round(rect.left() * sx) + MARGIN,
        round(rect.top() * sy) + MARGIN,
        round((rect.right() + 1) * sx) - MARGIN,
        round((rect.bottom() + 1) * sy) - MARGIN,
    )


@pytest.mark.parametrize("style", ["pixelate", "blackout"])
def test_redacted_area_reaches_the_server_without_the_pattern(
    qtbot: QtBot, client: ChatClient, server: fs.FakeServer, style: RedactionStyle
) -> None:
    capture = screenshot()
    control = send(client, server, capture)
    redacted = send(client, server, redact_in_editor(qtbot, capture, style))

    assert control.size == redacted.size
    assert control.size != SIZE  # the model's fit resampled it: the check survives scaling
    area = sent_box(SECRET, control.size)

    shown = ImageStat.Stat(control.crop(area))
    assert min(shown.stddev) > 30, shown.stddev  # unredacted: the pattern is plainly there

    hidden = control.crop(area), redacted.crop(area)
    stat = ImageStat.Stat(hidden[1])
    assert max(stat.stddev) < 1.0, stat.stddev  # redacted: one flat colour, no pattern
    channels = cast("tuple[tuple[int, int], ...]", hidden[1].getextrema())
    assert all(hi - lo <= 2 for lo, hi in channels)

    far = (0, 0, control.width, round(PATTERN.top() * control.height / SIZE[1]) - 10)
    assert ImageChops.difference(control.crop(far), redacted.crop(far)).getbbox() is None

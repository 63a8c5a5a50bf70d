"""Attaching images to the composer: paste, drag and drop, files that are not good images,
thumbnails with remove and preview, and fitting again when the model changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QClipboard, QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from askshot.core import estimate, images
from askshot.core.errors import ImageError
from askshot.ui.composer.attachments import read_mime
from askshot.ui.composer.panel import ComposerPanel
from tests.ui.conftest import png, ready

WEB_HINT = "Drag the image file itself, or copy the image and paste it."


@pytest.fixture
def clipboard() -> Iterator[QClipboard]:
    board = QApplication.clipboard()
    yield board
    board.clear()


def core_sentence(path: Path) -> str:
    # Not pytest.raises: its traceback would keep this test's frame (and the panel) in a
    # reference cycle, for the cyclic GC to collect later, maybe on an image thread.
    try:
        images.prepare_image(path, "o4-mini")
    except ImageError as exc:
        return exc.message
    raise AssertionError(f"{path.name} was accepted")


def file_urls(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    mime.setText("\n".join(str(p) for p in paths))  # file managers offer the paths as text too
    return mime


def drag_and_drop(target: QWidget, mime: QMimeData) -> bool:
    """What a drag from another application delivers: enter, then drop."""
    pos = QPoint(20, 10)  # QPoint: every PySide6 release converts it where QPointF is wanted
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, enter)
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, buttons, mods)
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def paste(qtbot: QtBot, p: ComposerPanel) -> None:
    p.focus_text()
    qtbot.keyClick(p.message_box, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


# -- paste ----------------------------------------------------------------------------------------


def test_paste_an_image_adds_a_thumbnail(
    qtbot: QtBot, panel: ComposerPanel, clipboard: QClipboard
) -> None:
    picture = QImage(400, 300, QImage.Format.Format_RGB32)
    picture.fill(QColor("teal"))
    clipboard.setImage(picture)
    paste(qtbot, panel)
    ready(qtbot, panel)
    assert panel.text() == ""
    assert panel.attachment_names() == ["Pasted image"]
    [thumb] = panel.strip.thumbnails()
    assert thumb.remove.accessibleName() == "Remove Pasted image"
    assert panel.strip.isVisible()
    [prepared] = panel.images()
    assert (prepared.part.width, prepared.part.height) == (400, 300)

    paste(qtbot, panel)
    ready(qtbot, panel)
    assert panel.attachment_names() == ["Pasted image", "Pasted image (2)"]


def test_paste_copied_files_adds_them(
    qtbot: QtBot, panel: ComposerPanel, clipboard: QClipboard, tmp_path: Path
) -> None:
    a, b = png(tmp_path / "a.png"), png(tmp_path / "b.jpg", color=(200, 40, 40))
    clipboard.setMimeData(file_urls(a, b))
    paste(qtbot, panel)
    ready(qtbot, panel)
    assert panel.attachment_names() == ["a.png", "b.jpg"]
    assert panel.text() == ""


def test_paste_text_is_just_text(qtbot: QtBot, panel: ComposerPanel, clipboard: QClipboard) -> None:
    clipboard.setText("plain words")
    paste(qtbot, panel)
    assert panel.text() == "plain words"
    mime = QMimeData()  # a copied link: text, not an attachment
    mime.setUrls([QUrl("https://example.com/page")])
    mime.setText("https://example.com/page")
    clipboard.setMimeData(mime)
    paste(qtbot, panel)
    assert panel.text() == "plain wordshttps://example.com/page"
    assert panel.attachment_names() == []
    assert not panel.error_label.isVisible()


def test_ctrl_shift_v_pastes_only_the_text(
    qtbot: QtBot, panel: ComposerPanel, clipboard: QClipboard
) -> None:
    picture = QImage(40, 30, QImage.Format.Format_RGB32)
    picture.fill(QColor("red"))
    mime = QMimeData()  # what a spreadsheet copy looks like: the cells as text and as a picture
    mime.setImageData(picture)
    mime.setText("A1\tB1")
    clipboard.setMimeData(mime)
    qtbot.keyClick(
        panel.message_box,
        Qt.Key.Key_V,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert panel.text() == "A1\tB1"
    assert not panel.preparing
    assert panel.attachment_names() == []


# -- drag and drop --------------------------------------------------------------------------------


def test_drop_files_on_the_message_adds_them(
    qtbot: QtBot, panel: ComposerPanel, tmp_path: Path
) -> None:
    qtbot.keyClicks(panel.message_box, "compare")
    one, two = png(tmp_path / "one.png"), png(tmp_path / "two.png", color=(0, 0, 0))
    assert drag_and_drop(panel.message_box.viewport(), file_urls(one, two))
    ready(qtbot, panel)
    assert panel.attachment_names() == ["one.png", "two.png"]
    assert panel.text() == "compare"  # the paths were not inserted as text


def test_drop_on_the_panel_outside_the_text(
    qtbot: QtBot, panel: ComposerPanel, tmp_path: Path
) -> None:
    mime = file_urls(png(tmp_path / "side.png"))
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    panel.dropEvent(QDropEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, buttons, mods))
    ready(qtbot, panel)
    assert panel.attachment_names() == ["side.png"]


def test_drop_image_data_from_a_browser(qtbot: QtBot, panel: ComposerPanel, tmp_path: Path) -> None:
    data = png(tmp_path / "x.png", (64, 48)).read_bytes()
    mime = QMimeData()
    mime.setData("image/png", data)
    mime.setUrls([QUrl("https://example.com/x.png")])
    assert drag_and_drop(panel.message_box.viewport(), mime)
    ready(qtbot, panel)
    assert panel.attachment_names() == ["Dropped image"]
    assert not panel.error_label.isVisible()


def test_drop_a_web_url_adds_nothing_and_explains(qtbot: QtBot, panel: ComposerPanel) -> None:
    qtbot.keyClicks(panel.message_box, "keep me")
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/cat.png")])
    mime.setText("https://example.com/cat.png")
    assert drag_and_drop(panel.message_box.viewport(), mime)
    assert not panel.preparing
    assert panel.attachment_names() == []
    assert panel.error_label.isVisible()
    assert WEB_HINT in panel.error_label.text()
    assert panel.text() == "keep me"


# -- bad files ------------------------------------------------------------------------------------


def test_a_corrupt_file_shows_the_sentence_and_keeps_the_rest(
    qtbot: QtBot, panel: ComposerPanel, tmp_path: Path
) -> None:
    qtbot.keyClicks(panel.message_box, "what is wrong?")
    panel.add_image_paths([png(tmp_path / "good.png")])
    ready(qtbot, panel)
    broken = tmp_path / "broken.png"
    broken.write_bytes(png(tmp_path / "src.png").read_bytes()[:60])
    panel.add_image_paths([broken])
    ready(qtbot, panel)

    sentence = core_sentence(broken)
    assert "broken.png" in sentence
    assert panel.error_label.text() == sentence
    assert panel.error_label.isVisible()
    assert panel.text() == "what is wrong?"
    assert panel.attachment_names() == ["good.png"]

    panel.add_image_paths([png(tmp_path / "fine.png")])  # the next good action clears it
    ready(qtbot, panel)
    assert not panel.error_label.isVisible()
    assert panel.attachment_names() == ["good.png", "fine.png"]


def test_every_bad_file_of_a_drop_is_named(
    qtbot: QtBot, panel: ComposerPanel, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a picture at all")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    missing = tmp_path / "gone.png"
    good = png(tmp_path / "ok.png")
    assert drag_and_drop(panel.message_box.viewport(), file_urls(text, empty, good, missing))
    ready(qtbot, panel)
    assert panel.attachment_names() == ["ok.png"]
    shown = panel.error_label.text().splitlines()
    assert shown == [core_sentence(text), core_sentence(empty), core_sentence(missing)]


def test_send_with_a_failed_file_in_flight_waits_for_the_user(
    qtbot: QtBot, panel: ComposerPanel, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnope")
    qtbot.keyClicks(panel.message_box, "look")
    with qtbot.assertNotEmitted(panel.sendRequested, wait=200):
        panel.add_image_paths([bad])
        qtbot.keyClick(panel.message_box, Qt.Key.Key_Return)
        ready(qtbot, panel)
    assert "bad.png" in panel.error_label.text()
    with qtbot.waitSignal(panel.sendRequested) as sent:
        qtbot.keyClick(panel.message_box, Qt.Key.Key_Return)
    assert sent.args == ["look", []]
    assert not panel.error_label.isVisible()


# -- thumbnails -----------------------------------------------------------------------------------


def test_remove_button_removes(qtbot: QtBot, panel: ComposerPanel, tmp_path: Path) -> None:
    panel.add_image_paths([png(tmp_path / "first.png"), png(tmp_path / "second.png")])
    ready(qtbot, panel)
    before = panel.estimate_label.text()
    first = next(t for t in panel.strip.thumbnails() if t.name == "first.png")
    assert first.remove.accessibleName() == "Remove first.png"
    qtbot.mouseClick(first.remove, Qt.MouseButton.LeftButton)
    assert panel.attachment_names() == ["second.png"]
    assert [i.source_name for i in panel.images()] == ["second.png"]
    assert panel.estimate_label.text() != before

    [second] = panel.strip.thumbnails()
    qtbot.mouseClick(second.remove, Qt.MouseButton.LeftButton)
    assert panel.images() == []
    assert not panel.strip.isVisible()
    assert panel.estimate_label.text() == ""


def test_click_previews_and_esc_closes(qtbot: QtBot, panel: ComposerPanel, tmp_path: Path) -> None:
    panel.add_image_paths([png(tmp_path / "look.png", (800, 600))])
    ready(qtbot, panel)
    [thumb] = panel.strip.thumbnails()
    assert thumb.picture.accessibleName() == "Preview look.png"
    qtbot.mouseClick(thumb.picture, Qt.MouseButton.LeftButton)
    preview = panel.preview
    assert preview is not None
    qtbot.waitExposed(preview)
    assert preview.windowTitle() == "look.png"
    assert not preview.image.pixmap().isNull()
    qtbot.keyClick(preview, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: panel.preview is None)

    qtbot.mouseClick(thumb.picture, Qt.MouseButton.LeftButton)
    preview = panel.preview
    assert preview is not None
    qtbot.mouseClick(preview.image, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.preview is None)


def test_images_are_fitted_again_when_the_model_changes(
    qtbot: QtBot, panel: ComposerPanel, tmp_path: Path
) -> None:
    panel.add_image_paths([png(tmp_path / "4k.png", (4000, 3000))])
    ready(qtbot, panel)
    [for_o4] = panel.images()
    assert (for_o4.part.width, for_o4.part.height) == estimate.fit_size(4000, 3000, "patch")

    panel.set_model("gpt-4o-mini")
    ready(qtbot, panel)
    [for_4o] = panel.images()
    assert (for_4o.part.width, for_4o.part.height) == (1024, 768)
    assert (for_4o.part.width, for_4o.part.height) != (for_o4.part.width, for_o4.part.height)
    assert for_4o.tokens == estimate.image_tokens(4000, 3000, "gpt-4o-mini")
    [thumb] = panel.strip.thumbnails()
    assert "gpt-4o-mini as 1024×768" in thumb.picture.toolTip()


def test_add_pil_image_and_bytes(qtbot: QtBot, panel: ComposerPanel, tmp_path: Path) -> None:
    panel.add_image_pil(Image.new("RGB", (500, 400), (9, 9, 9)), "Screen capture")
    panel.add_image_bytes(png(tmp_path / "b.png").read_bytes(), "From bytes")
    ready(qtbot, panel)
    assert panel.attachment_names() == ["Screen capture", "From bytes"]
    assert [i.original_size for i in panel.images()] == [(500, 400), (320, 200)]


def test_clear_forgets_attachments_even_those_in_flight(
    qtbot: QtBot, panel: ComposerPanel, tmp_path: Path
) -> None:
    panel.add_image_paths([png(tmp_path / "a.png"), png(tmp_path / "b.png")])
    panel.clear()
    ready(qtbot, panel)
    assert panel.attachment_names() == []
    assert not panel.strip.isVisible()


def test_read_mime_prefers_files_over_image_data(tmp_path: Path) -> None:
    mime = file_urls(tmp_path / "f.png")
    mime.setData("image/png", b"\x89PNG")
    assert read_mime(mime).files == (tmp_path / "f.png",)
    web = QMimeData()
    web.setUrls([QUrl("https://example.com/a.png"), QUrl("mailto:someone@example.com")])
    incoming = read_mime(web)
    assert not incoming.attachable
    assert incoming.remote == ("https://example.com/a.png",)

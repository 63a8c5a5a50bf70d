"""The markup step: real drags and keys on the editor, checked on the pixels of the image it
hands back (full resolution, image coordinates), and `flatten` on its own.

Pixels are compared through Pillow: PySide6 6.12 on CPython 3.11 drops a reference to None on
every void call such as QImage.setPixel, so per-pixel Qt loops would abort the interpreter."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import TypeAlias, cast

import pytest
from PIL import Image, ImageChops
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from askshot.ui.capture.annotate import MarkupEditor, Tool
from askshot.ui.capture.annotations import (
    MARK_COLOR,
    PIXEL_BLOCK,
    Annotation,
    Arrow,
    Crop,
    Highlight,
    Redaction,
    RedactionStyle,
    TextNote,
    flatten,
)

MARK = (MARK_COLOR.red(), MARK_COLOR.green(), MARK_COLOR.blue())
CANVAS = (600, 400)
MakeEditor: TypeAlias = Callable[[Image.Image], MarkupEditor]
CHECKER = QRect(360, 240, 480, 320)  # where screenshot() puts its 1-px checkerboard

# -- images -----------------------------------------------------------------------------------


def checkerboard(width: int, height: int) -> Image.Image:
    """1-px black/white checkerboard: the finest detail (text strokes) an image can hold."""
    row = bytes(255 * ((x & 1) ^ 1) for x in range(width + 1))
    data = b"".join(row[(y & 1) : (y & 1) + width] for y in range(height))
    return Image.frombytes("L", (width, height), data).convert("RGB")


def noise(width: int, height: int, seed: int = 7) -> Image.Image:
    return Image.frombytes(
        "RGB", (width, height), random.Random(seed).randbytes(width * height * 3)
    )


def screenshot(width: int = 1200, height: int = 800) -> Image.Image:
    """A screenshot-like picture: window chrome, lines of "text", a checkerboard panel."""
    img = Image.new("RGB", (width, height), (246, 246, 248))
    img.paste((52, 58, 72), (0, 0, width, 36))
    for i, y in enumerate(range(70, height - 20, 28)):
        img.paste((40, 40, 48), (40, y, 40 + 180 + (i * 97) % 500, y + 10))
    img.paste(checkerboard(CHECKER.width(), CHECKER.height()), (CHECKER.x(), CHECKER.y()))
    return img


def to_qimage(img: Image.Image) -> QImage:
    data = img.convert("RGB").tobytes()  # kept alive until the conversion copies it
    q = QImage(data, img.width, img.height, 3 * img.width, QImage.Format.Format_RGB888)
    return q.convertToFormat(QImage.Format.Format_RGB32)


def to_pil(img: QImage) -> Image.Image:
    rgb = img.convertToFormat(QImage.Format.Format_RGB888)
    size = (rgb.width(), rgb.height())
    return Image.frombytes("RGB", size, bytes(rgb.constBits()), "raw", "RGB", rgb.bytesPerLine())


def px(img: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    r, g, b = cast("tuple[int, int, int]", img.getpixel((x, y)))
    return r, g, b


def channel_ranges(img: Image.Image) -> list[tuple[int, int]]:
    """(min, max) of each channel of an RGB image."""
    return list(cast("tuple[tuple[int, int], ...]", img.getextrema()))


def pixels(img: Image.Image) -> list[tuple[int, int, int]]:
    raw = img.convert("RGB").tobytes()
    return [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]


def box(rect: QRect) -> tuple[int, int, int, int]:
    return rect.x(), rect.y(), rect.x() + rect.width(), rect.y() + rect.height()


def equal_pixel_count(a: Image.Image, b: Image.Image) -> int:
    """How many positions hold exactly the same colour in a and b."""
    r, g, b_ = ImageChops.difference(a, b).split()
    return ImageChops.lighter(ImageChops.lighter(r, g), b_).histogram()[0]


def near(colour: tuple[int, ...], target: tuple[int, ...], tol: int = 40) -> bool:
    return max(abs(c - t) for c, t in zip(colour[:3], target[:3], strict=True)) <= tol


def assert_redacted(original: Image.Image, result: Image.Image, rect: QRect, style: str) -> None:
    """No pixel inside keeps its value, text-sized detail is gone, outside is untouched."""
    inside_before, inside_after = original.crop(box(rect)), result.crop(box(rect))
    assert equal_pixel_count(inside_before, inside_after) == 0
    if style == "blackout":
        extrema = channel_ranges(inside_after)
        assert all(lo == hi for lo, hi in extrema), extrema  # one colour
        assert all(hi <= 8 for _, hi in extrema)  # black, to the eye
    else:
        for y in range(rect.top(), rect.bottom() + 1, PIXEL_BLOCK):
            for x in range(rect.left(), rect.right() + 1, PIXEL_BLOCK):
                block = (
                    x,
                    y,
                    min(x + PIXEL_BLOCK, rect.right() + 1),
                    min(y + PIXEL_BLOCK, rect.bottom() + 1),
                )
                extrema = channel_ranges(result.crop(block))
                assert all(lo == hi for lo, hi in extrema), (block, extrema)  # variance 0
    patched = result.copy()
    patched.paste(inside_before, (rect.x(), rect.y()))
    assert ImageChops.difference(original, patched).getbbox() is None  # outside: exactly equal


# -- driving the editor -----------------------------------------------------------------------


@pytest.fixture
def make_editor(qtbot: QtBot) -> Iterator[MakeEditor]:
    def make(picture: Image.Image) -> MarkupEditor:
        editor = MarkupEditor(to_qimage(picture))
        editor.canvas.setFixedSize(*CANVAS)
        qtbot.addWidget(editor)
        editor.show()
        qtbot.waitExposed(editor)
        return editor

    yield make


def widget_point(editor: MarkupEditor, x: float, y: float, view: QRect | None = None) -> QPoint:
    """Where image pixel (x, y) is on the canvas, computed here from the rule (fit the visible
    part, centred, never past one image pixel per device pixel), not asked from the widget."""
    canvas = editor.canvas
    view = view or QRect(0, 0, canvas.image.width(), canvas.image.height())
    scale = min(
        canvas.width() / view.width(),
        canvas.height() / view.height(),
        1 / canvas.devicePixelRatioF(),
    )
    left = (canvas.width() - view.width() * scale) / 2
    top = (canvas.height() - view.height() * scale) / 2
    return QPoint(round(left + (x - view.x()) * scale), round(top + (y - view.y()) * scale))


def drag(qtbot: QtBot, editor: MarkupEditor, start: QPoint, end: QPoint) -> None:
    canvas = editor.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, (start + end) / 2)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)


def drag_image(qtbot: QtBot, editor: MarkupEditor, a: tuple[int, int], b: tuple[int, int]) -> None:
    drag(qtbot, editor, widget_point(editor, *a), widget_point(editor, *b))


def key(
    qtbot: QtBot,
    editor: MarkupEditor,
    k: Qt.Key,
    mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    qtbot.keyClick(editor.canvas, k, mods)


def accept(qtbot: QtBot, editor: MarkupEditor) -> Image.Image:
    with qtbot.waitSignal(editor.accepted, timeout=5000) as blocker:
        key(qtbot, editor, Qt.Key.Key_Return)
    result = blocker.args[0]
    assert isinstance(result, QImage)
    return to_pil(result)


# -- tools ------------------------------------------------------------------------------------


def test_rectangle_lands_at_image_coordinates_on_a_scaled_down_view(
    qtbot: QtBot, make_editor: MakeEditor
) -> None:
    picture = screenshot()
    editor = make_editor(picture)
    assert editor.canvas.display_scale() == pytest.approx(0.5)  # 1200x800 in 600x400
    key(qtbot, editor, Qt.Key.Key_R)
    drag_image(qtbot, editor, (200, 150), (600, 450))
    [mark] = editor.annotations()
    assert isinstance(mark, Highlight)
    assert mark.rect == QRect(200, 150, 400, 300)
    w = mark.width
    assert w >= 3
    out = accept(qtbot, editor)
    assert out.size == picture.size  # full resolution, not the 600x400 on screen
    for x, y in [(200, 300), (200 + w - 1, 300), (599, 300), (400, 150), (400, 449), (599, 449)]:
        assert px(out, x, y) == MARK, (x, y)
    for x, y in [(199, 300), (200 + w, 300), (600, 300), (400, 149), (400, 450), (400, 300)]:
        assert px(out, x, y) == px(picture, x, y), (x, y)


def test_small_image_is_centred_and_not_enlarged(qtbot: QtBot, make_editor: MakeEditor) -> None:
    picture = screenshot(300, 200)
    editor = make_editor(picture)
    assert editor.canvas.display_scale() == pytest.approx(1 / editor.devicePixelRatioF())
    start, end = widget_point(editor, 20, 30), widget_point(editor, 120, 130)
    assert start == QPoint(170, 130)  # (600 - 300) / 2 + 20, (400 - 200) / 2 + 30 at DPR 1
    drag(qtbot, editor, start, end)
    assert editor.annotations() == [Highlight(QRect(20, 30, 100, 100), 3)]
    out = accept(qtbot, editor)
    assert px(out, 20, 30) == MARK and px(out, 119, 129) == MARK
    assert px(out, 19, 30) == px(picture, 19, 30)
    assert px(out, 23, 60) == px(picture, 23, 60)


def test_arrow(qtbot: QtBot, make_editor: MakeEditor) -> None:
    picture = screenshot()
    editor = make_editor(picture)
    key(qtbot, editor, Qt.Key.Key_A)
    assert editor.tool() == Tool.ARROW
    drag_image(qtbot, editor, (100, 700), (700, 100))
    [mark] = editor.annotations()
    assert isinstance(mark, Arrow)
    assert (mark.start, mark.end) == (QPointF(100, 700), QPointF(700, 100))
    out = accept(qtbot, editor)
    for x, y in [(104, 696), (400, 400), (650, 150)]:  # tail, middle, shaft near the head
        assert near(px(out, x, y), MARK), (x, y)
    # the head is wider than the shaft: beside the line, just short of the tip, is red too
    assert near(px(out, 690 - 4, 110 - 4), MARK)
    assert near(px(out, 690 + 4, 110 + 4), MARK)
    assert not near(px(out, 400 + 20, 400 + 20), MARK)  # beside the shaft
    assert px(out, 1100, 700) == px(picture, 1100, 700)


def test_text_note_typed_and_entered(qtbot: QtBot, make_editor: MakeEditor) -> None:
    picture = Image.new("RGB", (1200, 800), (246, 246, 248))
    editor = make_editor(picture)
    key(qtbot, editor, Qt.Key.Key_T)
    point = widget_point(editor, 100, 100)
    qtbot.mouseClick(editor.canvas, Qt.MouseButton.LeftButton, pos=point)
    edit = editor.canvas.findChild(QLineEdit)
    assert edit is not None and edit.isVisible()
    qtbot.keyClicks(edit, "Rat 42")  # R, a, t go into the note, not to the tool keys
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert editor.tool() == Tool.TEXT
    [note] = editor.annotations()
    assert isinstance(note, TextNote)
    assert (note.pos, note.text) == (QPoint(100, 100), "Rat 42")
    assert not edit.isVisible()
    out = accept(qtbot, editor)
    area = out.crop((100, 100, 100 + 20 * note.pixel_size, 100 + 3 * note.pixel_size))
    red = sum(1 for c in pixels(area) if near(c, MARK, 60))
    white = sum(1 for c in pixels(area) if min(c) >= 250)
    assert red > 40 and white > 40  # red writing on its white box
    for rest in [(0, 0, 95, 800), (0, 400, 1200, 800)]:  # left of and below the note
        assert ImageChops.difference(out.crop(rest), picture.crop(rest)).getbbox() is None


def test_escape_drops_a_note_being_typed(qtbot: QtBot, make_editor: MakeEditor) -> None:
    editor = make_editor(screenshot())
    key(qtbot, editor, Qt.Key.Key_T)
    qtbot.mouseClick(editor.canvas, Qt.MouseButton.LeftButton, pos=widget_point(editor, 50, 50))
    edit = editor.canvas.findChild(QLineEdit)
    assert edit is not None
    qtbot.keyClicks(edit, "never mind")
    with qtbot.assertNotEmitted(editor.back):
        qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert editor.annotations() == []


def test_choosing_another_tool_keeps_the_note_typed_so_far(
    qtbot: QtBot, make_editor: MakeEditor
) -> None:
    editor = make_editor(screenshot())
    key(qtbot, editor, Qt.Key.Key_T)
    qtbot.mouseClick(editor.canvas, Qt.MouseButton.LeftButton, pos=widget_point(editor, 50, 50))
    edit = editor.canvas.findChild(QLineEdit)
    assert edit is not None
    qtbot.keyClicks(edit, "kept")
    qtbot.mouseClick(editor.tool_buttons[Tool.ARROW], Qt.MouseButton.LeftButton)
    assert [(n.pos, n.text) for n in editor.annotations() if isinstance(n, TextNote)] == [
        (QPoint(50, 50), "kept")
    ]
    assert editor.tool() == Tool.ARROW


def test_crop_sets_the_output_size_exactly_and_marks_follow(
    qtbot: QtBot, make_editor: MakeEditor
) -> None:
    picture = screenshot()
    editor = make_editor(picture)
    emitted: list[QImage] = []
    editor.accepted.connect(emitted.append)
    key(qtbot, editor, Qt.Key.Key_C)
    drag_image(qtbot, editor, (100, 80), (500, 380))
    assert editor.canvas.pending_crop == QRect(100, 80, 400, 300)
    assert editor.annotations() == []
    key(qtbot, editor, Qt.Key.Key_Return)  # the first Enter applies the crop ...
    assert editor.annotations() == [Crop(QRect(100, 80, 400, 300))]
    assert emitted == []
    view = QRect(100, 80, 400, 300)  # ... and the view now shows the cropped part, enlarged
    key(qtbot, editor, Qt.Key.Key_R)
    drag(
        qtbot,
        editor,
        widget_point(editor, 110, 90, view),
        widget_point(editor, 210, 140, view),
    )
    assert editor.annotations()[-1] == Highlight(QRect(110, 90, 100, 50), 3)
    out = accept(qtbot, editor)  # ... the second accepts
    assert out.size == (400, 300)
    assert px(out, 10, 10) == MARK  # (110, 90) in the capture
    assert px(out, 109, 59) == MARK
    untouched = out.copy()
    untouched.paste(picture.crop((110, 90, 210, 140)), (10, 10))
    assert ImageChops.difference(untouched, picture.crop((100, 80, 500, 380))).getbbox() is None


def test_escape_cancels_a_crop_being_drawn_then_goes_back(
    qtbot: QtBot, make_editor: MakeEditor
) -> None:
    editor = make_editor(screenshot())
    key(qtbot, editor, Qt.Key.Key_C)
    drag_image(qtbot, editor, (100, 80), (500, 380))
    with qtbot.assertNotEmitted(editor.back):
        key(qtbot, editor, Qt.Key.Key_Escape)
    assert editor.canvas.pending_crop is None
    with qtbot.waitSignal(editor.back, timeout=1000):
        key(qtbot, editor, Qt.Key.Key_Escape)


def test_undo_removes_the_last_mark(qtbot: QtBot, make_editor: MakeEditor) -> None:
    picture = screenshot()
    editor = make_editor(picture)
    drag_image(qtbot, editor, (200, 150), (600, 450))
    key(qtbot, editor, Qt.Key.Key_A)
    drag_image(qtbot, editor, (100, 700), (700, 100))
    assert [type(a) for a in editor.annotations()] == [Highlight, Arrow]
    key(qtbot, editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [type(a) for a in editor.annotations()] == [Highlight]
    out = accept(qtbot, editor)
    assert px(out, 400, 400) == px(picture, 400, 400)  # the arrow is gone
    assert px(out, 200, 300) == MARK  # the rectangle stays


def test_undo_button_and_tool_buttons(qtbot: QtBot, make_editor: MakeEditor) -> None:
    editor = make_editor(screenshot())
    assert not editor.undo_button.isEnabled()
    drag_image(qtbot, editor, (200, 150), (600, 450))
    assert editor.undo_button.isEnabled()
    qtbot.mouseClick(editor.undo_button, Qt.MouseButton.LeftButton)
    assert editor.annotations() == []
    for tool, button in editor.tool_buttons.items():
        assert button.accessibleName() and button.toolTip()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert editor.tool() == tool
    for button in (editor.undo_button, editor.back_button, editor.done_button):
        assert button.accessibleName() and button.toolTip()


def test_tool_keys(qtbot: QtBot, make_editor: MakeEditor) -> None:
    editor = make_editor(screenshot())
    for k, tool in [
        (Qt.Key.Key_A, Tool.ARROW),
        (Qt.Key.Key_T, Tool.TEXT),
        (Qt.Key.Key_X, Tool.PIXELATE),
        (Qt.Key.Key_X, Tool.BLACKOUT),  # X again switches the redaction style
        (Qt.Key.Key_C, Tool.CROP),
        (Qt.Key.Key_X, Tool.BLACKOUT),  # X comes back to the last style
        (Qt.Key.Key_R, Tool.RECTANGLE),
    ]:
        key(qtbot, editor, k)
        assert editor.tool() == tool
        assert editor.tool_buttons[tool].isChecked()


def test_escape_emits_back(qtbot: QtBot, make_editor: MakeEditor) -> None:
    editor = make_editor(screenshot())
    with qtbot.waitSignal(editor.back, timeout=1000), qtbot.assertNotEmitted(editor.accepted):
        key(qtbot, editor, Qt.Key.Key_Escape)


def test_enter_emits_the_image_and_keeps_nothing_else(
    qtbot: QtBot, make_editor: MakeEditor
) -> None:
    picture = screenshot()
    source = to_qimage(picture)
    source.setText("Comment", "secret metadata")
    source.setDevicePixelRatio(2.0)
    editor = MarkupEditor(source)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    with qtbot.waitSignal(editor.accepted, timeout=5000) as blocker:
        key(qtbot, editor, Qt.Key.Key_Enter)
    result = blocker.args[0]
    assert result.size() == source.size()  # physical pixels, whatever the pixel ratio
    assert result.devicePixelRatio() == 2.0
    assert result.textKeys() == []
    assert ImageChops.difference(to_pil(result), picture).getbbox() is None
    assert editor.canvas.image.isNull() and editor.annotations() == []  # the capture is let go


# -- redaction --------------------------------------------------------------------------------


@pytest.mark.parametrize(("presses", "style"), [(1, "pixelate"), (2, "blackout")])
def test_redaction_drawn_in_the_editor_destroys_the_pixels(
    qtbot: QtBot, make_editor: MakeEditor, presses: int, style: RedactionStyle
) -> None:
    picture = screenshot()
    editor = make_editor(picture)
    for _ in range(presses):
        key(qtbot, editor, Qt.Key.Key_X)
    drag_image(qtbot, editor, (400, 270), (790, 514))  # inside the checkerboard, odd sizes
    [mark] = editor.annotations()
    assert mark == Redaction(QRect(400, 270, 390, 244), style)
    out = accept(qtbot, editor)
    assert_redacted(picture, out, mark.rect, style)


@pytest.mark.parametrize("style", ["pixelate", "blackout"])
@pytest.mark.parametrize("pattern", ["checkerboard", "noise"])
def test_flatten_redaction_destroys_every_pixel(style: RedactionStyle, pattern: str) -> None:
    picture = screenshot()
    rect = QRect(37, 45, 301, 157)  # neither side a multiple of the block
    fill = checkerboard if pattern == "checkerboard" else noise
    picture.paste(fill(rect.width(), rect.height()), (rect.x(), rect.y()))
    out = to_pil(flatten(to_qimage(picture), [Redaction(rect, style)]))
    assert_redacted(picture, out, rect, style)


def test_pixelate_changes_even_a_plain_area_whose_colour_is_a_level() -> None:
    picture = Image.new("RGB", (200, 100), (24, 40, 248))  # 16 k + 8 in every channel
    rect = QRect(10, 10, 150, 70)
    out = to_pil(flatten(to_qimage(picture), [Redaction(rect, "pixelate")]))
    assert_redacted(picture, out, rect, "pixelate")


def test_black_out_finds_a_colour_when_every_grey_is_there() -> None:
    ramp = Image.frombytes("L", (256, 1), bytes(range(256))).resize((256, 40)).convert("RGB")
    rect = QRect(0, 0, 256, 40)
    out = to_pil(flatten(to_qimage(ramp), [Redaction(rect, "blackout")]))
    assert_redacted(ramp, out, rect, "blackout")


def test_redaction_outside_the_image_is_clipped() -> None:
    picture = noise(120, 90)
    out = to_pil(flatten(to_qimage(picture), [Redaction(QRect(60, 40, 500, 500), "pixelate")]))
    assert out.size == picture.size
    assert_redacted(picture, out, QRect(60, 40, 60, 50), "pixelate")


# -- flatten ----------------------------------------------------------------------------------


def test_flatten_draws_in_order_and_crops_last() -> None:
    picture = screenshot()
    marks: list[Annotation] = [
        Highlight(QRect(10, 10, 100, 50), 3),
        Redaction(QRect(0, 0, 60, 40), "blackout"),  # covers part of the rectangle
        Crop(QRect(0, 0, 300, 200)),
        Crop(QRect(5, 5, 1000, 1000)),  # crops intersect
    ]
    out = to_pil(flatten(to_qimage(picture), marks))
    assert out.size == (295, 195)
    assert px(out, 5 + 80, 5) == MARK  # the rectangle's top edge at (90, 10)
    assert px(out, 5, 5)[0] <= 8  # blacked out over the rectangle's corner


def test_flatten_refuses_a_crop_that_leaves_nothing() -> None:
    with pytest.raises(ValueError):
        flatten(
            to_qimage(screenshot(100, 80)), [Crop(QRect(0, 0, 50, 50)), Crop(QRect(60, 60, 5, 5))]
        )


def test_flatten_returns_a_new_image() -> None:
    source = to_qimage(screenshot(100, 80))
    out = flatten(source, [])
    assert out.format() == QImage.Format.Format_RGB32
    out.setPixelColor(0, 0, QColor(1, 2, 3))  # a value: changing it leaves the source alone
    assert source.pixelColor(0, 0) != QColor(1, 2, 3)


# -- where it lives ---------------------------------------------------------------------------


def test_works_embedded_in_another_widget(qtbot: QtBot) -> None:
    host = QWidget()
    layout = QVBoxLayout(host)
    editor = MarkupEditor(to_qimage(screenshot()), host)
    layout.addWidget(editor)
    editor.canvas.setFixedSize(*CANVAS)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    assert not editor.isWindow()
    drag_image(qtbot, editor, (200, 150), (600, 450))
    out = accept(qtbot, editor)
    assert px(out, 200, 300) == MARK


def test_window_opens_within_the_screen(qtbot: QtBot) -> None:
    editor = MarkupEditor(to_qimage(screenshot(5000, 3000)))
    qtbot.addWidget(editor)
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    hint, avail = editor.sizeHint(), screen.availableGeometry()
    assert hint.width() <= avail.width() and hint.height() <= avail.height()
    assert editor.windowTitle()

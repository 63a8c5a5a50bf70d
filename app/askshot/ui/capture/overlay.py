"""The region overlay: one frameless, always-on-top, full-screen window per screen shows the frozen
screenshot, dims everything but the selection and shows the selection's size in physical pixels.

Drag to select (drag inside the selection to move it); arrow keys move it by 1 logical pixel (10
with Ctrl), Shift+arrows resize it, and the first arrow key with nothing selected starts a centred
selection. Enter accepts (the whole screen under the cursor if nothing is selected), Esc cancels;
F takes the screen under the cursor, W the window under it (X11), R the last accepted area.

The overlays of one capture share a `SelectionState` in global logical coordinates, so a
selection can span screens. This module is only the per-screen widget and its mouse and
keyboard selection; the capture controller opens one per screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFontMetrics,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QRegion,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from askshot.platform import geometry
from askshot.platform.capture import Capture, CaptureError, ScreenShot, to_qrect, to_rect

log = logging.getLogger("askshot.capture")

DIM = QColor(0, 0, 0, 110)
ACCENT = QColor(61, 174, 233)
LABEL_BG = QColor(20, 20, 20, 220)

_ARROWS = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}


def no_window_message(capture: Capture) -> str:
    if not capture.windows:
        return QCoreApplication.translate(
            "RegionOverlay",
            "Picking a window works on X11 only here; drag over the window instead.",
        )
    return QCoreApplication.translate(
        "RegionOverlay", "No window under the cursor; drag over an area."
    )


def _outside(area: QRect, hole: QRect) -> list[QRect]:
    """`area` minus `hole` as up to four rectangles (top, bottom, left, right)."""
    cut = area.intersected(hole)
    if cut.isEmpty():
        return [area]
    top, bottom = cut.y(), cut.y() + cut.height()
    parts = [
        QRect(area.x(), area.y(), area.width(), top - area.y()),
        QRect(area.x(), bottom, area.width(), area.y() + area.height() - bottom),
        QRect(area.x(), top, cut.x() - area.x(), cut.height()),
        QRect(
            cut.x() + cut.width(),
            top,
            area.x() + area.width() - cut.x() - cut.width(),
            cut.height(),
        ),
    ]
    return [p for p in parts if not p.isEmpty()]


class SelectionState(QObject):
    """What the overlays of one capture share: the selection (global logical coordinates, None
    while nothing is selected), the last known cursor position and a message for the user."""

    changed = Signal()

    def __init__(
        self, capture: Capture, last_region: QRect | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.capture = capture
        self.bounds = capture.virtual_geometry()
        self.rect: QRect | None = None
        self.last_region = QRect(last_region) if last_region is not None else None
        self.cursor: QPoint | None = None
        self.dragging = False
        self.message = ""

    def set_rect(self, rect: QRect | None) -> None:
        if rect is not None:
            rect = rect.normalized().intersected(self.bounds)
            if rect.isEmpty():
                rect = None
        if rect != self.rect:
            self.rect = rect
            self.message = ""
            self.changed.emit()

    def set_message(self, text: str) -> None:
        if text != self.message:
            self.message = text
            self.changed.emit()

    def set_dragging(self, dragging: bool) -> None:
        if dragging != self.dragging:
            self.dragging = dragging
            self.changed.emit()


class RegionOverlay(QWidget):
    """The overlay for screen `index` of `capture`; give every overlay of one capture the same
    `state`. Emits `accepted(image, logical rect)` with the crop in physical pixels."""

    accepted = Signal(QImage, QRect)
    cancelled = Signal()
    firstPainted = Signal()

    capture: Capture
    shot: ScreenShot
    state: SelectionState
    _drag: tuple[str, QPoint, QRect | None] | None

    def __init__(
        self,
        capture: Capture,
        index: int = 0,
        state: SelectionState | None = None,
        parent: QWidget | None = None,
    ) -> None:
        flags = (
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        super().__init__(parent, flags)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setWindowTitle(self.tr("Askshot: select an area"))
        self.setAccessibleName(self.tr("Screenshot: select an area"))
        self._connected: SelectionState | None = None
        self._build_toolbar()
        self.load(capture, index, state)

    def detach(self) -> None:
        """Stop following the capture's selection (its session is going away)."""
        old, self._connected = self._connected, None
        # Hidden, it keeps no frozen screen (a 4K one is 33 MB): only its place.
        self.shot = ScreenShot(QImage(), self.shot.geometry, self.shot.dpr, self.shot.name)
        self.capture = Capture([self.shot])
        if old is not None:
            old.changed.disconnect(self._on_state_changed)
            if old.parent() is self:
                old.deleteLater()

    def load(self, capture: Capture, index: int = 0, state: SelectionState | None = None) -> None:
        """Show screen `index` of `capture` with `state`: a new capture in this (hidden) overlay,
        whose window and pixel buffers are already there, so it paints at once."""
        if self._connected is not None:
            self.detach()
        self.capture = capture
        self.index = index
        self.shot = capture.screens[index]
        self.state = state if state is not None else SelectionState(capture, parent=self)
        self.state.changed.connect(self._on_state_changed)
        self._connected = self.state
        self._origin = self.shot.geometry.topLeft()
        self._drag = None
        self._decorated = QRegion()
        self._painted = False
        self.setGeometry(self.shot.geometry)
        self.buttons["last"].setEnabled(self.state.last_region is not None)
        self._on_state_changed()
        self.update()

    # -- toolbar --------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QWidget(self)
        self.toolbar = bar
        bar.setObjectName("captureToolbar")
        bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        bar.setCursor(Qt.CursorShape.ArrowCursor)
        bar.setStyleSheet(
            "#captureToolbar { background: rgba(30, 30, 30, 230); border-radius: 6px; }"
            "QLabel { color: white; padding: 0 6px; }"
            "QToolButton { color: white; background: transparent; border: 1px solid #666;"
            " border-radius: 4px; padding: 3px 8px; }"
            "QToolButton:hover { background: #3daee9; border-color: #3daee9; }"
            "QToolButton:disabled { color: #777; border-color: #444; }"
        )
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 6, 8, 6)
        row.setSpacing(6)
        self.hint_label = QLabel(bar)
        self.hint_label.setAccessibleName(self.tr("Hint"))
        row.addWidget(self.hint_label)
        self.buttons: dict[str, QToolButton] = {}
        actions: list[tuple[str, str, str, Callable[[], None]]] = [
            (
                "fullscreen",
                self.tr("Full screen"),
                self.tr("The screen under the cursor (F)"),
                self.take_screen,
            ),
            (
                "window",
                self.tr("Window"),
                self.tr("The window under the cursor (W)"),
                self.take_window,
            ),
            (
                "last",
                self.tr("Last area"),
                self.tr("The area you chose last time (R)"),
                self.take_last,
            ),
            ("cancel", self.tr("Cancel"), self.tr("Close without a screenshot (Esc)"), self.cancel),
        ]
        for key, text, tip, slot in actions:
            button = QToolButton(bar)
            button.setText(text)
            button.setToolTip(tip)
            button.setAccessibleName(text)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[key] = button

    def _place_toolbar(self) -> None:
        bar = self.toolbar
        bar.adjustSize()
        w, h = bar.width(), bar.height()
        x = (self.width() - w) // 2
        bottom = QRect(x, self.height() - h - 24, w, h)
        sel = self._local_selection()
        bar.move((bottom if not bottom.intersects(sel) else QRect(x, 24, w, h)).topLeft())

    # -- state ----------------------------------------------------------------------------------

    def _local_selection(self) -> QRect:
        rect = self.state.rect
        if rect is None:
            return QRect()
        return rect.translated(-self._origin).intersected(self.rect())

    def _global(self, local: QPoint) -> QPoint:
        return local + self._origin

    def _hint(self) -> str:
        if self.state.message:
            return self.state.message
        if self.state.rect is None:
            return self.tr("Drag over an area, or press Enter for the whole screen.")
        return self.tr("Enter: use this area · arrows: move · Shift+arrows: resize · Esc: cancel")

    def _on_state_changed(self) -> None:
        self.hint_label.setText(self._hint())
        self.toolbar.setVisible(not self.state.dragging)
        if not self.state.dragging:
            self._place_toolbar()
        new = self._decoration()
        self.update(new.united(self._decorated))
        self._decorated = new

    def _decoration(self) -> QRegion:
        """Where this overlay paints something besides the dimmed screenshot."""
        rect = self.state.rect
        if rect is None:
            return QRegion()
        region = QRegion(rect.adjusted(-2, -2, 2, 2).translated(-self._origin))
        region = region.united(self._label_rect().adjusted(-1, -1, 1, 1).translated(-self._origin))
        return region.intersected(QRegion(self.rect()))

    def _label_text(self) -> str:
        rect = self.state.rect
        size = self.capture.physical_size(rect) if rect is not None else None
        return f"{size.width()} × {size.height()}" if size is not None else ""

    def _label_rect(self) -> QRect:
        """The size label in global logical coordinates: below the selection, else above it,
        else inside its top-left corner."""
        rect = self.state.rect
        if rect is None:
            return QRect()
        metrics = QFontMetrics(self.font())
        w = metrics.horizontalAdvance(self._label_text()) + 12
        h = metrics.height() + 6
        corner = QPoint(rect.x(), rect.y() + rect.height())
        screen = self.capture.screens[self.capture.nearest_screen(corner)].geometry
        x = min(max(rect.x(), screen.x()), screen.x() + screen.width() - w)
        below = QRect(x, rect.y() + rect.height() + 6, w, h)
        if screen.contains(below):
            return below
        above = QRect(x, rect.y() - h - 6, w, h)
        if screen.contains(above):
            return above
        return QRect(rect.x() + 6, rect.y() + 6, w, h)

    # -- painting -------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = event.rect()
        image = self.shot.image
        sx = image.width() / max(self.width(), 1)
        sy = image.height() / max(self.height(), 1)
        source = QRectF(area.x() * sx, area.y() * sy, area.width() * sx, area.height() * sy)
        painter.drawImage(QRectF(area), image, source)
        sel = self._local_selection()
        for part in _outside(area, sel):
            painter.fillRect(part, DIM)
        if self.state.rect is not None:
            if not sel.isEmpty():
                painter.setPen(QPen(ACCENT, 1))
                painter.drawRect(sel.adjusted(-1, -1, 0, 0))
            label = self._label_rect().translated(-self._origin)
            if label.intersects(area):
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(LABEL_BG)
                painter.drawRoundedRect(QRectF(label), 4, 4)
                painter.setPen(QColor("white"))
                painter.drawText(label, Qt.AlignmentFlag.AlignCenter, self._label_text())
        painter.end()
        if not self._painted:
            self._painted = True
            log.info("overlay painted")  # bench/resident.py times the shortcut to this
            self.firstPainted.emit()

    # -- mouse ----------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = self._global(event.position().toPoint())
        self.state.cursor = point
        if event.button() == Qt.MouseButton.LeftButton:
            rect = self.state.rect
            if rect is not None and rect.contains(point):
                self._drag = ("move", point, QRect(rect))
            else:
                self._drag = ("new", point, None)
                self.state.set_rect(None)
            self.state.set_dragging(True)
        elif event.button() == Qt.MouseButton.RightButton:
            if self.state.rect is not None:
                self.state.set_rect(None)
            else:
                self.cancel()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = self._global(event.position().toPoint())
        self.state.cursor = point
        if self._drag is None:
            return
        kind, anchor, start = self._drag
        if kind == "new":
            r = geometry.Rect.from_points(anchor.x(), anchor.y(), point.x(), point.y())
            self.state.set_rect(to_qrect(r) if not r.empty else None)
        elif start is not None:
            delta = point - anchor
            bounds = to_rect(self.state.bounds)
            moved = geometry.nudge(to_rect(start), delta.x(), delta.y(), bounds)
            self.state.set_rect(to_qrect(moved))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drag is not None:
            self.mouseMoveEvent(event)
            self._drag = None
            self.state.set_dragging(False)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        point = self._global(event.position().toPoint())
        rect = self.state.rect
        if (
            event.button() == Qt.MouseButton.LeftButton
            and rect is not None
            and rect.contains(point)
        ):
            self.accept_rect(rect)

    # -- keyboard -------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        if key == Qt.Key.Key_Escape:
            self.cancel()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept_selection()
        elif key == Qt.Key.Key_F:
            self.take_screen()
        elif key == Qt.Key.Key_W:
            self.take_window()
        elif key == Qt.Key.Key_R:
            self.take_last()
        elif key in _ARROWS:
            dx, dy = _ARROWS[Qt.Key(key)]
            step = 10 if mods & Qt.KeyboardModifier.ControlModifier else 1
            self.keyboard_step(dx * step, dy * step, bool(mods & Qt.KeyboardModifier.ShiftModifier))
        else:
            super().keyPressEvent(event)

    def keyboard_step(self, dx: int, dy: int, resize: bool) -> None:
        """Move (or with `resize`, grow/shrink) the selection; start a centred one if none."""
        bounds = to_rect(self.state.bounds)
        rect = self.state.rect
        if rect is None:
            screen = self.capture.screens[self._cursor_screen()].geometry
            self.state.set_rect(to_qrect(geometry.default_selection(to_rect(screen))))
            return
        if resize:
            self.state.set_rect(to_qrect(geometry.resize(to_rect(rect), dx, dy, bounds)))
        else:
            self.state.set_rect(to_qrect(geometry.nudge(to_rect(rect), dx, dy, bounds)))

    # -- results --------------------------------------------------------------------------------

    def _cursor_screen(self) -> int:
        point = self.state.cursor if self.state.cursor is not None else QCursor.pos()
        hit = self.capture.screen_at(point)
        return hit if hit is not None else self.index

    def _cursor(self) -> QPoint:
        if self.state.cursor is not None:
            return self.state.cursor
        pos = QCursor.pos()
        if self.capture.screen_at(pos) is None:
            return self.shot.geometry.center()
        return pos

    def accept_selection(self) -> None:
        """Enter: the selection, or the whole screen under the cursor when there is none."""
        rect = self.state.rect
        self.accept_rect(
            rect if rect is not None else self.capture.screens[self._cursor_screen()].geometry
        )

    def take_screen(self) -> None:
        self.accept_rect(self.capture.screens[self._cursor_screen()].geometry)

    def take_window(self) -> None:
        rect = self.capture.window_at(self._cursor())
        if rect is not None:
            self.accept_rect(rect)
        else:
            self.state.set_message(no_window_message(self.capture))

    def take_last(self) -> None:
        if self.state.last_region is not None:
            self.accept_rect(self.state.last_region)
        else:
            self.state.set_message(self.tr("No area chosen yet in this session."))

    def accept_rect(self, rect: QRect) -> None:
        rect = rect.normalized().intersected(self.state.bounds)
        try:
            image = self.capture.crop(rect)
        except CaptureError as exc:
            self.state.set_message(exc.message)
            return
        self.state.last_region = QRect(rect)
        self.accepted.emit(image, rect)

    def cancel(self) -> None:
        self.cancelled.emit()

    def show_on_screen(self) -> None:
        """Cover this overlay's screen: full screen on the QScreen with its geometry, else
        (a synthetic capture) a plain window with that geometry."""
        geo = self.shot.geometry
        self.setGeometry(geo)
        match = [s for s in QGuiApplication.screens() if s.geometry() == geo]
        if match:
            self.setScreen(match[0])
            self.setGeometry(geo)
            self.showFullScreen()
        else:
            self.show()

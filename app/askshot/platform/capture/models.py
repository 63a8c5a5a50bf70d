"""What a capture is: every screen frozen at one moment (`Capture`, `ScreenShot`), cropping a
logical selection to physical pixels, and the error a backend raises when it cannot capture."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter

from askshot.core.errors import CaptureError
from askshot.platform import geometry
from askshot.platform.geometry import Rect


def tr(text: str) -> str:
    return QCoreApplication.translate("Capture", text)


def to_rect(r: QRect) -> Rect:
    return Rect(r.x(), r.y(), r.width(), r.height())


def to_qrect(r: Rect) -> QRect:
    return QRect(r.x, r.y, r.w, r.h)


@dataclass(eq=False)
class ScreenShot:
    """One screen, frozen: `image` in physical pixels (its devicePixelRatio is 1), the screen's
    logical `geometry` on the virtual desktop and its device pixel ratio."""

    image: QImage
    geometry: QRect
    dpr: float = 1.0
    name: str = ""


class Capture:
    """Every screen frozen at one moment, plus (on X11) the top-level windows' logical
    rectangles, topmost first. Crops follow the rules in `askshot.platform.geometry`."""

    def __init__(
        self, screens: Sequence[ScreenShot], windows: Sequence[QRect] = (), backend: str = ""
    ) -> None:
        if not screens:
            raise CaptureError(tr("No screen to capture."))
        self.screens = list(screens)
        self.windows = list(windows)
        self.backend = backend
        self.geometries = [
            geometry.Screen(to_rect(s.geometry), s.dpr, (s.image.width(), s.image.height()))
            for s in self.screens
        ]

    def virtual_geometry(self) -> QRect:
        return to_qrect(geometry.virtual_rect(self.geometries))

    def screen_at(self, point: QPoint) -> int | None:
        return geometry.screen_at(point.x(), point.y(), self.geometries)

    def nearest_screen(self, point: QPoint) -> int:
        return geometry.nearest_screen(point.x(), point.y(), self.geometries)

    def window_at(self, point: QPoint) -> QRect | None:
        for rect in self.windows:
            if rect.contains(point):
                return QRect(rect)
        return None

    def plan(self, rect: QRect) -> geometry.CropPlan:
        return geometry.plan_crop(to_rect(rect.normalized()), self.geometries)

    def physical_size(self, rect: QRect) -> QSize:
        w, h = geometry.physical_size(to_rect(rect.normalized()), self.geometries)
        return QSize(w, h)

    def crop(self, rect: QRect) -> QImage:
        """The logical `rect` in physical pixels (at the largest DPR it touches), DPR 1."""
        plan = self.plan(rect)
        if plan.empty:
            raise CaptureError(tr("The selection is empty or lies outside every screen."))
        if len(plan.pieces) == 1 and plan.pieces[0].source.w == plan.width:
            piece = plan.pieces[0]
            if piece.source.h == plan.height:
                out = self.screens[piece.screen].image.copy(to_qrect(piece.source))
                out.setDevicePixelRatio(1.0)
                return out
        out = QImage(plan.width, plan.height, QImage.Format.Format_RGB32)
        out.fill(Qt.GlobalColor.black)
        painter = QPainter(out)
        for piece in plan.pieces:
            part = self.screens[piece.screen].image.copy(to_qrect(piece.source))
            part.setDevicePixelRatio(1.0)
            # Whole-number scale-ups keep crisp pixels (text stays sharp); others are smoothed.
            ratio = plan.scale / self.geometries[piece.screen].dpr
            painter.setRenderHint(
                QPainter.RenderHint.SmoothPixmapTransform, abs(ratio - round(ratio)) > 1e-6
            )
            painter.drawImage(to_qrect(piece.target), part)
        painter.end()
        return out

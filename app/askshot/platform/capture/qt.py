"""The Qt backend: `QScreen.grabWindow(0)` per screen, on X11, Windows and macOS (after the
Screen Recording permission on macOS). Images come in physical pixels."""

from __future__ import annotations

import sys

from PySide6.QtGui import QGuiApplication, QImage

from askshot.core.errors import CaptureError
from askshot.platform.capture.macos import (
    CoreGraphicsPermission,
    ScreenRecordingPermission,
    ensure_screen_recording,
)
from askshot.platform.capture.models import ScreenShot, tr


def grab_qt(permission: ScreenRecordingPermission | None = None) -> list[ScreenShot]:
    """Every screen through Qt, each in its physical pixels."""
    if sys.platform == "darwin":
        ensure_screen_recording(permission or CoreGraphicsPermission())
    shots = []
    for screen in QGuiApplication.screens():
        pixmap = screen.grabWindow(0)
        if pixmap.isNull():
            raise CaptureError(
                tr("Qt could not read the screen on the “{0}” platform.").format(
                    QGuiApplication.platformName()
                )
            )
        image = pixmap.toImage()
        if image.format() not in (
            QImage.Format.Format_RGB32,
            QImage.Format.Format_ARGB32_Premultiplied,
        ):
            image = image.convertToFormat(QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(1.0)
        shots.append(ScreenShot(image, screen.geometry(), screen.devicePixelRatio(), screen.name()))
    return shots

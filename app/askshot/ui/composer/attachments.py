"""Attachments in the composer: what a paste or a drop brings in (files, image data, remote
URLs), the jobs that prepare an image off the GUI thread, the strip of thumbnails with a remove
button each, and a click-to-preview dialog.

Nothing here decodes a full-size image on the GUI thread: `load_image` and `refit_image` run in
a BackgroundCall and hand back the prepared image plus a small PNG thumbnail.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from PySide6.QtCore import QMimeData, QSize, Signal
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QKeyEvent, QMouseEvent, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from askshot.core.errors import ImageError
from askshot.ui.qt.lazy import Qt

if TYPE_CHECKING:  # Pillow and the image pipeline load on first use, not at start-up
    from PIL import Image

    from askshot.core.images import PreparedImage

THUMB_HEIGHT = 64
THUMB_MAX_WIDTH = 160
# Side of the PNG thumbnails made off-thread: sharp at a device pixel ratio of 2.
THUMB_SOURCE_SIDE = 2 * THUMB_MAX_WIDTH

# Encoded image formats a browser or image viewer may put on a drag or the clipboard, best first.
_IMAGE_MIME_TYPES = (
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/gif",
    "image/bmp",
    "image/tiff",
)
_REMOTE_SCHEMES = ("http", "https", "ftp", "data")


@dataclass(frozen=True)
class Incoming:
    """What a paste or a drop carries that matters to attachments.

    `data` holds encoded bytes (with `data_mime`) when the source offered them, else `image`
    holds a decoded QImage (application/x-qt-image); `remote` lists web URLs we never fetch."""

    files: tuple[Path, ...] = ()
    data: bytes | None = None
    data_mime: str = ""
    image: QImage | None = None
    remote: tuple[str, ...] = ()

    @property
    def attachable(self) -> bool:
        return bool(self.files) or self.data is not None or self.image is not None


def might_attach(mime: QMimeData) -> bool:
    """A cheap look (no data fetched): could this paste or drop carry attachments or URLs?
    Drag-move events call it on every mouse move."""
    if mime.hasUrls() or mime.hasImage():
        return True
    return any(kind in _IMAGE_MIME_TYPES for kind in mime.formats())


def read_mime(mime: QMimeData) -> Incoming:
    """Sort a paste or drop into local files, image data and remote URLs (files win: a file
    manager may offer both a path and a rendered image of it)."""
    files: list[Path] = []
    remote: list[str] = []
    if mime.hasUrls():
        for url in mime.urls():
            if url.isLocalFile():
                files.append(Path(url.toLocalFile()))
            elif url.scheme().lower() in _REMOTE_SCHEMES:
                remote.append(url.toString())
    if files:
        return Incoming(files=tuple(files))
    formats = set(mime.formats())
    for kind in _IMAGE_MIME_TYPES:
        if kind in formats:
            data = mime.data(kind).data()
            if data:
                return Incoming(data=bytes(data), data_mime=kind, remote=tuple(remote))
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            return Incoming(image=QImage(image), remote=tuple(remote))
    return Incoming(remote=tuple(remote))


def qimage_to_pil(image: QImage, name: str) -> Image.Image:
    """A PIL copy of a QImage (QImage is reentrant: safe to call off the GUI thread)."""
    if image.isNull() or image.width() < 1 or image.height() < 1:
        raise ImageError(f"{name} is empty.")
    from PIL import Image

    if not image.hasAlphaChannel():
        # Screen captures: read Qt's 32-bit pixels (B, G, R, X in memory on little-endian
        # machines) straight into an RGB image; Pillow unpacks them in C, with no RGBA detour.
        rgb32 = image.convertToFormat(QImage.Format.Format_RGB32)
        mode = "BGRX" if sys.byteorder == "little" else "XRGB"
        size = (rgb32.width(), rgb32.height())
        return Image.frombytes("RGB", size, rgb32.constBits(), "raw", mode, rgb32.bytesPerLine(), 1)
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    raw = bytes(rgba.constBits())
    size = (rgba.width(), rgba.height())
    return Image.frombuffer("RGBA", size, raw, "raw", "RGBA", rgba.bytesPerLine(), 1)


# -- preparing images (these run in a BackgroundCall) -------------------------------------------

Source: TypeAlias = (
    "bytes | Image.Image"  # what an attachment keeps, to fit it again for another model
)


@dataclass(frozen=True)
class Load:
    """One image to add; exactly one of path, data, qimage, pil is set."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    qimage: QImage | None = None
    pil: Image.Image | None = None


@dataclass(frozen=True)
class Loaded:
    epoch: int
    name: str
    model: str
    source: Source | None = None
    prepared: PreparedImage | None = None
    thumb: bytes = b""
    error: str | None = None


@dataclass(frozen=True)
class Refitted:
    key: int
    model: str
    prepared: PreparedImage | None
    error: str | None = None


@dataclass
class Attachment:
    """An image in the composer: its source, kept to fit it again when the model changes, and
    what was prepared from it for which model."""

    key: int
    name: str
    source: Source
    original_size: tuple[int, int]
    prepared: PreparedImage
    prepared_for: str
    failed_for: str | None = None


def _prepare(source: Source, model: str, name: str) -> PreparedImage:
    from askshot.core import images

    if isinstance(source, bytes):
        return images.prepare_image(source, model, name=name)
    return images.prepare_pil(source, model, name=name)


def load_image(job: Load, model: str, epoch: int) -> Loaded:
    """Prepare a new attachment for `model`; an ImageError comes back as `Loaded.error`."""
    from askshot.core import images

    source: Source
    try:
        if job.path is not None:
            # Prepare from the path first: the core words missing/empty/folder/not-an-image
            # errors, and rejects a huge non-image from its header before we read it whole.
            prepared = images.prepare_image(job.path, model, name=job.name)
            try:
                source = job.path.read_bytes()
            except OSError as exc:
                raise ImageError(f"{job.name} could not be read ({exc.strerror or exc}).") from None
        else:
            if job.data is not None:
                source = job.data
            elif job.qimage is not None:
                source = qimage_to_pil(job.qimage, job.name)
            elif job.pil is not None:
                source = job.pil
            else:
                raise ImageError(f"{job.name} is empty.")
            prepared = _prepare(source, model, job.name)
        thumb = images.thumbnail_png(prepared.part.data, THUMB_SOURCE_SIDE, name=job.name)
    except ImageError as exc:
        return Loaded(epoch, job.name, model, error=exc.message)
    return Loaded(epoch, job.name, model, source, prepared, thumb)


def refit_image(key: int, source: Source, model: str, name: str) -> Refitted:
    try:
        return Refitted(key, model, _prepare(source, model, name))
    except ImageError as exc:
        return Refitted(key, model, None, exc.message)


def _pixmap(data: bytes) -> QPixmap:
    pix = QPixmap()
    pix.loadFromData(data)
    return pix


class Thumbnail(QFrame):
    """One attachment: the picture (click or Space to preview) and a "×" in its corner."""

    previewRequested = Signal(int)
    removeRequested = Signal(int)

    def __init__(self, key: int, name: str, png: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.name = name
        pix = _pixmap(png)
        size = QSize(THUMB_HEIGHT, THUMB_HEIGHT)
        if not pix.isNull() and pix.height() > 0:
            width = round(pix.width() * THUMB_HEIGHT / pix.height())
            size = QSize(max(24, min(THUMB_MAX_WIDTH, width)), THUMB_HEIGHT)

        self.picture = QToolButton(self)
        self.picture.setAutoRaise(True)
        self.picture.setIcon(QIcon(pix))
        self.picture.setIconSize(size)
        self.picture.setAccessibleName(self.tr("Preview {0}").format(name))
        self.picture.setToolTip(name)
        self.picture.setCursor(Qt.CursorShape.PointingHandCursor)
        self.picture.clicked.connect(lambda: self.previewRequested.emit(self.key))

        self.remove = QToolButton(self)
        self.remove.setText("×")
        self.remove.setAccessibleName(self.tr("Remove {0}").format(name))
        self.remove.setToolTip(self.tr("Remove {0}").format(name))
        self.remove.setFixedSize(20, 20)
        self.remove.setObjectName("removeAttachment")
        self.remove.setStyleSheet(
            "QToolButton#removeAttachment { border: none; border-radius: 10px;"
            " background: rgba(0, 0, 0, 150); color: white; font-weight: bold; }"
            "QToolButton#removeAttachment:hover, QToolButton#removeAttachment:focus"
            " { background: #c62828; }"
        )
        self.remove.clicked.connect(lambda: self.removeRequested.emit(self.key))

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture, 0, 0)
        layout.addWidget(self.remove, 0, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        self.remove.raise_()

    def set_details(self, text: str) -> None:
        self.picture.setToolTip(text)


class AttachmentStrip(QScrollArea):
    """A horizontal row of thumbnails; hidden while empty. It only shows and asks: the owner
    keeps the images and answers `removeRequested` / `previewRequested`."""

    removeRequested = Signal(int)
    previewRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Attachments"))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        inner = QWidget()
        self._row = QHBoxLayout(inner)
        self._row.setContentsMargins(2, 2, 2, 2)
        self._row.setSpacing(6)
        self._row.addStretch(1)
        self.setWidget(inner)
        self._thumbs: dict[int, Thumbnail] = {}
        self.horizontalScrollBar().rangeChanged.connect(self._fit_height)
        self._fit_height()
        self.hide()

    def _fit_height(self) -> None:
        bar = self.horizontalScrollBar()
        extra = bar.sizeHint().height() if bar.maximum() > 0 else 0
        self.setFixedHeight(THUMB_HEIGHT + 12 + extra)

    def add(self, key: int, name: str, png: bytes, details: str = "") -> Thumbnail:
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        thumb = Thumbnail(key, name, png, self.widget())
        if details:
            thumb.set_details(details)
        thumb.removeRequested.connect(self.removeRequested)
        thumb.previewRequested.connect(self.previewRequested)
        self._row.insertWidget(self._row.count() - 1, thumb)
        self._thumbs[key] = thumb
        self.show()
        return thumb

    def remove(self, key: int) -> None:
        thumb = self._thumbs.pop(key, None)
        if thumb is not None:
            self._row.removeWidget(thumb)
            thumb.hide()
            thumb.deleteLater()
        self.setVisible(bool(self._thumbs))

    def clear(self) -> None:
        for key in list(self._thumbs):
            self.remove(key)

    def thumbnail(self, key: int) -> Thumbnail | None:
        return self._thumbs.get(key)

    def thumbnails(self) -> list[Thumbnail]:
        return list(self._thumbs.values())

    def set_details(self, key: int, text: str) -> None:
        thumb = self._thumbs.get(key)
        if thumb is not None:
            thumb.set_details(text)


class ImagePreview(QDialog):
    """The image scaled to fit the screen (never enlarged); Esc or a click closes it."""

    def __init__(
        self, name: str, data: bytes, caption: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(name)
        self.setAccessibleName(self.tr("Preview of {0}").format(name))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        pix = _pixmap(data)
        screen = (parent.screen() if parent is not None else None) or (
            QGuiApplication.primaryScreen()
        )
        limit = QSize(1200, 900)
        if screen is not None:
            avail = screen.availableGeometry().size()
            limit = QSize(max(200, avail.width() * 8 // 10), max(200, avail.height() * 8 // 10))
        if pix.width() > limit.width() or pix.height() > limit.height():
            pix = pix.scaled(
                limit,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        self.image = QLabel()
        self.image.setPixmap(pix)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setAccessibleName(name)
        layout = QVBoxLayout(self)
        layout.addWidget(self.image, 1)
        if caption:
            self.caption = QLabel(caption)
            self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.caption.setAccessibleName(self.tr("Image details"))
            layout.addWidget(self.caption)
        self.setToolTip(self.tr("Click or press Esc to close"))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept()
            return
        super().keyPressEvent(event)

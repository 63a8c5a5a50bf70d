"""Images in, model-ready images out: load and validate, orient, fit to exactly the size the model
looks at, encode, and estimate tokens.

We fit on our side so the request carries no pixels the server would throw away, and so the token
count we show is the one OpenAI bills. Screenshots are mostly text, so they stay lossless (PNG);
only photographic content goes JPEG, where it is much smaller.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import re
import stat
import struct
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from PIL import Image, UnidentifiedImageError

from askshot.core import providers
from askshot.core.errors import ImageError
from askshot.core.estimate import fit_box, fit_size, tokens_for_fitted
from askshot.core.providers import ImageRule
from askshot.core.types import ImagePart

log = logging.getLogger(__name__)

# --- What we accept and produce ----------------------------------------------------------------

SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".png",
    ".jpg",
    ".jpeg",
    ".jpe",
    ".jfif",
    ".webp",
    ".gif",
    ".bmp",
    ".dib",
    ".tif",
    ".tiff",
)
_PILLOW_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")  # JPEG opens MPO too
_DRAFTABLE = frozenset({"JPEG", "MPO"})
_ACCEPTED_WORDS = "PNG, JPEG, WebP, GIF, BMP or TIFF"
_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")

# Our own pixel limit. Pillow warns between MAX_IMAGE_PIXELS (89.5 MP) and twice that, and raises
# above; we silence the warning and refuse anything over this limit from the header alone.
MAX_MEGAPIXELS = 120
MAX_PIXELS = MAX_MEGAPIXELS * 1_000_000

# Encoding: PNG unless the PNG costs more than this many bytes per pixel (UI screenshots measure
# 0.1-0.6, photos 2-2.6) and a JPEG is at most half its size.
PHOTO_BYTES_PER_PIXEL = 1.0
JPEG_QUALITY = 90
PNG_LEVEL = 1

_ORIENTATION_TAG = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class PreparedImage:
    """An image ready to send. `original_size` is the upright source size; `tokens` the image
    tokens the model counts for `part` (before any billing multiplier, see `billed_tokens`)."""

    part: ImagePart
    source_name: str
    original_size: tuple[int, int]
    tokens: int


# --- Loading -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _pillow_guard() -> Iterator[None]:
    """Pillow warns about large images; we enforce MAX_PIXELS ourselves instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def _too_large(name: str, pixels: int | None) -> ImageError:
    if pixels is None:
        return ImageError(
            f"{name} is too large; Askshot accepts images up to {MAX_MEGAPIXELS} megapixels."
        )
    return ImageError(
        f"{name} is {math.ceil(pixels / 1_000_000)} megapixels; "
        f"Askshot accepts images up to {MAX_MEGAPIXELS} megapixels."
    )


def _damaged(name: str) -> ImageError:
    return ImageError(f"{name} is damaged or incomplete and could not be read.")


def _read_error(name: str, exc: OSError) -> ImageError:
    if isinstance(exc, FileNotFoundError):
        return ImageError(f"{name} was not found.")
    if isinstance(exc, IsADirectoryError):
        return ImageError(f"{name} is a folder, not an image.")
    if isinstance(exc, PermissionError):
        return ImageError(f"{name} could not be opened: permission denied.")
    return ImageError(f"{name} could not be read ({exc.strerror or exc}).")


def _unidentified(fp: Path | io.BytesIO, name: str) -> ImageError:
    """Pillow refused it among our formats: damaged, another image format, or not an image."""
    try:
        if isinstance(fp, Path):
            with fp.open("rb") as f:
                head = f.read(16)
        else:
            head = fp.getvalue()[:16]
    except OSError as exc:
        return _read_error(name, exc)
    is_webp = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if head.startswith(_MAGIC) or is_webp:
        return _damaged(name)
    fmt = None
    try:
        with _pillow_guard(), Image.open(fp) as other:
            fmt = other.format
    except Exception:  # only asking Pillow what it is; any failure means "not an image"
        pass
    if fmt:
        return ImageError(
            f"{name} is a {fmt} image, which Askshot does not accept. Use {_ACCEPTED_WORDS}."
        )
    return ImageError(f"{name} is not an image Askshot can read. Use {_ACCEPTED_WORDS}.")


def _open(source: Path | str | bytes, name: str) -> Image.Image:
    """Open lazily (header only) and check the size; the caller closes the image."""
    fp: Path | io.BytesIO
    if isinstance(source, bytes | bytearray | memoryview):
        if not source:
            raise ImageError(f"{name} is empty.")
        fp = io.BytesIO(bytes(source))
    else:
        fp = Path(source)
        try:
            st = fp.stat()
        except OSError as exc:
            raise _read_error(name, exc) from None
        if stat.S_ISDIR(st.st_mode):
            raise ImageError(f"{name} is a folder, not an image.")
        if st.st_size == 0:
            raise ImageError(f"{name} is empty.")
    try:
        with _pillow_guard():
            img = Image.open(fp, formats=_PILLOW_FORMATS)
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        raise _too_large(name, int(found.group(1)) if found else None) from None
    except UnidentifiedImageError:
        raise _unidentified(fp, name) from None
    except OSError as exc:
        raise _read_error(name, exc) from None
    except Exception:  # Pillow's header parsers raise many types on broken input
        log.debug("could not open %s", name, exc_info=True)
        raise _damaged(name) from None
    width, height = img.size
    if width * height > MAX_PIXELS:
        img.close()
        raise _too_large(name, width * height)
    if width < 1 or height < 1:
        img.close()
        raise _damaged(name)
    return img


def _orientation(img: Image.Image) -> int:
    try:
        value = img.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # broken EXIF must not block an otherwise good image
        return 1
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


def _swap(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """Upright size <-> stored size: orientations 5-8 turn the image a quarter."""
    return (size[1], size[0]) if orientation >= 5 else size


def _to_8bit_gray(img: Image.Image) -> Image.Image:
    if img.mode.startswith("I;16"):
        img, scale = img.convert("I"), 1 / 257
    else:
        low, high = cast("tuple[float, float]", img.getextrema())  # one band: (min, max)
        if img.mode == "F" and low >= 0 and high <= 1.0:
            scale = 255.0
        elif high > 65535:
            scale = 255 / high
        elif high > 255:
            scale = 1 / 257
        else:
            scale = 1.0
    if scale != 1.0:
        img = img.point(lambda v: v * scale)
    return img.convert("L")


def _normal_mode(img: Image.Image) -> Image.Image:
    """RGB, RGBA (only when some pixel is not opaque) or L, 8 bits per channel."""
    mode = img.mode
    if mode in ("RGB", "L"):
        return img
    if mode == "1":
        return img.convert("L")
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode.startswith("I") or mode == "F":
        return _to_8bit_gray(img)
    elif mode in ("RGBA", "LA", "La", "PA", "RGBa"):
        img = img if mode == "RGBA" else img.convert("RGBA")
    else:  # CMYK, YCbCr, LAB, HSV, RGBX, ...
        return img.convert("RGB")
    if img.mode == "RGBA" and img.getchannel("A").getextrema()[0] == 255:
        return img.convert("RGB")
    return img


def _render(
    img: Image.Image,
    name: str,
    target: Callable[[int, int], tuple[int, int]],
    *,
    draft: bool = True,
) -> tuple[Image.Image, tuple[int, int]]:
    """Decode, normalise the mode, resize to target(upright size) and turn upright.
    Returns the new image and the upright source size. `draft` lets a JPEG we opened decode at
    reduced scale (never used on a caller's image, which draft would change)."""
    stored = img.size
    try:
        with _pillow_guard():
            if draft and img.format in _DRAFTABLE:  # let libjpeg decode at 1/2, 1/4 or 1/8 scale
                orientation = _orientation(img)
                wanted = target(*_swap(stored, orientation))
                img.draft(None, _swap(wanted, orientation))
            img.load()
            orientation = _orientation(img)
            upright = _swap(stored, orientation)
            out = _normal_mode(img)
    except MemoryError:
        raise ImageError(f"{name} is too large to open on this computer.") from None
    except Exception:  # decoders raise OSError, SyntaxError, ValueError, zlib.error, ...
        log.debug("could not decode %s", name, exc_info=True)
        raise _damaged(name) from None
    size = _swap(target(*upright), orientation)
    if out.size != size:
        out = out.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.0)
    if orientation in _TRANSPOSE:
        out = out.transpose(_TRANSPOSE[orientation])
    return out, upright


# --- Encoding ----------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_bytes(img: Image.Image, level: int = PNG_LEVEL) -> bytes:
    """8-bit L/RGB/RGBA PNG with filter 0 on every row. Pillow's encoder tries all five filters
    per row, which costs ~40% of the encode time and, on UI content, compresses no better."""
    color_type = {"L": 0, "RGB": 2, "RGBA": 6}[img.mode]
    width, height = img.size
    raw = memoryview(img.tobytes())
    stride = width * len(img.getbands())
    rows = b"".join([b"\x00" + raw[y : y + stride] for y in range(0, stride * height, stride)])
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(rows, level)),
            _png_chunk(b"IEND", b""),
        )
    )


def _jpeg_bytes(img: Image.Image) -> bytes:
    if img.mode == "RGBA":  # JPEG has no alpha: composite onto white
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        img = flat
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=JPEG_QUALITY, subsampling=0)
    return buf.getvalue()


def encode_image(img: Image.Image, fmt: Literal["auto", "png", "jpeg"] = "auto") -> ImagePart:
    """Encode as is (no resizing). "auto": PNG, unless the content is photographic (PNG over
    PHOTO_BYTES_PER_PIXEL) and JPEG is at most half the size."""
    img = _normal_mode(img)
    width, height = img.size
    if fmt == "jpeg":
        return ImagePart(_jpeg_bytes(img), "image/jpeg", width, height)
    png = _png_bytes(img)
    if fmt == "auto" and len(png) > PHOTO_BYTES_PER_PIXEL * width * height:
        jpeg = _jpeg_bytes(img)
        if 2 * len(jpeg) <= len(png):
            return ImagePart(jpeg, "image/jpeg", width, height)
    return ImagePart(png, "image/png", width, height)


# --- Public entry points -----------------------------------------------------------------------


def _model_rule(model_id: str, name: str) -> ImageRule:
    model = providers.model(model_id)
    if not model.vision:
        raise ImageError(f"{name} can't be sent: {model_id} does not read images.")
    return model.image_rule


def _prepare(img: Image.Image, model_id: str, name: str, *, draft: bool) -> PreparedImage:
    rule = _model_rule(model_id, name)
    out, upright = _render(img, name, lambda w, h: fit_size(w, h, rule), draft=draft)
    part = encode_image(out)
    tokens = tokens_for_fitted(part.width, part.height, model_id, rule)
    return PreparedImage(part=part, source_name=name, original_size=upright, tokens=tokens)


def prepare_image(
    source: Path | str | bytes, model_id: str, *, name: str | None = None
) -> PreparedImage:
    """Load a file (or encoded bytes from paste/drag), fit it for the model and encode it.
    Raises ImageError, naming the file, for anything we cannot or will not send."""
    if name is None:
        name = (
            "Pasted image"
            if isinstance(source, bytes | bytearray)
            else (Path(source).name or str(source))
        )
    with _open(source, name) as img:
        return _prepare(img, model_id, name, draft=True)


def prepare_pil(img: Image.Image, model_id: str, *, name: str) -> PreparedImage:
    """Fit and encode an image already in memory (a screen capture). `img` is not modified."""
    width, height = img.size
    if width < 1 or height < 1:
        raise ImageError(f"{name} is empty.")
    if width * height > MAX_PIXELS:
        raise _too_large(name, width * height)
    return _prepare(img, model_id, name, draft=False)


def thumbnail_png(data: bytes, max_side: int = 256, *, name: str = "Stored image") -> bytes:
    """A small upright PNG (longest side at most max_side, never enlarged), alpha kept.
    Raises ImageError (naming `name`) like prepare_image."""
    with _open(data, name) as img:
        out, _ = _render(img, name, lambda w, h: fit_box(w, h, max_side))
    return _png_bytes(_normal_mode(out), level=6)


def thumbnail_jpeg(data: bytes, max_side: int = 256) -> tuple[bytes, str, int, int] | None:
    """(JPEG bytes, mime, source width, source height) of an upright preview at most `max_side`
    px a side on white, or None when the image cannot be read (the history keeps a thumbnail as a
    convenience; the original is always kept)."""
    try:
        with _open(data, "Stored image") as img:
            out, upright = _render(img, "Stored image", lambda w, h: fit_box(w, h, max_side))
    except ImageError:
        return None
    if out.mode == "RGBA":
        flat = Image.new("RGB", out.size, (255, 255, 255))
        flat.paste(out, mask=out.getchannel("A"))
        out = flat
    buf = io.BytesIO()
    out.convert("RGB").save(buf, "JPEG", quality=80)
    return buf.getvalue(), "image/jpeg", upright[0], upright[1]

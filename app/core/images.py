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

from app.core import providers
from app.core.errors import ImageError
from app.core.providers import ImageRule
from app.core.types import ImagePart

log = logging.getLogger(__name__)

# --- What the models look at (OpenAI "Images and vision" guide, "Calculating costs") -----------

# "patch" models (o4-mini, gpt-4.1-mini/nano): 32 px patches, at most 1536 per image; the image
# is scaled down until it fits. One patch is one image token.
PATCH_SIZE = 32
PATCH_BUDGET = 1536
# Billing only: the guide multiplies image tokens by a per-model factor to get the input tokens
# that are billed (and counted in usage.prompt_tokens). Kept apart from the patch count.
PATCH_MULTIPLIERS: dict[str, float] = {
    "o4-mini": 1.72,
    "gpt-4.1-mini": 1.62,
    "gpt-4.1-nano": 2.46,
}

# "tile" models: fit within 2048x2048, then shrink so the short side is 768, then count 512 px
# tiles. Tokens = base + per_tile * tiles (these already are the billed numbers).
TILE_BOX = 2048
TILE_SHORT_SIDE = 768
TILE_SIZE = 512
TILE_TOKENS: dict[str, tuple[int, int]] = {
    "gpt-4o-mini": (2833, 5667),
    "gpt-4o": (85, 170),
    "gpt-4.1": (85, 170),
    "gpt-4.5-preview": (85, 170),
    "o1": (75, 150),
    "o1-pro": (75, 150),
    "o3": (75, 150),
}
DEFAULT_TILE_TOKENS = (85, 170)

# Models without an image rule get a generic cap, so nothing huge is ever sent.
GENERIC_BOX = 2048

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
_DATE_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class PreparedImage:
    """An image ready to send. `original_size` is the upright source size; `tokens` the image
    tokens the model counts for `part` (before any billing multiplier, see `billed_tokens`)."""

    part: ImagePart
    source_name: str
    original_size: tuple[int, int]
    tokens: int


# --- Sizes and tokens --------------------------------------------------------------------------


def _floor(x: float) -> int:
    return max(1, math.floor(x + 1e-6))


def _patches(width: int, height: int) -> int:
    return math.ceil(width / PATCH_SIZE) * math.ceil(height / PATCH_SIZE)


def _fit_patch(width: int, height: int) -> tuple[int, int]:
    if _patches(width, height) <= PATCH_BUDGET:
        return width, height
    shrink = math.sqrt(PATCH_SIZE * PATCH_SIZE * PATCH_BUDGET / (width * height))
    w1, h1 = width * shrink, height * shrink
    whole_w, whole_h = math.floor(w1 / PATCH_SIZE), math.floor(h1 / PATCH_SIZE)
    if whole_w >= 1 and whole_h >= 1:
        adjust = min(whole_w / (w1 / PATCH_SIZE), whole_h / (h1 / PATCH_SIZE))
        size = _floor(w1 * adjust), _floor(h1 * adjust)
        if _patches(*size) <= PATCH_BUDGET:
            return size
    # Extreme aspect ratios (a side under one patch) break the documented formula: take the
    # largest size, same aspect ratio, that fits the budget.
    long_side, short_side = max(width, height), min(width, height)

    def size_for(long_px: int) -> tuple[int, int]:
        other = _floor(short_side * long_px / long_side)
        return (long_px, other) if width >= height else (other, long_px)

    lo, hi = 1, long_side
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _patches(*size_for(mid)) <= PATCH_BUDGET:
            lo = mid
        else:
            hi = mid - 1
    return size_for(lo)


def _fit_box(width: int, height: int, box: int) -> tuple[int, int]:
    if max(width, height) <= box:
        return width, height
    if width >= height:
        return box, _floor(height * box / width)
    return _floor(width * box / height), box


def _fit_tile(width: int, height: int) -> tuple[int, int]:
    width, height = _fit_box(width, height, TILE_BOX)
    if min(width, height) > TILE_SHORT_SIDE:
        if width <= height:
            width, height = TILE_SHORT_SIDE, _floor(height * TILE_SHORT_SIDE / width)
        else:
            width, height = _floor(width * TILE_SHORT_SIDE / height), TILE_SHORT_SIDE
    return width, height


def fit_size(width: int, height: int, rule: ImageRule) -> tuple[int, int]:
    """The size the model looks at: same aspect ratio, never larger than the input.

    The result is a fixed point (fitting it again changes nothing), so the server will not
    resize what we send."""
    if width < 1 or height < 1:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    if rule == "patch":
        return _fit_patch(width, height)
    if rule == "tile":
        return _fit_tile(width, height)
    return _fit_box(width, height, GENERIC_BOX)


def _table_key(model_id: str) -> str:
    """'openai/o4-mini-2025-04-16' -> 'o4-mini'."""
    return _DATE_SUFFIX.sub("", providers.bare_model_id(model_id))


def _tokens_for_fitted(width: int, height: int, model_id: str, rule: ImageRule) -> int:
    if rule == "patch":
        return min(_patches(width, height), PATCH_BUDGET)
    if rule == "tile":
        base, per_tile = TILE_TOKENS.get(_table_key(model_id), DEFAULT_TILE_TOKENS)
        tiles = math.ceil(width / TILE_SIZE) * math.ceil(height / TILE_SIZE)
        return base + per_tile * tiles
    return 0


def estimate_tokens(width: int, height: int, model_id: str) -> int:
    """Image tokens for a width x height source once fitted for the model."""
    rule = providers.model(model_id).image_rule
    return _tokens_for_fitted(*fit_size(width, height, rule), model_id, rule)


def billed_tokens(tokens: int, model_id: str) -> int:
    """Input tokens billed for `tokens` image tokens (patch models carry a multiplier)."""
    factor = PATCH_MULTIPLIERS.get(_table_key(model_id), 1.0)
    return math.ceil(tokens * factor - 1e-9)


def image_cost_usd(tokens: int, model_id: str) -> float | None:
    """Dollars for an image of `tokens` image tokens; None when the model's price is unknown."""
    price = providers.model(model_id).price
    if price is None:
        return None
    return billed_tokens(tokens, model_id) * price.input / 1_000_000


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
    tokens = _tokens_for_fitted(part.width, part.height, model_id, rule)
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
        out, _ = _render(img, name, lambda w, h: _fit_box(w, h, max_side))
    return _png_bytes(_normal_mode(out), level=6)

"""askshot.core.images: loading, refusals, fitting, token counts, encoding, thumbnails."""

from __future__ import annotations

import io
import math
import random
import statistics
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from askshot.core import images, providers
from askshot.core.errors import ImageError
from askshot.core.estimate import (
    PATCH_BUDGET,
    billed_tokens,
    fit_size,
    image_cost_usd,
)
from askshot.core.estimate import image_tokens as estimate_tokens
from askshot.core.images import (
    PreparedImage,
    encode_image,
    prepare_image,
    prepare_pil,
    thumbnail_png,
)
from askshot.core.providers import ImageRule

RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 200, 60), (30, 60, 220), (240, 220, 20)


def quadrants(size: tuple[int, int] = (64, 48)) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size, RED)
    draw = ImageDraw.Draw(img)
    draw.rectangle((w // 2, 0, w - 1, h // 2 - 1), fill=GREEN)
    draw.rectangle((0, h // 2, w // 2 - 1, h - 1), fill=BLUE)
    draw.rectangle((w // 2, h // 2, w - 1, h - 1), fill=YELLOW)
    return img


def decode(prepared: PreparedImage | bytes) -> Image.Image:
    data = prepared if isinstance(prepared, bytes) else prepared.part.data
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def close_to(a: tuple[int, ...], b: tuple[int, ...], tol: int) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def screenshot(size: tuple[int, int], bg: tuple[int, int, int] = (246, 246, 248)) -> Image.Image:
    """Flat UI colours with dense text; the lower right quarter stays empty."""
    w, h = size
    img = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w, 60), fill=(40, 44, 52))
    draw.rectangle((0, 60, 300, h), fill=(230, 232, 236))
    rnd = random.Random(1)
    words = ("the", "quick", "brown", "fox", "jumps", "lazy", "def", "class", "import", "return")
    for y in range(80, h // 2, 22):
        line = " ".join(rnd.choice(words) for _ in range(w // 90))
        draw.text((320, y), line, fill=(20, 20, 20), font_size=16)
    return img


def png_with_header(path: Path, width: int, height: int, *, mode_1bit: bool = False) -> None:
    """A valid PNG whose IHDR says width x height, built without allocating the pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    if mode_1bit:  # real zero pixels: 1 filter byte + width/8 bytes per row
        ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
        comp = zlib.compressobj(1)
        row = bytes(1 + math.ceil(width / 8))
        idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    else:  # only the header is meant to be read
        ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        idat = zlib.compress(bytes(1000))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


# --- Formats and modes -------------------------------------------------------------------------

FORMATS = [
    ("PNG", "png", {}),
    ("JPEG", "jpg", {"quality": 95}),
    ("WEBP", "webp", {"lossless": True}),
    ("GIF", "gif", {}),
    ("BMP", "bmp", {}),
    ("TIFF", "tiff", {}),
]


@pytest.mark.parametrize(("fmt", "suffix", "options"), FORMATS)
@pytest.mark.parametrize("from_bytes", [False, True])
def test_every_accepted_format_round_trips(
    tmp_path: Path, fmt: str, suffix: str, options: dict[str, object], from_bytes: bool
) -> None:
    path = tmp_path / f"picture.{suffix}"
    quadrants().save(path, fmt, **options)
    assert path.suffix in images.SUPPORTED_SUFFIXES
    source: Path | bytes = path.read_bytes() if from_bytes else path
    prepared = prepare_image(source, "o4-mini")
    assert prepared.source_name == ("Pasted image" if from_bytes else "picture." + suffix)
    assert prepared.original_size == (64, 48)
    assert prepared.part.mime == "image/png"
    out = decode(prepared)
    assert out.format == "PNG"
    assert out.size == (prepared.part.width, prepared.part.height) == (64, 48)
    tol = 6 if fmt == "JPEG" else 0
    rgb = out.convert("RGB")
    for xy, colour in [((8, 8), RED), ((56, 8), GREEN), ((8, 40), BLUE), ((56, 40), YELLOW)]:
        assert close_to(rgb.getpixel(xy), colour, tol), (xy, rgb.getpixel(xy), colour)  # type: ignore[arg-type]
    assert prepared.tokens == 2 * 2


def test_animated_gif_sends_the_first_frame(tmp_path: Path) -> None:
    path = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (40, 30), c) for c in (RED, BLUE, GREEN)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(path) as check:
        assert getattr(check, "n_frames", 1) == 3
    out = decode(prepare_image(path, "o4-mini")).convert("RGB")
    assert out.getpixel((20, 15)) == RED


def test_exif_orientation_6_is_turned_upright(tmp_path: Path) -> None:
    img = Image.new("RGB", (200, 100), RED)
    ImageDraw.Draw(img).rectangle((100, 0, 199, 99), fill=BLUE)  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = tmp_path / "phone.jpg"
    img.save(path, "JPEG", exif=exif.tobytes(), quality=95)

    prepared = prepare_image(path, "o4-mini")
    assert prepared.original_size == (100, 200)
    out = decode(prepared).convert("RGB")
    assert out.size == (100, 200)
    with Image.open(path) as reference:
        upright = ImageOps.exif_transpose(reference).convert("RGB")
    for xy in [(50, 20), (50, 180), (10, 100), (90, 100)]:
        assert close_to(out.getpixel(xy), upright.getpixel(xy), 8)  # type: ignore[arg-type]
    assert close_to(out.getpixel((50, 20)), RED, 8)  # type: ignore[arg-type]
    assert close_to(out.getpixel((50, 180)), BLUE, 8)  # type: ignore[arg-type]


def test_exif_orientation_applies_before_fitting(tmp_path: Path) -> None:
    """A tall photo stored sideways is fitted in its upright shape (and decoded via draft)."""
    exif = Image.Exif()
    exif[0x0112] = 8
    path = tmp_path / "tall.jpg"
    Image.new("RGB", (4000, 3000), GREEN).save(path, "JPEG", exif=exif.tobytes())
    prepared = prepare_image(path, "o4-mini")
    assert prepared.original_size == (3000, 4000)
    expected = fit_size(3000, 4000, "patch")
    assert (prepared.part.width, prepared.part.height) == expected
    assert decode(prepared).size == expected


def _palette_with_transparency() -> Image.Image:
    img = quadrants().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    img.info["transparency"] = img.getpixel((8, 8))
    return img


def _i16() -> Image.Image:
    img = Image.new("I;16", (32, 32), 60000)
    ImageDraw.Draw(img).rectangle((0, 0, 15, 31), fill=0)
    return img


MODES = [
    ("P+transparency", _palette_with_transparency, "PNG", "RGBA"),
    ("P", lambda: quadrants().convert("P"), "GIF", "RGB"),
    ("LA", lambda: Image.new("LA", (32, 32), (100, 128)), "PNG", "RGBA"),
    ("LA opaque", lambda: Image.new("LA", (32, 32), (100, 255)), "PNG", "RGB"),
    ("RGBA opaque", lambda: quadrants().convert("RGBA"), "PNG", "RGB"),
    ("CMYK jpeg", lambda: Image.new("CMYK", (32, 32), (0, 255, 255, 0)), "JPEG", "RGB"),
    ("CMYK tiff", lambda: Image.new("CMYK", (32, 32), (0, 255, 255, 0)), "TIFF", "RGB"),
    ("I;16", _i16, "PNG", "L"),
    ("I", lambda: _i16().convert("I"), "TIFF", "L"),
    ("F", lambda: Image.new("F", (32, 32), 0.5), "TIFF", "L"),
    ("1", lambda: Image.new("1", (32, 32), 1), "BMP", "L"),
    ("L", lambda: Image.new("L", (32, 32), 77), "PNG", "L"),
]


@pytest.mark.parametrize(("label", "make", "fmt", "out_mode"), MODES, ids=[m[0] for m in MODES])
def test_modes_are_normalised(
    tmp_path: Path, label: str, make: object, fmt: str, out_mode: str
) -> None:
    assert callable(make)
    path = tmp_path / f"mode.{fmt.lower()}"
    make().save(path, fmt)
    out = decode(prepare_image(path, "o4-mini"))
    assert out.mode == out_mode, label
    if label in ("I;16", "I"):
        assert out.getpixel((0, 0)) == 0
        assert out.getpixel((31, 0)) == 60000 // 257  # scaled, not clipped to 255
    if label == "F":
        assert out.getpixel((0, 0)) in (127, 128)
    if label.startswith("CMYK"):
        assert close_to(out.getpixel((5, 5)), (255, 0, 0), 2)  # type: ignore[arg-type]


def test_rgba_keeps_alpha_in_png(tmp_path: Path) -> None:
    img = Image.new("RGBA", (40, 40), (10, 20, 30, 0))
    ImageDraw.Draw(img).rectangle((0, 0, 19, 39), fill=(200, 100, 50, 128))
    path = tmp_path / "alpha.png"
    img.save(path)
    prepared = prepare_image(path, "o4-mini")
    assert prepared.part.mime == "image/png"
    out = decode(prepared)
    assert out.mode == "RGBA"
    assert out.getpixel((5, 5)) == (200, 100, 50, 128)
    assert out.getpixel((30, 5))[3] == 0  # type: ignore[index]


def test_rgba_to_jpeg_is_flattened_on_white() -> None:
    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle((32, 0, 63, 63), fill=(0, 0, 0, 128))
    part = encode_image(img, "jpeg")
    assert part.mime == "image/jpeg"
    out = decode(part.data)
    assert out.mode == "RGB"
    assert close_to(out.getpixel((8, 32)), (255, 255, 255), 2)  # type: ignore[arg-type]
    assert close_to(out.getpixel((56, 32)), (127, 127, 127), 3)  # type: ignore[arg-type]


def test_photographic_rgba_goes_jpeg_flattened() -> None:
    alpha = Image.new("L", (400, 300), 255)
    texture = [
        Image.effect_noise((400, 300), 80).filter(ImageFilter.GaussianBlur(1)) for _ in "RGB"
    ]
    img = Image.merge("RGBA", [*texture, alpha])
    ImageDraw.Draw(img).rectangle((0, 0, 199, 299), fill=(0, 0, 0, 0))
    prepared = prepare_pil(img, "o4-mini", name="noisy")
    assert prepared.part.mime == "image/jpeg"
    out = decode(prepared)
    assert out.size == (400, 300)
    assert close_to(out.getpixel((50, 150)), (255, 255, 255), 3)  # type: ignore[arg-type]


# --- Refusals ----------------------------------------------------------------------------------


def refused(source: Path | bytes, name: str | None = None) -> ImageError:
    with pytest.raises(ImageError) as caught:
        prepare_image(source, "o4-mini", name=name)
    assert caught.value.kind == "image"
    return caught.value


def test_missing_file_is_refused_by_name(tmp_path: Path) -> None:
    err = refused(tmp_path / "nowhere.png")
    assert "nowhere.png" in str(err) and "not found" in str(err)


def test_directory_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "holiday.png").mkdir()
    err = refused(tmp_path / "holiday.png")
    assert "holiday.png" in str(err) and "folder" in str(err)


def test_empty_file_and_empty_bytes_are_refused(tmp_path: Path) -> None:
    (tmp_path / "blank.png").write_bytes(b"")
    assert "blank.png is empty" in str(refused(tmp_path / "blank.png"))
    assert "clipboard.png is empty" in str(refused(b"", name="clipboard.png"))


def test_truncated_image_is_refused_as_damaged(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.effect_noise((300, 300), 50).save(buf, "PNG")
    data = buf.getvalue()
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    err = refused(path)
    assert "cut.png" in str(err) and "damaged" in str(err)


def test_corrupt_header_is_refused_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff" + bytes(random.Random(3).randbytes(500)))
    err = refused(path)
    assert "broken.jpg" in str(err) and "damaged" in str(err)


def test_text_file_is_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some words\n" * 20)
    err = refused(path)
    assert "notes.txt is not an image" in str(err)
    assert "Pasted image is not an image" in str(refused(b"hello world, not a picture"))


def test_unsupported_image_format_is_named(tmp_path: Path) -> None:
    path = tmp_path / "scan.ppm"
    quadrants().save(path, "PPM")
    err = refused(path)
    assert "scan.ppm is a PPM image" in str(err) and "PNG, JPEG" in str(err)


def test_decompression_bomb_is_refused_fast_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    png_with_header(path, 20_000, 20_000)
    start = time.perf_counter()
    err = refused(path)
    assert time.perf_counter() - start < 0.5
    assert str(err) == (
        "photo.png is 400 megapixels; Askshot accepts images up to "
        f"{images.MAX_MEGAPIXELS} megapixels."
    )
    assert Image.MAX_IMAGE_PIXELS == 89_478_485  # Pillow's global is left alone


def test_image_in_pillows_warning_band_is_refused_without_a_warning(tmp_path: Path) -> None:
    """130 MP: Pillow only warns (pytest turns warnings into errors); our limit refuses it."""
    path = tmp_path / "wide.png"
    png_with_header(path, 13_000, 10_000)
    assert Image.MAX_IMAGE_PIXELS is not None
    assert Image.MAX_IMAGE_PIXELS < 130_000_000 < 2 * Image.MAX_IMAGE_PIXELS
    start = time.perf_counter()
    err = refused(path)
    assert time.perf_counter() - start < 0.5
    assert "wide.png is 130 megapixels" in str(err)


def test_image_over_pillows_warning_limit_but_under_ours_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    png_with_header(path, 10_000, 9_500, mode_1bit=True)  # 95 MP > Pillow's 89.5 MP
    prepared = prepare_image(path, "o4-mini")
    assert prepared.original_size == (10_000, 9_500)
    assert decode(prepared).size == fit_size(10_000, 9_500, "patch")


def test_prepare_pil_refuses_oversized_images() -> None:
    class Huge:
        size = (20_000, 10_000)

    with pytest.raises(ImageError, match="capture is 200 megapixels"):
        prepare_pil(Huge(), "o4-mini", name="capture")  # type: ignore[arg-type]


def test_model_without_vision_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    blind = providers.Model(
        id="text-only",
        reasoning=False,
        vision=False,
        context_window=1000,
        max_output=100,
        price=None,
        image_rule="none",
    )
    monkeypatch.setitem(providers.MODELS, "text-only", blind)
    with pytest.raises(ImageError, match=r"shot\.png can't be sent: text-only"):
        prepare_pil(quadrants(), "text-only", name="shot.png")


# --- Fitting and tokens ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "fitted", "tokens"),
    [
        ((3840, 2160), (1649, 928), 52 * 29),
        ((1920, 1080), (1649, 928), 52 * 29),
        ((1800, 2400), (1056, 1408), 1452),  # OpenAI's worked example
        ((1024, 1024), (1024, 1024), 1024),  # OpenAI's worked example
        ((1000, 1000), (1000, 1000), 32 * 32),
        ((5000, 5000), (1248, 1248), 39 * 39),
        ((2048, 768), (2048, 768), 1536),
        ((100, 100), (100, 100), 16),  # never enlarged
        ((32, 100_000), (15, 49_152), 1536),  # extreme aspect
        ((100_000, 32), (49_152, 15), 1536),
    ],
)
def test_patch_fit_for_o4_mini(size: tuple[int, int], fitted: tuple[int, int], tokens: int) -> None:
    assert fit_size(*size, "patch") == fitted
    assert estimate_tokens(*size, "o4-mini") == tokens <= PATCH_BUDGET


@pytest.mark.parametrize(
    ("size", "fitted", "tiles"),
    [
        ((4096, 2048), (1536, 768), 3 * 2),
        ((2048, 4096), (768, 1536), 2 * 3),  # OpenAI's worked example (4o: 1105 tokens)
        ((1024, 1024), (768, 768), 2 * 2),  # OpenAI's worked example (4o: 765 tokens)
        ((3840, 2160), (1365, 768), 3 * 2),
        ((512, 512), (512, 512), 1),
        ((100, 100), (100, 100), 1),
    ],
)
def test_tile_fit_for_gpt_4o_mini(
    size: tuple[int, int], fitted: tuple[int, int], tiles: int
) -> None:
    assert fit_size(*size, "tile") == fitted
    assert estimate_tokens(*size, "gpt-4o-mini") == 2833 + 5667 * tiles
    assert estimate_tokens(*size, "gpt-4o") == 85 + 170 * tiles


def test_fit_properties_over_many_sizes() -> None:
    rules: tuple[ImageRule, ...] = ("patch", "tile", "none")
    rnd = random.Random(7)
    for _ in range(3000):
        w = rnd.randint(1, 64) if rnd.random() < 0.2 else rnd.randint(1, 30_000)
        h = rnd.randint(1, 30_000)
        for rule in rules:
            fw, fh = fit_size(w, h, rule)
            assert 1 <= fw <= w and 1 <= fh <= h, (w, h, rule)
            assert fit_size(fw, fh, rule) == (fw, fh), (w, h, rule)  # the server keeps it
            if min(fw, fh) > 32:  # aspect ratio kept to within rounding
                assert abs(fw / fh - w / h) <= (w / h) * 2 / min(fw, fh), (w, h, rule)
            if rule == "patch":
                assert math.ceil(fw / 32) * math.ceil(fh / 32) <= PATCH_BUDGET, (w, h)
        assert estimate_tokens(w, h, "o4-mini") <= PATCH_BUDGET


def test_fit_size_rejects_empty_sizes() -> None:
    with pytest.raises(ValueError):
        fit_size(0, 10, "patch")


def test_billing_multiplier_and_cost() -> None:
    assert billed_tokens(1024, "o4-mini") == math.ceil(1024 * 1.72)
    assert billed_tokens(1024, "openai/o4-mini-2025-04-16") == math.ceil(1024 * 1.72)
    assert billed_tokens(36835, "gpt-4o-mini") == 36835
    cost = image_cost_usd(1536, "o4-mini")
    assert cost == pytest.approx(math.ceil(1536 * 1.72) * 1.10 / 1_000_000)
    assert image_cost_usd(36835, "gpt-4o-mini") == pytest.approx(36835 * 0.15 / 1_000_000)
    assert image_cost_usd(100, "some-unknown-model") is None


@pytest.mark.parametrize("model_id", ["o4-mini", "gpt-4o-mini"])
@pytest.mark.parametrize("size", [(3000, 1000), (1000, 3000), (700, 500), (2600, 2600)])
def test_encoded_bytes_decode_to_the_fitted_size(model_id: str, size: tuple[int, int]) -> None:
    prepared = prepare_pil(quadrants(size), model_id, name="shot")
    rule = providers.model(model_id).image_rule
    fitted = fit_size(*size, rule)
    assert (prepared.part.width, prepared.part.height) == fitted
    assert decode(prepared).size == fitted
    assert prepared.tokens == estimate_tokens(*size, model_id)
    assert prepared.original_size == size


# --- Encoding ----------------------------------------------------------------------------------


def test_screenshot_stays_png_and_flat_colour_is_exact() -> None:
    bg = (37, 99, 235)
    img = screenshot((2560, 1440), bg)
    prepared = prepare_pil(img, "o4-mini", name="capture")
    assert prepared.part.mime == "image/png"
    out = decode(prepared)
    assert out.size == fit_size(2560, 1440, "patch") != (2560, 1440)
    w, h = out.size
    flat = out.crop((w * 3 // 4, h * 3 // 4, w - 2, h - 2))
    assert flat.getcolors() == [(flat.width * flat.height, bg)]
    header = out.crop((0, 0, w, 10))
    assert header.getcolors() == [(header.width * header.height, (40, 44, 52))]


def test_photo_like_image_goes_jpeg_and_is_smaller() -> None:
    rnd = random.Random(5)
    base = Image.linear_gradient("L").resize((1200, 900)).convert("RGB")
    noise = Image.effect_noise((1200, 900), 40).convert("RGB")
    photo = Image.blend(base, noise, 0.5)
    ImageDraw.Draw(photo).ellipse((200, 200, 700, 600), fill=(rnd.randint(0, 255), 90, 40))
    prepared = prepare_pil(photo, "o4-mini", name="photo")
    assert prepared.part.mime == "image/jpeg"
    assert decode(prepared).size == fit_size(1200, 900, "patch")
    png = encode_image(photo, "png")
    assert len(prepared.part.data) * 2 <= len(png.data)


def test_encode_image_png_is_lossless() -> None:
    img = Image.effect_noise((123, 77), 60).convert("RGB")
    part = encode_image(img, "png")
    assert decode(part.data).tobytes() == img.tobytes()
    gray = Image.effect_noise((50, 9), 60)
    assert decode(encode_image(gray, "png").data).tobytes() == gray.tobytes()


def test_prepare_pil_leaves_the_input_alone() -> None:
    img = quadrants((3000, 2000)).convert("RGBA")
    before = img.tobytes()
    prepare_pil(img, "o4-mini", name="capture")
    assert img.mode == "RGBA" and img.size == (3000, 2000) and img.tobytes() == before


def test_prepare_pil_does_not_draft_a_lazy_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "camera.jpg"
    quadrants((3000, 2000)).save(path, "JPEG")
    with Image.open(path) as lazy:
        prepared = prepare_pil(lazy, "o4-mini", name="camera.jpg")
        assert lazy.size == (3000, 2000)
    assert prepared.original_size == (3000, 2000)


def test_4k_screenshot_is_prepared_quickly() -> None:
    img = screenshot((3840, 2160))
    prepare_pil(img, "o4-mini", name="warm-up")
    times = []
    for _ in range(3):
        start = time.perf_counter()
        prepared = prepare_pil(img, "o4-mini", name="capture")
        times.append(time.perf_counter() - start)
    assert prepared.part.mime == "image/png"
    assert statistics.median(times) < 0.35, times


# --- Thumbnails --------------------------------------------------------------------------------


def test_thumbnail_fits_keeps_alpha_and_never_enlarges() -> None:
    buf = io.BytesIO()
    Image.new("RGBA", (1000, 500), (10, 200, 30, 100)).save(buf, "PNG")
    thumb = decode(thumbnail_png(buf.getvalue()))
    assert thumb.format == "PNG" and thumb.size == (256, 128) and thumb.mode == "RGBA"
    assert close_to(thumb.getpixel((10, 10)), (10, 200, 30, 100), 3)  # type: ignore[arg-type]
    assert thumb.getpixel((10, 10))[3] == 100  # type: ignore[index]

    buf = io.BytesIO()
    quadrants((50, 30)).save(buf, "JPEG")
    assert decode(thumbnail_png(buf.getvalue(), max_side=64)).size == (50, 30)


def test_thumbnail_is_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    Image.new("RGB", (1200, 600), RED).save(buf, "JPEG", exif=exif.tobytes())
    assert decode(thumbnail_png(buf.getvalue(), 100)).size == (50, 100)


def test_thumbnail_refuses_garbage() -> None:
    with pytest.raises(ImageError, match="not an image"):
        thumbnail_png(b"definitely not a picture")

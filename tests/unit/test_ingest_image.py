"""Image loader on images generated in the test: every format, multi-page TIFF, EXIF rotation, scaling, colour modes,
and the files that must be refused (truncated, empty, bombs)."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from pipeline.config import IngestConfig
from pipeline.errors import InputError
from pipeline.ingest.archive import make_source
from pipeline.ingest.image import DEFAULT_DPI, ImageLoader
from pipeline.types import PageKind

CONFIG = IngestConfig()
LOADER = ImageLoader()


def _load(data: bytes, name="img", config=CONFIG):
    return LOADER(data, make_source(name, data), config)


def _save(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _pattern(w=120, h=80) -> Image.Image:
    """Red top-left quadrant, blue elsewhere: orientation and channel order are both visible."""
    a = np.zeros((h, w, 3), np.uint8)
    a[:] = (0, 0, 255)
    a[: h // 2, : w // 2] = (255, 0, 0)
    return Image.fromarray(a)


def _is_red(px) -> bool:
    b, g, r = (int(v) for v in px)
    return r > 200 and g < 60 and b < 60


@pytest.mark.parametrize("fmt,kw", [("JPEG", {"quality": 95}), ("PNG", {}), ("TIFF", {}), ("BMP", {}),
                                    ("WEBP", {"lossless": True}), ("GIF", {})])
def test_each_format_opens_as_one_upright_bgr_page(fmt, kw):
    loaded = _load(_save(_pattern(), fmt, **kw), f"x.{fmt.lower()}")
    assert loaded.page_count == 1
    page = loaded.page(0)
    assert page.kind == PageKind.scanned and page.lines == () and (page.width, page.height) == (120, 80)
    img = page.image()
    assert img.shape == (80, 120, 3) and img.dtype == np.uint8
    assert _is_red(img[10, 10]) and not _is_red(img[70, 110])


def test_format_comes_from_the_content_not_the_extension():
    page = _load(_save(_pattern(), "GIF"), "receipt.jpg").page(0)
    assert "GIF" in page.engine and _is_red(page.image()[5, 5])


def test_multi_page_tiff_gives_one_page_per_frame():
    frames = [_pattern(100, 60), _pattern(60, 100), Image.new("L", (50, 50), 128)]
    data = _save(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    loaded = _load(data, "scan.tif")
    assert loaded.page_count == 3
    assert [(p.width, p.height) for p in loaded.pages()] == [(100, 60), (60, 100), (50, 50)]
    assert loaded.page(2).image().shape == (50, 50, 3) and int(loaded.page(2).image()[0, 0, 0]) == 128


def test_animated_gif_keeps_its_first_frame_and_says_so():
    frames = [_pattern(), Image.new("RGB", (120, 80), (0, 255, 0))]
    data = _save(frames[0], "GIF", save_all=True, append_images=frames[1:])
    loaded = _load(data)
    assert loaded.page_count == 1 and "first frame of 2" in loaded.page(0).engine
    assert _is_red(loaded.page(0).image()[5, 5])


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display turned 90 degrees clockwise
    data = _save(_pattern(120, 80), "JPEG", quality=95, exif=exif)
    page = _load(data, "phone.jpg").page(0)
    assert (page.width, page.height) == (80, 120)
    img = page.image()
    assert img.shape == (120, 80, 3)
    assert _is_red(img[10, 70]) and not _is_red(img[10, 10])  # the red quadrant moved to the top right


def test_large_photo_is_scaled_down_and_its_dpi_follows():
    big = Image.new("RGB", (4000, 1000), (255, 255, 255))
    page = _load(_save(big, "PNG", dpi=(300, 300)), config=CONFIG.model_copy(update={"max_image_side": 1000})).page(0)
    assert (page.width, page.height) == (1000, 250) and page.dpi == pytest.approx(75)
    assert page.image().shape == (250, 1000, 3)


def test_large_jpeg_is_decoded_in_draft_mode_to_the_exact_page_size():
    im = _pattern(3000, 2000)
    page = _load(_save(im, "JPEG", quality=90), config=CONFIG.model_copy(update={"max_image_side": 700})).page(0)
    assert (page.width, page.height) == (700, 467) and page.dpi == pytest.approx(DEFAULT_DPI * 700 / 3000)
    img = page.image()
    assert img.shape == (467, 700, 3) and _is_red(img[50, 50])


def test_dpi_is_taken_from_the_file_when_plausible_else_assumed():
    assert _load(_save(_pattern(), "PNG", dpi=(300, 300))).page(0).dpi == pytest.approx(300)
    loaded = _load(_save(_pattern(), "JPEG", dpi=(72, 72)))  # the default every camera and screen writes
    assert loaded.page(0).dpi == DEFAULT_DPI
    assert dict((kv.key, kv.value) for kv in loaded.metadata)["dpi_source"].startswith("assumed")


def test_palette_png_with_transparency_is_composited_on_white():
    im = Image.new("P", (40, 40), 0)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    im.paste(1, (0, 0, 20, 40))
    img = _load(_save(im, "PNG", transparency=0)).page(0).image()
    assert _is_red(img[20, 5]) and (img[20, 30] == 255).all()


def test_alpha_greyscale_16_bit_and_cmyk_become_bgr_uint8():
    rgba = Image.new("RGBA", (10, 10), (255, 0, 0, 0))
    assert (_load(_save(rgba, "PNG")).page(0).image() == 255).all()
    grey16 = Image.fromarray(np.full((10, 10), 65535 // 2, np.uint16))
    img = _load(_save(grey16, "PNG")).page(0).image()
    assert img.dtype == np.uint8 and 120 <= int(img[0, 0, 0]) <= 135
    cmyk = Image.new("CMYK", (10, 10), (0, 255, 255, 0))  # red in CMYK
    assert _is_red(_load(_save(cmyk, "JPEG", quality=95)).page(0).image()[5, 5])


def test_pixels_are_decoded_only_when_the_image_is_asked_for():
    page = _load(_save(_pattern(), "PNG")).page(0)
    assert page.has_image and "image" not in page._cache
    page.image()
    assert "image" in page._cache


def test_truncated_jpeg_is_refused_at_open():
    data = _save(_pattern(400, 300), "JPEG", quality=90)
    with pytest.raises(InputError, match="truncated") as err:
        _load(data[: len(data) // 2], "cut.jpg")
    assert err.value.file == "cut.jpg"


def test_truncated_png_is_refused_at_open():
    data = _save(Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), np.uint8)), "PNG")
    with pytest.raises(InputError, match="not a readable image"):
        _load(data[: len(data) // 2])


def test_truncated_bmp_fails_when_decoded_naming_the_file():
    data = _save(_pattern(200, 200), "BMP")
    with pytest.raises(InputError) as err:
        _load(data[: len(data) // 2], "cut.bmp").page(0).image()
    assert err.value.file == "cut.bmp"


def test_empty_and_garbage_files_are_refused():
    with pytest.raises(InputError, match="empty"):
        _load(b"")
    with pytest.raises(InputError, match="not a readable image"):
        _load(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)


def test_images_over_the_pixel_limit_are_refused():
    with pytest.raises(InputError, match="decompression bomb"):
        _load(_save(_pattern(2000, 1000), "PNG"), config=CONFIG.model_copy(update={"max_image_pixels": 1_000_000}))


def _png_header_only(w: int, h: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + \
        chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_bomb_header_claiming_ten_gigapixels_is_refused_without_decoding():
    with pytest.raises(InputError, match="bomb"):
        _load(_png_header_only(100_000, 100_000))

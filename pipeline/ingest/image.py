"""Image loader: JPEG, PNG, TIFF (one page per frame), BMP, WebP and GIF (first frame) become scanned pages for OCR.

The format is read from the content (a ``.jpg`` holding GIF data opens as GIF). Opening a file reads its header only:
size, frames, orientation and resolution are checked there, so a corrupt, truncated or oversized file fails at open
with an :class:`InputError` naming it. Pixels are decoded when a page's image is asked for, then:

- turned upright by the EXIF orientation;
- converted to BGR uint8 (palette, alpha composited on white, 16-bit, greyscale, CMYK);
- scaled down (area averaging) when the long side exceeds ``config.max_image_side``; the page's ``dpi`` is the file's
  resolution when given and plausible, else 200 (a typical scan), times the scale factor. 72 and 96 dpi are not
  plausible: cameras, phones and screenshot tools write them whatever the picture shows (every phone photo and screen
  capture among the real samples says 72), so they are treated as absent. The file's metadata says which was used.

Multi-frame GIF, WebP and MPO files keep their first frame only (the page's ``engine`` says so); only TIFF frames are
pages.
"""

from __future__ import annotations

import io
import math
import warnings

import cv2
import numpy as np
import PIL
from PIL import Image, ImageOps

from pipeline.config import IngestConfig
from pipeline.errors import InputError
from pipeline.ingest.base import LoadedFile, RasterPage
from pipeline.ingest.sniff import IMAGE_TYPES
from pipeline.types import KeyValue, PageKind, SourceFile

ENGINE = f"pillow {PIL.__version__}"
DEFAULT_DPI = 200.0  # assumed for images that do not say (most are scans or photos of A4 pages)
_MIN_DPI, _MAX_DPI = 100.0, 2400.0  # below 100: the 72/96 dpi defaults of cameras and screens, not a resolution
_SWAPS_AXES = {5, 6, 7, 8}  # EXIF orientations that turn the image by 90 or 270 degrees
_EXIF_ORIENTATION = 0x0112


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a broken EXIF block is not worth rejecting the photo for
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _file_dpi(im: Image.Image) -> float | None:
    dpi = im.info.get("dpi")
    try:
        x = float(dpi[0]) if isinstance(dpi, tuple) else float(dpi)
    except (TypeError, ValueError, IndexError):
        return None
    x = round(x, 1)  # PNG stores pixels per metre: 300 dpi reads back as 299.9994
    return x if _MIN_DPI <= x <= _MAX_DPI else None


def _jpeg_complete(data: bytes) -> bool:
    """A JPEG whose last scan is followed by an end-of-image marker (entropy-coded data cannot contain FF D9)."""
    last_scan = data.rfind(b"\xff\xda")
    return last_scan >= 0 and data.find(b"\xff\xd9", last_scan) >= 0


def to_bgr(im: Image.Image) -> np.ndarray:
    """Any Pillow mode -> BGR uint8; transparency composited on white; 16/32-bit and float scaled to 8 bits."""
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        a = np.asarray(im, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or (mode == "I" and a.max(initial=0) > 255) else 255.0
        if mode == "F" and a.max(initial=0) <= 1.0:
            top = 1.0
        gray = np.clip(a / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode in ("1", "L"):
        return cv2.cvtColor(np.asarray(im.convert("L")), cv2.COLOR_GRAY2BGR)
    elif mode in ("LA", "La", "PA", "RGBa"):
        im = im.convert("RGBA")
    elif mode not in ("RGB", "RGBA"):  # CMYK, YCbCr, LAB, HSV ...
        im = im.convert("RGB")
    arr = np.asarray(im)
    if arr.shape[2] == 4:  # composite on white
        alpha = arr[..., 3:4].astype(np.float32) / 255.0
        rgb = arr[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        arr = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    return cv2.cvtColor(np.ascontiguousarray(arr[..., :3]), cv2.COLOR_RGB2BGR)


def _target_size(w: int, h: int, max_side: int) -> tuple[int, int, float]:
    long_side = max(w, h)
    if long_side <= max_side:
        return w, h, 1.0
    f = max_side / long_side
    return max(1, round(w * f)), max(1, round(h * f)), f


class ImageLoader:
    name = "image"
    media_types = IMAGE_TYPES

    def __call__(self, data: bytes, source: SourceFile, config: IngestConfig) -> LoadedFile:
        if not data:
            raise InputError(source.id, "the file is empty")
        try:
            im = _open(data)
            fmt = im.format or "image"
            frames = getattr(im, "n_frames", 1) if fmt == "TIFF" else 1
            all_frames = getattr(im, "n_frames", 1)
            if fmt == "PNG":
                im.verify()  # chunk CRCs and structure, without decompressing
        except Image.DecompressionBombError as exc:
            raise InputError(source.id, f"image too large, refused as a decompression bomb ({exc})") from exc
        except Exception as exc:  # Pillow raises UnidentifiedImageError, OSError, SyntaxError, struct.error ...
            raise InputError(source.id, f"not a readable image ({type(exc).__name__}: {exc})") from exc
        if fmt in ("JPEG", "MPO") and not _jpeg_complete(data):
            raise InputError(source.id, "the JPEG is truncated (no end-of-image marker after its last scan)")
        if frames > config.max_pages_per_file:
            limit = config.max_pages_per_file
            raise InputError(source.id, f"the TIFF has {frames} pages, more than the limit of {limit}")
        note = f"{ENGINE}; {fmt}"
        if all_frames > 1 and frames == 1:
            note += f"; first frame of {all_frames} only (animated or multi-image file)"
        geometry = [self._geometry(data, source, config, i) for i in range(frames)]
        dpi_source = "file" if geometry[0][4] else f"assumed {DEFAULT_DPI:.0f} (the file gives none or a default)"
        meta = (
            KeyValue(key="format", value=fmt),
            KeyValue(key="frames", value=str(all_frames)),
            KeyValue(key="dpi_source", value=dpi_source),
        )

        def render(index: int) -> RasterPage:
            width, height, dpi, _, _ = geometry[index]

            def load_image() -> np.ndarray:
                return self._decode(data, source, config, index, (width, height))

            return RasterPage(file_id=source.id, index=index, width=width, height=height, dpi=dpi,
                              kind=PageKind.scanned, image_loader=load_image, engine=note)

        return LoadedFile(source=source, page_count=frames, render=render, metadata=meta)

    @staticmethod
    def _geometry(data: bytes, source: SourceFile, config: IngestConfig, index: int
                  ) -> tuple[int, int, float, float, bool]:
        """(width, height, dpi, scale, dpi from the file?) of frame ``index`` upright and scaled, from its header."""
        try:
            im = _open(data)
            im.seek(index)
            w, h = im.size
            orientation, dpi = _orientation(im), _file_dpi(im)
        except Exception as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise InputError(source.id, f"page {index + 1} of the image cannot be read ({why})") from exc
        if w <= 0 or h <= 0:
            raise InputError(source.id, f"page {index + 1} of the image is empty ({w}x{h})")
        if w * h > config.max_image_pixels:
            limit = config.max_image_pixels
            raise InputError(source.id, f"image of {w}x{h} pixels is over the limit of {limit} (decompression bomb?)")
        if orientation in _SWAPS_AXES:
            w, h = h, w
        tw, th, f = _target_size(w, h, config.max_image_side)
        return tw, th, (dpi or DEFAULT_DPI) * f, f, dpi is not None

    @staticmethod
    def _decode(data: bytes, source: SourceFile, config: IngestConfig, index: int, size: tuple[int, int]) -> np.ndarray:
        try:
            im = _open(data)
            im.seek(index)
            if im.format in ("JPEG", "MPO") and max(size) < max(im.size):
                # decode at 1/2, 1/4 or 1/8 scale directly when the page is scaled down anyway
                im.draft("RGB" if im.mode not in ("L", "CMYK") else im.mode, _draft_request(im, size))
            im = ImageOps.exif_transpose(im)
            bgr = to_bgr(im)
        except Exception as exc:  # truncated data, bad Huffman tables, unsupported modes ...
            why = f"{type(exc).__name__}: {exc}"
            raise InputError(source.id, f"page {index + 1}: image data cannot be decoded ({why})") from exc
        if (bgr.shape[1], bgr.shape[0]) != size:
            bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
        return bgr


def _draft_request(im: Image.Image, upright_size: tuple[int, int]) -> tuple[int, int]:
    """The draft size in the file's own (not yet turned) axes, at least the target size on both axes."""
    w, h = upright_size
    if _orientation(im) in _SWAPS_AXES:
        w, h = h, w
    return max(1, math.ceil(w)), max(1, math.ceil(h))

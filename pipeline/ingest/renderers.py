"""PDF page renderers behind one interface: PyMuPDF (default) and pdf2image (poppler's ``pdftoppm``)."""

from __future__ import annotations

import shutil
from typing import Protocol

import numpy as np
import pymupdf

from pipeline.errors import ConfigError


class PdfRenderer(Protocol):
    name: str

    @classmethod
    def is_available(cls) -> bool: ...

    def render(self, doc: pymupdf.Document, data: bytes, index: int, dpi: int) -> np.ndarray:
        """Page ``index`` (0-based) as an upright BGR uint8 array at ``dpi``."""
        ...


class PyMuPdfRenderer:
    name = "pymupdf"

    @classmethod
    def is_available(cls) -> bool:
        return True

    def render(self, doc: pymupdf.Document, data: bytes, index: int, dpi: int) -> np.ndarray:
        pix = doc[index].get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB, alpha=False)
        rgb = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)
        return np.ascontiguousarray(rgb[:, :, ::-1])


class Pdf2ImageRenderer:
    """Poppler through pdf2image: a second opinion on PDFs MuPDF draws badly."""

    name = "pdf2image"

    @classmethod
    def is_available(cls) -> bool:
        try:
            import pdf2image  # noqa: F401
        except ImportError:
            return False
        return shutil.which("pdftoppm") is not None

    def render(self, doc: pymupdf.Document, data: bytes, index: int, dpi: int) -> np.ndarray:
        from pdf2image import convert_from_bytes

        images = convert_from_bytes(data, dpi=dpi, first_page=index + 1, last_page=index + 1, fmt="ppm")
        rgb = np.asarray(images[0].convert("RGB"))
        return np.ascontiguousarray(rgb[:, :, ::-1])


RENDERERS: dict[str, type] = {r.name: r for r in (PyMuPdfRenderer, Pdf2ImageRenderer)}


def get_renderer(name: str) -> PdfRenderer:
    try:
        cls = RENDERERS[name]
    except KeyError:
        raise ConfigError(f"unknown PDF renderer {name!r}; valid: {', '.join(sorted(RENDERERS))}") from None
    if not cls.is_available():
        raise ConfigError(
            f"PDF renderer {name!r} is not available here (pdf2image needs the pdf2image package and poppler's "
            "pdftoppm: apt-get install poppler-utils)"
        )
    return cls()

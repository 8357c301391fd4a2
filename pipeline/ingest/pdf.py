"""PDF loader: PyMuPDF opens the file and reads its text layer; a renderer (PyMuPDF or pdf2image/poppler) rasterises.

A page keeps its text layer, and skips OCR, when the layer is *usable* (see :func:`text_layer_quality`):

- at least ``text_layer_min_chars`` visible characters (invisible text, render mode 3 as scanners' OCR layers use, is
  ignored: a page whose only text is invisible is treated as scanned and OCR'd by us);
- at least ``text_layer_min_quality`` of them are characters real documents print (CJK, Latin, digits, punctuation,
  full-width forms); a layer full of U+FFFD, private-use code points or Latin-1 mojibake from a font without a
  ToUnicode map is garbage, and the page goes to OCR.
"""

from __future__ import annotations

import threading
import unicodedata

import numpy as np
import pymupdf

from pipeline.config import IngestConfig
from pipeline.errors import InputError
from pipeline.ingest.base import LoadedFile, RasterPage
from pipeline.ingest.renderers import PdfRenderer, get_renderer
from pipeline.ingest.sniff import PDF
from pipeline.types import BBox, KeyValue, PageKind, Provenance, SourceFile, TextLine, TextSource

ENGINE = f"pymupdf {pymupdf.VersionBind}"
_PROVENANCE = Provenance(stage="ingest", engine="pymupdf", version=pymupdf.VersionBind)

# MuPDF keeps per-document state; one lock per open document serialises access to it.


def _good_char(ch: str) -> bool:
    o = ord(ch)
    if ch.isspace():
        return True
    if 0x20 <= o < 0x7F:  # ASCII printable
        return True
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:  # CJK unified ideographs (+ ext A)
        return True
    if 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF:  # CJK punctuation, full-width forms
        return True
    if ch in "¥￥×·—–‘’“”…※○●□■√№°±%‰":
        return True
    cat = unicodedata.category(ch)
    return cat.startswith("P") and o < 0x2E80


def text_layer_quality(text: str) -> tuple[int, float]:
    """(visible characters, share of them that are characters documents really print)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0, 0.0
    return len(chars), sum(map(_good_char, chars)) / len(chars)


def _visible_lines(page: pymupdf.Page, scale: float) -> list[tuple[str, BBox]]:
    """Text lines of the page's layer with boxes in upright page pixels, skipping invisible (alpha 0) spans."""
    out: list[tuple[str, BBox]] = []
    matrix = page.rotation_matrix * pymupdf.Matrix(scale, scale)
    for block in page.get_text("dict", flags=pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP)["blocks"]:
        for line in block.get("lines", ()):
            spans = [s for s in line["spans"] if s.get("alpha", 255) > 0 and s["text"].strip()]
            if not spans:
                continue
            text = unicodedata.normalize("NFKC", "".join(s["text"] for s in spans)).strip()
            if not text:
                continue
            rect = pymupdf.Rect()
            for s in spans:
                rect |= pymupdf.Rect(s["bbox"])
            r = rect * matrix
            r.normalize()
            out.append((text, BBox(x0=r.x0, y0=r.y0, x1=r.x1, y1=r.y1)))
    return out


class PdfLoader:
    name = "pdf"
    media_types = (PDF,)

    def __init__(self, renderer: str | PdfRenderer = "pymupdf") -> None:
        self.renderer = get_renderer(renderer) if isinstance(renderer, str) else renderer

    def __call__(self, data: bytes, source: SourceFile, config: IngestConfig) -> LoadedFile:
        try:
            doc = pymupdf.open(stream=data, filetype="pdf")
        except Exception as exc:  # MuPDF raises FileDataError, RuntimeError, ValueError for broken files
            raise InputError(source.id, f"not a readable PDF ({exc})") from exc
        if doc.needs_pass:
            doc.close()
            raise InputError(source.id, "the PDF is encrypted and needs a password")
        if doc.page_count == 0:
            doc.close()
            raise InputError(source.id, "the PDF has no pages")
        if doc.page_count > config.max_pages_per_file:
            n = doc.page_count
            doc.close()
            raise InputError(source.id, f"the PDF has {n} pages, more than the limit of {config.max_pages_per_file}")

        lock = threading.Lock()
        meta = tuple(
            KeyValue(key=k, value=str(v)) for k, v in sorted((doc.metadata or {}).items()) if v not in (None, "")
        )
        meta += (KeyValue(key="pdf_incremental_updates", value=str(max(0, _count_xref_sections(data) - 1))),)

        def render(index: int) -> RasterPage:
            with lock:
                try:
                    page = doc[index]
                    scale = config.dpi / 72.0
                    pixels = (page.rect * pymupdf.Matrix(scale, scale)).irect  # page.rect is already rotated
                    width, height = max(1, pixels.width), max(1, pixels.height)  # what the renderer will produce
                    lines = _visible_lines(page, scale)
                except Exception as exc:
                    raise InputError(source.id, f"page {index + 1} cannot be read ({exc})") from exc
            n_chars, quality = text_layer_quality("".join(t for t, _ in lines))
            digital = n_chars >= config.text_layer_min_chars and quality >= config.text_layer_min_quality
            text_lines = tuple(
                TextLine(text=t, bbox=b, confidence=1.0, source=TextSource.text_layer, provenance=_PROVENANCE)
                for t, b in lines
            ) if digital else ()

            def load_image() -> np.ndarray:
                with lock:
                    return self.renderer.render(doc, data, index, config.dpi)

            return RasterPage(
                file_id=source.id,
                index=index,
                width=width,
                height=height,
                dpi=float(config.dpi),
                kind=PageKind.digital if digital else PageKind.scanned,
                image_loader=load_image,
                lines=text_lines,
                engine=ENGINE if digital else f"{ENGINE}; render {self.renderer.name}",
            )

        return LoadedFile(source=source, page_count=doc.page_count, render=render, metadata=meta, close=doc.close)


def _count_xref_sections(data: bytes) -> int:
    """How many cross-reference sections the file has: more than one means it was updated after it was written."""
    return max(1, data.count(b"startxref"))

"""Writing a rendered document and its label: single raster pages as JPEG (scans, photos) or PNG (clean, grey, fax),
several raster pages as an image-only PDF (like a scanner's output), digital documents as the PDF itself. The label
goes to ``labels/<same relative path>.json`` (the realdata layout)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from .model import DocLayout, Rendered, label

LEGIBILITY = {"clean": "clean", "digital_pdf": "clean", "grey": "clean", "scan": "degraded", "scan+grey": "degraded",
              "photo": "degraded", "photo+grey": "degraded", "fax": "hard"}


def _encode(page: np.ndarray, ext: str, quality: int) -> bytes:
    if ext == ".jpg":
        ok, buf = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, quality])
    else:
        img = page if page.ndim == 2 else (cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if _is_grey(page) else page)
        ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise RuntimeError(f"encoding {ext} failed")
    return buf.tobytes()


def _is_grey(page: np.ndarray) -> bool:
    return bool(np.array_equal(page[..., 0], page[..., 1]) and np.array_equal(page[..., 1], page[..., 2]))


def _image_pdf(doc: Rendered, quality: int) -> bytes:
    import pymupdf

    pdf = pymupdf.open()
    for page in doc.pages:
        h, w = page.shape[:2]
        p = pdf.new_page(width=w * 72.0 / doc.dpi, height=h * 72.0 / doc.dpi)
        p.insert_image(p.rect, stream=_encode(page, ".jpg", quality))
    pdf.set_metadata({"producer": "synthetic evidence generator", "creator": "scripts/synth (scan)",
                      "creationDate": "D:20250101000000+08'00'", "modDate": "D:20250101000000+08'00'"})
    return pdf.tobytes(garbage=3, deflate=True, no_new_id=True)


def write(layout: DocLayout, doc: Rendered, root: Path, stem: str, seed: int) -> tuple[Path, Path]:
    """Write ``root/<stem>.<ext>`` and ``root/labels/<stem>.<ext>.json``; returns both paths."""
    quality = int(doc.params.get("jpeg_quality") or 85)
    if doc.pdf is not None:
        ext, data = ".pdf", doc.pdf
    elif len(doc.pages) > 1:
        ext, data = ".pdf", _image_pdf(doc, quality)
    else:
        ext = ".jpg" if doc.variant.split("+")[0] in ("scan", "photo") else ".png"
        data = _encode(doc.pages[0], ext, quality)
    rel = f"{stem}{ext}"
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    lab = label(layout, doc, rel, seed, LEGIBILITY.get(doc.variant, "degraded"))
    lpath = root / "labels" / f"{rel}.json"
    lpath.parent.mkdir(parents=True, exist_ok=True)
    lpath.write_text(json.dumps(lab, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path, lpath

"""The generated document and its ground truth.

A document module builds a :class:`DocLayout` (pages laid out in points + the FIELDS.md field values). Rendering turns
it into a :class:`Rendered` document: page rasters (scans, photos) or a digital PDF, with the box of every field value
and every seal in page pixels at ``dpi``. :func:`label` writes the realdata label format plus ``field_boxes``, boxes
inside each seal entry (``page``, ``bbox``) and ``cross_page_seals`` (骑缝章 strips, which the real labels leave out of
``seals``). Page indices are 0-based, boxes are [x0, y0, x1, y1] in pixels of the page as stored (for a PDF: the
page rendered at ``dpi``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .layout import Canvas, SealOp, draw_pdf_page, png_bytes, rasterize
from .seals import alpha_bbox, render_seal, stamp

FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "invoice": ("invoice_kind", "copy_type", "invoice_code", "invoice_number", "issue_date", "buyer_name",
                "buyer_tax_id", "seller_name", "seller_tax_id", "amount_excl_tax", "tax_amount", "total_amount",
                "total_amount_upper", "check_code", "items"),
    "contract": ("contract_number", "party_a_name", "party_b_name", "party_a_tax_id", "party_b_tax_id",
                 "party_a_legal_rep", "party_b_legal_rep", "sign_date", "total_amount", "total_amount_upper", "subject",
                 "party_b_bank_name", "party_b_bank_account", "software_amount", "hardware_amount", "service_amount",
                 "service_period_start", "service_period_end"),
    "bank_slip": ("payer_name", "payer_account", "payer_bank", "payee_name", "payee_account", "payee_bank", "amount",
                  "amount_upper", "transaction_date", "purpose", "serial_number"),
    "acceptance": ("party_a_name", "party_b_name", "project_name", "contract_number", "acceptance_date", "conclusion"),
    "voucher": ("voucher_number", "voucher_date", "total_debit", "total_credit", "summary"),
    "other": (),
}


@dataclass
class DocLayout:
    doc_type: str
    canvases: list[Canvas]
    fields: dict
    notes: str = ""

    def __post_init__(self) -> None:
        names = FIELD_NAMES[self.doc_type]
        unknown = set(self.fields) - set(names)
        if unknown:
            raise ValueError(f"{self.doc_type}: unknown fields {sorted(unknown)}")
        self.fields = {k: self.fields.get(k) for k in names}


@dataclass
class Rendered:
    dpi: float
    pages: list[np.ndarray] | None  # BGR rasters; None for a digital PDF
    pdf: bytes | None
    page_sizes: list[tuple[int, int]]  # (w, h) pixels
    field_boxes: dict[str, list[dict]]
    seals: list[dict]
    cross_page_seals: list[dict]
    variant: str = "clean"
    params: dict = field(default_factory=dict)


def _px(box: list[float], s: float) -> list[int]:
    return [int(np.floor(box[0] * s)), int(np.floor(box[1] * s)), int(np.ceil(box[2] * s)), int(np.ceil(box[3] * s))]


def _field_boxes(layout: DocLayout, s: float) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for i, canvas in enumerate(layout.canvases):
        for key, boxes in canvas.boxes.items():
            out.setdefault(key, []).extend({"page": i, "bbox": _px(b, s)} for b in boxes)
    return out


def _seal_image(op: SealOp, dpi: float) -> np.ndarray:
    img = render_seal(op.spec, dpi, np.random.default_rng(op.seed))
    if op.keep != (0.0, 1.0):
        w = img.shape[1]
        img = img.copy()
        img[:, : int(op.keep[0] * w), 3] = 0
        img[:, int(op.keep[1] * w):, 3] = 0
    return img


def _cross_cx(op: SealOp, page_w: float, img_w: float) -> float:
    """Centre of a cross-page seal such that its kept strip ends at the page's right edge."""
    return page_w - op.keep[1] * img_w + img_w / 2


def _seal_entry(op: SealOp, page: int, bbox) -> dict:
    return {**op.spec.label(), "page": page, "bbox": [int(v) for v in bbox]}


def render_raster(layout: DocLayout, dpi: float) -> Rendered:
    """Rasterise every page at ``dpi`` and stamp the seals (ink multiplied onto the print)."""
    s = dpi / 72.0
    pages, seals, cross = [], [], []
    for i, canvas in enumerate(layout.canvases):
        page = np.ascontiguousarray(np.asarray(rasterize(canvas, dpi))[:, :, ::-1])
        for op in canvas.seals:
            img = _seal_image(op, dpi)
            cx = _cross_cx(op, canvas.width * s, img.shape[1]) if op.cross_page else op.cx * s
            page, box = stamp(page, img, (cx, op.cy * s), None, op.opacity)
            if box is not None:
                (cross if op.cross_page else seals).append(_seal_entry(op, i, box))
        pages.append(page)
    return Rendered(dpi=dpi, pages=pages, pdf=None, page_sizes=[(p.shape[1], p.shape[0]) for p in pages],
                    field_boxes=_field_boxes(layout, s), seals=seals, cross_page_seals=cross)


def render_pdf(layout: DocLayout, dpi: float = 200, seal_dpi: float = 300, seal_alpha_levels: int | None = None
               ) -> Rendered:
    """A digital PDF with a text layer; seals are embedded RGBA images (as e-invoices carry them). Boxes are given in
    pixels of the page rendered at ``dpi``. ``seal_alpha_levels`` (e.g. 16) posterises the seals' ink coverage so that
    their PNGs compress about twice as well (committed fixtures); None keeps it exact."""
    import pymupdf

    s = dpi / 72.0
    doc = pymupdf.open()
    seals, cross, sizes = [], [], []
    for i, canvas in enumerate(layout.canvases):
        page = draw_pdf_page(doc, canvas)
        for op in canvas.seals:
            img = _seal_image(op, seal_dpi)
            if seal_alpha_levels:
                step = 255.0 / (seal_alpha_levels - 1)
                img = img.copy()
                img[..., 3] = (np.round(img[..., 3] / step) * step).astype(np.uint8)
            h, w = img.shape[:2]
            k = 72.0 / seal_dpi
            cx = _cross_cx(op, canvas.width, w * k) if op.cross_page else op.cx
            rect = pymupdf.Rect(cx - w * k / 2, op.cy - h * k / 2, cx + w * k / 2, op.cy + h * k / 2)
            page.insert_image(rect, stream=png_bytes(img), overlay=True)
            ab = alpha_bbox(img)
            if ab is None:
                continue
            box = [rect.x0 + ab[0] * k, rect.y0 + ab[1] * k, rect.x0 + ab[2] * k, rect.y0 + ab[3] * k]
            box = [max(0.0, box[0]), max(0.0, box[1]), min(canvas.width, box[2]), min(canvas.height, box[3])]
            if box[2] > box[0] and box[3] > box[1]:
                (cross if op.cross_page else seals).append(_seal_entry(op, i, _px(box, s)))
        sizes.append((int(round(canvas.width * s)), int(round(canvas.height * s))))
    doc.set_metadata({"producer": "synthetic evidence generator", "creator": "scripts/synth",
                      "creationDate": "D:20250101000000+08'00'", "modDate": "D:20250101000000+08'00'"})
    data = doc.tobytes(garbage=3, deflate=True, no_new_id=True)
    return Rendered(dpi=dpi, pages=None, pdf=data, page_sizes=sizes, field_boxes=_field_boxes(layout, s),
                    seals=seals, cross_page_seals=cross, variant="digital_pdf")


def label(layout: DocLayout, rendered: Rendered, file: str, seed: int, legibility: str = "clean") -> dict:
    return {
        "file": file,
        "doc_type": layout.doc_type,
        "pages": len(rendered.page_sizes),
        "fields": layout.fields,
        "seals": rendered.seals,
        "legibility": legibility,
        "notes": layout.notes,
        "field_boxes": rendered.field_boxes,
        "cross_page_seals": rendered.cross_page_seals,
        "dpi": rendered.dpi,
        "page_sizes": [list(p) for p in rendered.page_sizes],
        "synth": {"seed": seed, "variant": rendered.variant, "params": rendered.params},
    }

"""Procedural Chinese seals (印章) as RGBA arrays, and stamping them onto page images.

``render_seal(spec, dpi, rng)`` draws one seal: the shape and text layout follow ``spec.type`` (official round seal
with a star, finance / contract seals, oval 发票专用章 with the tax id, oval 全国统一发票监制章, square name seals,
bank receipt seals); the ink model (uneven ink, speckle, partial stamping, rotation) draws on ``rng`` only, so a seal is
deterministic for a given generator state. The returned array is RGBA uint8: RGB is the ink colour, alpha the ink
coverage.

``stamp(page_bgr, seal_rgba, center_xy, rng, opacity)`` multiplies the ink onto a BGR page (printed text beneath stays
visible, as with real ink) and returns the page and the seal's box on it.

The ground-truth entry of a seal is ``spec.label()`` -> {type, shape, owner, code} in the FIELDS.md format.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from .seal_shapes import draw_round_or_oval, draw_square, rotate

SEAL_TYPES = ("official", "finance", "contract", "invoice", "supervision", "legal_rep", "bank", "other")
SEAL_SHAPES = ("round", "oval", "square")

SEAL_RED = (208, 28, 38)  # RGB of typical seal ink (印泥 / red toner)

# default printed title per seal type (drawn horizontally below the star / along the bottom)
DEFAULT_TITLE = {
    "official": None,
    "finance": "财务专用章",
    "contract": "合同专用章",
    "invoice": "发票专用章",
    "supervision": "全国统一发票监制章",
    "legal_rep": None,
    "bank": "电子回单专用章",
    "other": None,
}

# default size in mm: (width, height)
DEFAULT_SIZE_MM = {
    ("official", "round"): (42.0, 42.0),
    ("finance", "round"): (38.0, 38.0),
    ("finance", "square"): (22.0, 22.0),
    ("contract", "round"): (40.0, 40.0),
    ("contract", "oval"): (45.0, 30.0),
    ("invoice", "oval"): (40.0, 30.0),
    ("invoice", "round"): (38.0, 38.0),
    ("supervision", "oval"): (36.0, 24.0),
    ("legal_rep", "square"): (18.0, 18.0),
    ("bank", "round"): (40.0, 40.0),
    ("bank", "oval"): (44.0, 30.0),
    ("other", "round"): (40.0, 40.0),
    ("other", "oval"): (40.0, 30.0),
    ("other", "square"): (20.0, 20.0),
}


@dataclass(frozen=True)
class SealSpec:
    """Everything printed on a seal. ``owner`` is the ground-truth owner text (FIELDS.md):

    - company seals (official, finance, contract, invoice, other): the organisation name along the rim;
    - legal_rep: the person's name (the seal prints it plus 印 / 之印);
    - bank: the bank / branch name along the rim;
    - supervision: the words other than the title, e.g. "国家税务总局北京市税务局" (new style: middle line 国家税务总局,
      bottom line 北京市税务局) or "四川国家税务总局监制" (old style: region in the middle, 国家税务总局监制 below).

    ``None`` fields are filled by type-specific defaults; the ink fields left ``None`` are drawn from the rng.
    """

    type: str
    owner: str
    shape: str = "round"
    code: str | None = None  # printed number (seal serial along the bottom rim, tax id across an invoice seal)
    size_mm: tuple[float, float] | float | None = None  # (w, h) or a diameter
    title: str | None = None  # override the printed title (e.g. "业务专用章"); "" prints none
    star: bool | None = None  # five-pointed star in the centre (default: official/finance/contract/bank round)
    negative: bool = False  # square seals: white characters on a red field (阴文)
    color: tuple[int, int, int] = SEAL_RED
    # ink: None -> random
    rotation_deg: float | None = None
    ink_strength: float | None = None  # 0.4 (faint) .. 1.0 (full)
    partial: float | None = None  # 0 (even) .. 1 (one side almost missing)
    label_owner: str | None = field(default=None)  # GT owner if it differs from the printed text (rare)

    def __post_init__(self) -> None:
        if self.type not in SEAL_TYPES:
            raise ValueError(f"seal type {self.type!r} not in {SEAL_TYPES}")
        if self.shape not in SEAL_SHAPES:
            raise ValueError(f"seal shape {self.shape!r} not in {SEAL_SHAPES}")

    def label(self) -> dict:
        return {"type": self.type, "shape": self.shape, "owner": self.label_owner or self.owner, "code": self.code}

    def size(self) -> tuple[float, float]:
        if self.size_mm is None:
            return DEFAULT_SIZE_MM.get((self.type, self.shape), DEFAULT_SIZE_MM[("other", self.shape)])
        if isinstance(self.size_mm, (int, float)):
            return float(self.size_mm), float(self.size_mm)
        return float(self.size_mm[0]), float(self.size_mm[1])

    def printed_title(self) -> str:
        if self.title is not None:
            return self.title
        return DEFAULT_TITLE.get(self.type) or ""

    def has_star(self) -> bool:
        if self.star is not None:
            return self.star
        return self.type in ("official", "finance", "contract") and self.shape == "round"


# ----------------------------------------------------------------------------------------------------------------------
# ink model


def _smooth_field(shape: tuple[int, int], rng: np.random.Generator, cells: int) -> np.ndarray:
    h, w = shape
    small = rng.random((cells, cells)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _ink(mask: np.ndarray, rng: np.random.Generator, strength: float, partial: float, px_per_mm: float) -> np.ndarray:
    h, w = mask.shape
    # slight bleed of the ink into the paper
    k = max(1, int(round(px_per_mm * 0.08)))
    if k > 1:
        mask = cv2.GaussianBlur(mask, (0, 0), k * 0.6)
    # uneven ink: coarse and medium blotches
    coarse = _smooth_field((h, w), rng, 4)
    medium = _smooth_field((h, w), rng, 14)
    field_ = 0.55 + 0.30 * coarse + 0.25 * medium
    # speckle (paper fibres not taking ink)
    speck = rng.random((max(2, h // 2), max(2, w // 2))).astype(np.float32)
    speck = cv2.resize(speck, (w, h), interpolation=cv2.INTER_NEAREST)
    field_ = field_ * np.where(speck < 0.03 + 0.08 * (1 - strength), 0.4, 1.0)
    # partial stamping: pressure falls off across a random direction
    if partial > 0:
        ang = rng.uniform(0, 2 * math.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        proj = ((xx - w / 2) * math.cos(ang) + (yy - h / 2) * math.sin(ang)) / (0.5 * max(h, w))
        fall = np.clip(1.0 - partial * np.clip(proj + 0.3, 0, None) * 1.4, 0.0, 1.0)
        field_ = field_ * fall
    alpha = np.clip(mask * field_ * strength * 1.15, 0, 1)
    return alpha


def render_seal(spec: SealSpec, dpi: float, rng: np.random.Generator, ss: int = 2) -> np.ndarray:
    """Draw ``spec`` at ``dpi``; returns RGBA uint8 (RGB = ink colour, A = coverage), rotated by the spec's or a random
    angle. ``rng`` supplies the ink randomness (and the rotation/strength/partial if the spec leaves them open)."""
    wmm, hmm = spec.size()
    px_per_mm = dpi / 25.4
    W, H = max(8, int(round(wmm * px_per_mm * ss))), max(8, int(round(hmm * px_per_mm * ss)))
    if spec.shape == "square":
        mask = draw_square(spec, W, H)
    else:
        mask = draw_round_or_oval(spec, W, H)
    w, h = max(4, int(round(wmm * px_per_mm))), max(4, int(round(hmm * px_per_mm)))
    mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA)

    printed = spec.type == "supervision"  # printed on the form, not stamped
    strength = spec.ink_strength if spec.ink_strength is not None else (
        rng.uniform(0.85, 1.0) if printed else rng.uniform(0.6, 1.0))
    partial = spec.partial if spec.partial is not None else (0.0 if printed else float(rng.choice(
        [0.0, 0.0, rng.uniform(0.1, 0.35), rng.uniform(0.3, 0.7)])))
    rot = spec.rotation_deg if spec.rotation_deg is not None else (
        0.0 if printed else float(rng.uniform(-25, 25) if spec.shape != "square" else rng.uniform(-6, 6)))
    alpha = _ink(mask, rng, float(strength), float(partial), px_per_mm)
    alpha = rotate(alpha, rot)
    # colour varies a little between pads / printers
    col = np.array(spec.color, np.float32) + rng.normal(0, 6, 3).astype(np.float32)
    col = np.clip(col, 0, 255)
    out = np.zeros(alpha.shape + (4,), np.uint8)
    out[..., 0:3] = col.astype(np.uint8)
    out[..., 3] = np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8)
    return out


def alpha_bbox(rgba: np.ndarray, thresh: int = 24) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(rgba[..., 3] > thresh)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def stamp(page_bgr: np.ndarray, seal_rgba: np.ndarray, center_xy: tuple[float, float],
          rng: np.random.Generator | None = None, opacity: float = 0.92) -> tuple[np.ndarray, list[int] | None]:
    """Multiply the seal ink onto a BGR (or grey) page centred at ``center_xy`` (page pixels); the seal may run off the
    page (cross-page seals). Returns (new page, [x0, y0, x1, y1] of the visible ink on the page, or None if none).
    ``rng`` (optional) jitters the opacity a little."""
    page = page_bgr.copy()
    if rng is not None:
        opacity = float(np.clip(opacity * rng.uniform(0.92, 1.05), 0.3, 1.0))
    sh, sw = seal_rgba.shape[:2]
    x0 = int(round(center_xy[0] - sw / 2))
    y0 = int(round(center_xy[1] - sh / 2))
    H, W = page.shape[:2]
    px0, py0, px1, py1 = max(0, x0), max(0, y0), min(W, x0 + sw), min(H, y0 + sh)
    if px1 <= px0 or py1 <= py0:
        return page, None
    sub = seal_rgba[py0 - y0 : py1 - y0, px0 - x0 : px1 - x0]
    a = sub[..., 3:4].astype(np.float32) / 255.0 * opacity
    ink_rgb = sub[..., 0:3].astype(np.float32) / 255.0
    region = page[py0:py1, px0:px1].astype(np.float32)
    if page.ndim == 2:
        ink = ink_rgb @ np.array([0.299, 0.587, 0.114], np.float32)
        factor = 1.0 - a[..., 0] * (1.0 - ink)
    else:
        factor = 1.0 - a * (1.0 - ink_rgb[..., ::-1])  # BGR
    page[py0:py1, px0:px1] = np.clip(region * factor + 0.5, 0, 255).astype(page.dtype)
    box = alpha_bbox(sub)
    if box is None:
        return page, None
    return page, [px0 + box[0], py0 + box[1], px0 + box[2], py0 + box[3]]

"""Degradations of rendered documents that keep the ground truth aligned: every geometric change is a 3x3 matrix
applied to the page and to all its boxes (field values, seals, cross-page seal strips).

- :func:`scanned`: the scanner model of ``degrade.py`` (skew up to ±3°, blur, noise, uneven light; JPEG when written);
- :func:`photographed`: a phone photo (perspective, page on a desk background, shadow, vignetting, up to 4032x3024);
- :func:`greyscale` and :func:`faxed`: photocopy / fax look, seals lose their red (fax also binarises and halves the
  vertical resolution).

Each function takes a :class:`Rendered` raster document and an rng and returns a new one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, replace

import cv2
import numpy as np

from .degrade import degrade
from .model import Rendered

PHOTO_SIZES = ((1440, 1080), (2016, 1512), (3024, 2268), (4032, 3024))
BACKGROUNDS = ((70, 100, 140), (40, 60, 90), (150, 150, 150), (200, 200, 195), (60, 60, 60), (110, 140, 170))  # BGR


def _map_box(bbox: list[int], m: np.ndarray, size: tuple[int, int]) -> list[int] | None:
    x0, y0, x1, y1 = bbox
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], np.float64) @ m.T
    pts = pts[:, :2] / pts[:, 2:3]
    W, H = size
    nx0, ny0 = max(0, math.floor(pts[:, 0].min())), max(0, math.floor(pts[:, 1].min()))
    nx1, ny1 = min(W, math.ceil(pts[:, 0].max())), min(H, math.ceil(pts[:, 1].max()))
    if nx1 <= nx0 or ny1 <= ny0:
        return None
    return [int(nx0), int(ny0), int(nx1), int(ny1)]


def _map_entries(entries: list[dict], page: int, m: np.ndarray, size) -> list[dict]:
    out = []
    for e in entries:
        if e["page"] != page:
            out.append(e)
            continue
        box = _map_box(e["bbox"], m, size)
        if box is not None:
            out.append({**e, "bbox": box})
    return out


def transform(doc: Rendered, page: int, m: np.ndarray, image: np.ndarray) -> Rendered:
    """Replace page ``page`` with ``image``, which is the old page mapped by the 3x3 matrix ``m``."""
    size = (image.shape[1], image.shape[0])
    pages = list(doc.pages)
    pages[page] = image
    sizes = list(doc.page_sizes)
    sizes[page] = size
    fb = {k: _map_entries(v, page, m, size) for k, v in doc.field_boxes.items()}
    return replace(doc, pages=pages, page_sizes=sizes, field_boxes={k: v for k, v in fb.items() if v},
                   seals=_map_entries(doc.seals, page, m, size),
                   cross_page_seals=_map_entries(doc.cross_page_seals, page, m, size))


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31))


def scanned(doc: Rendered, rng: np.random.Generator, max_skew: float = 3.0) -> Rendered:
    params = []
    for i, page in enumerate(doc.pages):
        out = degrade(page, _seed(rng), max_skew=max_skew, apply_jpeg=False)
        doc = transform(doc, i, np.vstack([out.matrix, [0, 0, 1]]), out.image)
        params.append(asdict(out.params))
    return replace(doc, variant="scan", params={"pages": params, "jpeg_quality": params[0]["jpeg_quality"]})


def _desk(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    base = np.array(BACKGROUNDS[int(rng.integers(0, len(BACKGROUNDS)))], np.float32)
    small = rng.normal(0, 1, (max(2, h // 160), max(2, w // 160))).astype(np.float32)
    tex = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)[..., None] * 6
    grain = rng.normal(0, 4, (h, w, 1)).astype(np.float32)
    return np.clip(base + tex + grain, 0, 255)


def photographed(doc: Rendered, rng: np.random.Generator, size: tuple[int, int] | None = None) -> Rendered:
    """Each page photographed on a desk: perspective, shadow, vignetting, blur, sensor noise."""
    params = []
    for i, page in enumerate(doc.pages):
        h, w = page.shape[:2]
        W, H = size or PHOTO_SIZES[int(rng.choice(len(PHOTO_SIZES), p=[0.35, 0.35, 0.2, 0.1]))]
        if (h > w) != (H > W):
            W, H = H, W
        fill = rng.uniform(0.72, 0.92)
        scale = min(W * fill / w, H * fill / h)
        cx, cy = W / 2 + rng.uniform(-0.05, 0.05) * W, H / 2 + rng.uniform(-0.05, 0.05) * H
        pw, ph = w * scale, h * scale
        jitter = 0.06 * min(pw, ph)
        dst = np.array([[cx - pw / 2, cy - ph / 2], [cx + pw / 2, cy - ph / 2], [cx + pw / 2, cy + ph / 2],
                        [cx - pw / 2, cy + ph / 2]], np.float32)
        dst += rng.uniform(-jitter, jitter, dst.shape).astype(np.float32)
        rot = math.radians(rng.uniform(-4, 4))
        c, s = math.cos(rot), math.sin(rot)
        dst = (dst - [cx, cy]) @ np.array([[c, s], [-s, c]], np.float32) + [cx, cy]
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
        warped = cv2.warpPerspective(page, m, (W, H), flags=cv2.INTER_AREA, borderValue=(0, 0, 0))
        mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (W, H), flags=cv2.INTER_LINEAR)
        a = (mask.astype(np.float32) / 255.0)[..., None]
        img = warped.astype(np.float32) * a + _desk(H, W, rng) * (1 - a)
        # warm/cool cast, vignetting, a soft shadow (hand or phone) across one side
        img *= rng.uniform(0.9, 1.05, 3).astype(np.float32)
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        r = np.hypot((xx - W / 2) / (W / 2), (yy - H / 2) / (H / 2))
        img *= (1 - rng.uniform(0.1, 0.3) * np.clip(r - 0.4, 0, None))[..., None]
        ang = rng.uniform(0, 2 * math.pi)
        proj = (xx - W / 2) * math.cos(ang) + (yy - H / 2) * math.sin(ang)
        edge = rng.uniform(0.1, 0.45) * max(W, H)
        shadow = 1 - rng.uniform(0.15, 0.45) * (1 / (1 + np.exp(-(proj - edge) / (0.04 * max(W, H)))))
        img *= shadow[..., None]
        sigma = rng.uniform(0.4, 1.3) * max(1.0, W / 2016)
        img = cv2.GaussianBlur(img, (0, 0), sigma)
        img += rng.normal(0, rng.uniform(2, 6), img.shape[:2])[..., None].astype(np.float32)
        out = np.clip(img, 0, 255).astype(np.uint8)
        doc = transform(doc, i, m, out)
        params.append({"size": [W, H], "blur": round(float(sigma), 2)})
    return replace(doc, variant="photo", params={"pages": params, "jpeg_quality": int(rng.integers(70, 93))})


def greyscale(doc: Rendered, rng: np.random.Generator) -> Rendered:
    """A greyscale photocopy: red ink turns mid-grey; contrast and toner vary."""
    pages = []
    gamma = float(rng.uniform(0.8, 1.3))
    for page in doc.pages:
        g = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255.0
        g = np.clip(g**gamma * 255 + rng.normal(0, 3, g.shape), 0, 255).astype(np.uint8)
        pages.append(cv2.cvtColor(g, cv2.COLOR_GRAY2BGR))
    return replace(doc, pages=pages, variant=doc.variant + "+grey" if doc.variant != "clean" else "grey",
                   params={**doc.params, "grey_gamma": round(gamma, 3)})


def faxed(doc: Rendered, rng: np.random.Generator) -> Rendered:
    """Fax: grey, vertical resolution halved, binarised with a threshold that keeps seals as dark speckle."""
    thresh = int(rng.integers(150, 200))
    pages = []
    for page in doc.pages:
        h, w = page.shape[:2]
        g = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
        g = cv2.resize(cv2.resize(g, (w, h // 2), interpolation=cv2.INTER_AREA), (w, h),
                       interpolation=cv2.INTER_NEAREST)
        noise = rng.normal(0, 18, g.shape)
        b = np.where(g.astype(np.float32) + noise < thresh, 0, 255).astype(np.uint8)
        pages.append(cv2.cvtColor(b, cv2.COLOR_GRAY2BGR))
    return replace(doc, pages=pages, variant="fax", params={**doc.params, "fax_threshold": thresh})

"""Evidence crops: which part of which page to show for a finding's regions, and the JPEG of that part.

:func:`plan_crops` is pure: regions of the same page that lie close together share one crop (their union plus a
margin, at least a few inches wide so a short value keeps its label in view); at most ``max_crops`` crops per finding,
the regions left over are returned to be listed. :class:`CropStore` cuts each planned rectangle out of the upright page
once, scales it to at most :data:`MAX_WIDTH` pixels wide and keeps the JPEG, so a crop shown under several findings is
encoded and embedded once. Boxes are drawn over the crop by the HTML (vector, in the finding's colour), not baked in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.types import BBox, Page, Region

MAX_WIDTH = 640  # pixels of a crop as embedded
MAX_CROPS = 6  # crops per finding; further regions are listed
JPEG_QUALITY = 70
MARGIN_IN = 0.25  # inches of page around the boxes
MIN_WIDTH_IN = 4.0  # a crop is at least this wide (or the page's width)...
MIN_HEIGHT_IN = 0.75  # ...and this high
MAX_GROUP_IN = 2.5  # boxes share a crop while their union is at most this high (or 30% of the page, if more)
SNAP = 8  # crop rectangles are snapped outwards to this grid, so nearby plans often give the same crop

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in page pixels, x1/y1 exclusive


@dataclass(frozen=True)
class CropPlan:
    file_id: str
    page: int
    rect: Rect
    boxes: tuple[BBox, ...]


def _union(a: BBox, b: BBox) -> BBox:
    return BBox(x0=min(a.x0, b.x0), y0=min(a.y0, b.y0), x1=max(a.x1, b.x1), y1=max(a.y1, b.y1))


def _span(lo: float, hi: float, size: int, minimum: float) -> tuple[int, int]:
    """[lo, hi) widened to ``minimum`` around its middle, snapped outwards to the grid, shifted and cut to [0, size)."""
    if hi - lo < minimum:
        mid = (lo + hi) / 2
        lo, hi = mid - minimum / 2, mid + minimum / 2
    lo, hi = int(lo // SNAP * SNAP), int(-(-hi // SNAP) * SNAP)
    if lo < 0:
        lo, hi = 0, hi - lo
    if hi > size:
        lo, hi = max(0, lo - (hi - size)), size
    return lo, max(lo + 1, hi)


def crop_rect(box: BBox, width: int, height: int, dpi: float) -> Rect:
    """The page rectangle to show for ``box``: the box plus a margin, at least the minimum size, inside the page."""
    m = dpi * MARGIN_IN
    x0, x1 = _span(box.x0 - m, box.x1 + m, width, min(width, dpi * MIN_WIDTH_IN))
    y0, y1 = _span(box.y0 - m, box.y1 + m, height, min(height, dpi * MIN_HEIGHT_IN))
    return x0, y0, x1, y1


def plan_crops(regions: Iterable[Region], pages: Mapping[tuple[str, int], Page],
               max_crops: int = MAX_CROPS) -> tuple[list[CropPlan], list[Region]]:
    """Crops for ``regions`` (in order of first appearance) and the regions not shown in one: past ``max_crops``, or on
    a page the report does not have."""
    groups: dict[tuple[str, int], list[list[BBox]]] = {}
    order: list[tuple[tuple[str, int], int]] = []
    orphans: list[Region] = []
    seen: set[tuple[str, int, BBox]] = set()
    for region in regions:
        key = (region.file_id, region.page)
        if (key + (region.bbox,)) in seen:
            continue
        seen.add(key + (region.bbox,))
        page = pages.get(key)
        if page is None:
            orphans.append(region)
            continue
        limit = min(page.height, max(0.3 * page.height, page.dpi * MAX_GROUP_IN))
        clusters = groups.setdefault(key, [])
        for cluster in clusters:
            hull = cluster[0]
            for b in cluster[1:]:
                hull = _union(hull, b)
            merged = _union(hull, region.bbox)
            if merged.height <= max(limit, hull.height, region.bbox.height):
                cluster.append(region.bbox)
                break
        else:
            clusters.append([region.bbox])
            order.append((key, len(clusters) - 1))
    plans: list[CropPlan] = []
    rest: list[Region] = []
    for n, (key, i) in enumerate(order):
        boxes = groups[key][i]
        if n >= max_crops:
            rest += [Region(file_id=key[0], page=key[1], bbox=b) for b in boxes]
            continue
        page = pages[key]
        hull = boxes[0]
        for b in boxes[1:]:
            hull = _union(hull, b)
        plans.append(CropPlan(key[0], key[1], crop_rect(hull, page.width, page.height, page.dpi), tuple(boxes)))
    return plans, rest + orphans


@dataclass(frozen=True)
class Crop:
    """An encoded crop: ``id`` names it in the HTML; ``scale`` maps page pixels (from ``rect``'s corner) to crop
    pixels."""

    id: str
    jpeg: bytes
    width: int
    height: int
    rect: Rect
    scale: float


def encode_crop(image: np.ndarray, rect: Rect, max_width: int = MAX_WIDTH,
                quality: int = JPEG_QUALITY) -> tuple[bytes, int, int, float]:
    """(JPEG bytes, width, height, scale) of ``rect`` cut from ``image`` and scaled to at most ``max_width`` wide."""
    x0, y0, x1, y1 = rect
    part = image[y0:y1, x0:x1]
    scale = min(1.0, max_width / max(1, part.shape[1]))
    if scale < 1.0:
        size = (max(1, round(part.shape[1] * scale)), max(1, round(part.shape[0] * scale)))
        part = cv2.resize(part, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", part, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"JPEG encoding of a {part.shape} crop failed")
    return buf.tobytes(), part.shape[1], part.shape[0], scale


class CropStore:
    """Cuts and encodes each (page, rectangle) once. ``store(plan) -> Crop | None`` (None: no page image)."""

    def __init__(self, images: Callable[[Page], np.ndarray | None] | None,
                 pages: Mapping[tuple[str, int], Page]) -> None:
        self.images = images
        self.pages = pages
        self.crops: dict[tuple[str, int, Rect], Crop] = {}
        self._lock = threading.Lock()

    def __call__(self, plan: CropPlan) -> Crop | None:
        key = (plan.file_id, plan.page, plan.rect)
        with self._lock:
            if key in self.crops:
                return self.crops[key]
        page = self.pages.get((plan.file_id, plan.page))
        image = self.images(page) if (self.images is not None and page is not None) else None
        if image is None:
            return None
        jpeg, width, height, scale = encode_crop(image, plan.rect)
        with self._lock:
            crop = Crop(f"crop-{len(self.crops) + 1}", jpeg, width, height, plan.rect, scale)
            crop = self.crops.setdefault(key, crop)
        return crop

"""Red-ink suppression: make the text under a red seal readable by OCR.

A seal's ink is a colour filter laid over the page: it absorbs green and blue and lets red through. Where it covers
paper, the red channel stays as bright as the paper; where it covers black print, every channel is dark. So inside
the red ink the red channel alone shows the print and hides the seal. Outside red ink the page is left untouched,
so blue or black print and tinted (green, blue, yellowish) invoice paper keep their colours.

The steps are pure functions on BGR uint8 images:

1. :func:`paper_colour` estimates the local paper colour (a max-filter on a small copy, so photos with uneven light
   and tinted paper work).
2. :func:`redness` white-balances the image by that colour and measures ``R - max(G, B)`` per pixel, in [-1, 1].
3. :func:`red_weight` turns redness into a soft weight in [0, 1] with a threshold above the colour noise of the bare
   paper, so faint pinkish seals count and JPEG colour fringes do not. :func:`red_mask` thresholds it.
4. :func:`suppress_red_ink` replaces red pixels by the paper colour scaled by the (normalised) red channel. Only the
   part of the page that holds reddish pixels is processed (about 0.1 s for a sealed A4 page at 200 dpi).

Caveat: anything red or red-brown is treated as ink, including the brown-red printed labels and frame of some
invoice forms (they turn grey, not white: their red channel is dark). Pass ``regions`` (seal boxes) to limit it.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

# Redness (white-balanced R - max(G, B)) below LOW is never ink; above HIGH it always is. LOW rises with the colour
# noise of the bare paper (NOISE_FACTOR times its robust spread). The ramp is short: a neutral pixel taken for ink by
# mistake changes little, since the replacement keeps its lightness.
LOW = 0.05
HIGH = 0.12
NOISE_FACTOR = 4.0
INK_LEVEL = 50  # percentile of the red channel over clear ink that maps to paper white
PAPER_FLOOR = 0.5  # a local paper colour darker than this share of the page-wide one is ink, not paper
PAPER_TINT = 0.08  # ...and so is one redder than the page-wide paper by this much
RAW_MIN = 6  # R - max(G, B) in raw uint8 levels below which a pixel is not even looked at
_PAPER_SIDE = 160  # the paper colour is estimated on a copy with this long side

Box = tuple[float, float, float, float]


def _paper_small(image: np.ndarray) -> np.ndarray:
    """The paper colour on a copy with long side :data:`_PAPER_SIDE`, float32 (h, w, 3)."""
    h, w = image.shape[:2]
    scale = min(1.0, _PAPER_SIDE / max(h, w))
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    k = max(3, (round(max(small.shape[:2]) / 20) | 1))  # about 1/20 of the page: wider than a seal ring's stroke
    bg = cv2.medianBlur(cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))), 5).astype(np.float32)
    page_paper = np.maximum(np.percentile(small.reshape(-1, 3), 95, axis=0).astype(np.float32), 1.0)
    rel = bg / page_paper
    inky = (rel[..., 2] - np.maximum(rel[..., 0], rel[..., 1]) > PAPER_TINT) | (_darkest(rel) < PAPER_FLOOR)
    bg[inky] = page_paper
    return np.maximum(bg, 1.0)


def _darkest(image: np.ndarray) -> np.ndarray:
    """The least of each pixel's three channels (``image.min(axis=2)``, which numpy reduces some fifty times
    slower)."""
    return np.minimum(np.minimum(image[..., 0], image[..., 1]), image[..., 2])


def _paper_at(paper_small: np.ndarray, shape: tuple[int, int], roi: tuple[int, int, int, int]) -> np.ndarray:
    """The small paper map resampled to the full-size pixels of ``roi`` (x0, y0, x1, y1) of an image of ``shape``."""
    sy, sx = paper_small.shape[0] / shape[0], paper_small.shape[1] / shape[1]
    x0, y0, x1, y1 = roi
    m = np.array([[sx, 0, (x0 + 0.5) * sx - 0.5], [0, sy, (y0 + 0.5) * sy - 0.5]], np.float64)
    return cv2.warpAffine(paper_small, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def paper_colour(image: np.ndarray) -> np.ndarray:
    """The local paper colour of a BGR uint8 image as float32 in [1, 255], same shape as the image.

    Ink is darker than paper in at least one channel, so a per-channel max filter over a neighbourhood larger than a
    stroke gives the paper; a median then removes bright specks. Computed on a small copy and scaled back. Inside a
    blob of ink wider than the filter (a seal's star, a crop filled by a seal) the filter sees only ink: where the
    estimate is redder than the page-wide paper colour (each channel's 95th percentile) by :data:`PAPER_TINT`, or a
    channel falls below :data:`PAPER_FLOOR` of it, the page-wide colour is used.
    """
    h, w = image.shape[:2]
    return _paper_at(_paper_small(image), (h, w), (0, 0, w, h))


def _balanced(image: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """The image white-balanced by its paper colour (float32, not clipped)."""
    return cv2.divide(image.astype(np.float32), paper)


def _planes(image: np.ndarray, paper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(redness, white-balanced red channel) as float32 planes."""
    return _balanced_planes(_balanced(image, paper))


def _balanced_planes(balanced: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_planes` of an image already white-balanced (the red channel is a view)."""
    clipped = np.minimum(balanced, 1.0)
    r = clipped[..., 2]
    return r - np.maximum(clipped[..., 0], clipped[..., 1]), r


def redness(image: np.ndarray, paper: np.ndarray | None = None) -> np.ndarray:
    """Per-pixel ``R - max(G, B)`` of the image white-balanced by its paper colour, float32 in [-1, 1]."""
    return _planes(image, paper_colour(image) if paper is None else paper)[0]


def red_thresholds(red: np.ndarray, paper_like: np.ndarray, low: float = LOW,
                   high: float = HIGH) -> tuple[float, float]:
    """The (low, high) redness thresholds of a page: ``low`` raised above the colour noise of its bare paper.

    The noise is the spread (1.4826 MAD) of redness over ``paper_like`` pixels (bright in every channel, so no ink of
    any colour): a seal filling most of a crop, or blue print, does not inflate it.
    """
    sample = red[paper_like]
    lo = low
    if sample.size >= 100:
        med = float(np.median(sample))
        lo = max(low, med + NOISE_FACTOR * 1.4826 * float(np.median(np.abs(sample - med))))
    return lo, max(high, lo + 0.06)


def _page_thresholds(image: np.ndarray, paper_small: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """Thresholds from an evenly decimated copy of the page (at most ~256 x 256 pixels)."""
    h, w = image.shape[:2]
    sub = image[:: max(1, h // 256), :: max(1, w // 256)]
    paper = cv2.resize(paper_small, (sub.shape[1], sub.shape[0]), interpolation=cv2.INTER_LINEAR)
    norm = np.minimum(sub.astype(np.float32) / paper, 1.0)
    red = norm[..., 2] - np.maximum(norm[..., 0], norm[..., 1])
    return red_thresholds(red, _darkest(norm) > 0.85, low, high)


def _ramp(red: np.ndarray, lo: float, hi: float) -> np.ndarray:
    t = np.clip((red - lo) * (1.0 / (hi - lo)), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)  # smoothstep


def red_weight(image: np.ndarray, low: float = LOW, high: float = HIGH) -> np.ndarray:
    """A soft red-ink weight in [0, 1] per pixel of a BGR uint8 image (float32): 0 outside ink, 1 in clear ink."""
    return balanced_red_weight(image, low, high)[0]


def balanced_red_weight(image: np.ndarray, low: float = LOW,
                        high: float = HIGH) -> tuple[np.ndarray, np.ndarray]:
    """:func:`red_weight` and the image white-balanced by its paper colour (``image / paper_colour(image)``, float32,
    not clipped), for a caller that looks at the ink's colour too: the paper colour is estimated once."""
    paper_small = _paper_small(image)
    lo, hi = _page_thresholds(image, paper_small, low, high)
    h, w = image.shape[:2]
    balanced = _balanced(image, _paper_at(paper_small, (h, w), (0, 0, w, h)))
    return _ramp(_balanced_planes(balanced)[0], lo, hi), balanced


def red_mask(image: np.ndarray, low: float = LOW, high: float = HIGH) -> np.ndarray:
    """Boolean mask of red-ink pixels of a BGR uint8 image (for seal detection)."""
    return red_weight(image, low, high) >= 0.5


def reddish_boxes(image: np.ndarray, margin: int = 8) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) boxes around the clusters of pixels whose raw ``R - max(G, B)`` exceeds :data:`RAW_MIN`,
    found on a quarter-size copy and padded by ``margin`` pixels; empty when there are none."""
    h, w = image.shape[:2]
    f = 4 if min(h, w) >= 64 else 1
    small = cv2.resize(image, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA) if f > 1 else image
    b, g, r = cv2.split(small)
    mask = (cv2.subtract(r, cv2.max(b, g)) > RAW_MIN).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # lone pixels are noise
    mask = cv2.dilate(mask, np.ones((9, 9), np.uint8))  # one cluster per seal, not per stroke
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    boxes = []
    for x, y, bw, bh, _ in stats[1:count]:
        boxes.append((max(0, x * f - margin), max(0, y * f - margin),
                      min(w, (x + bw) * f + margin), min(h, (y + bh) * f + margin)))
    return boxes


def _intersect(a: tuple[int, int, int, int], b: Box) -> tuple[int, int, int, int] | None:
    x0, y0 = max(a[0], int(np.floor(b[0]))), max(a[1], int(np.floor(b[1])))
    x1, y1 = min(a[2], int(np.ceil(b[2]))), min(a[3], int(np.ceil(b[3])))
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def suppress_red_ink(image: np.ndarray, *, low: float = LOW, high: float = HIGH,
                     regions: Iterable[Box] | None = None) -> np.ndarray:
    """A copy of a BGR uint8 image with red ink turned into paper while print under it stays dark.

    Inside red ink each pixel becomes ``paper * min(1, R / ink_R)``: ``R`` is the white-balanced red channel and
    ``ink_R`` the red level of clear ink on this page (its :data:`INK_LEVEL` percentile), so the seal vanishes and dark
    print under it keeps its darkness. The blend is soft at the ink's edges. ``regions`` (x0, y0, x1, y1 boxes in
    pixels) limits the change to those boxes, e.g. detected seals. An image without red ink comes back unchanged.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected a BGR uint8 image, got shape {image.shape} dtype {image.dtype}")
    out = image.copy()
    rois = reddish_boxes(image)
    if regions is not None:
        regions = list(regions)
        rois = [r for r in (_intersect(roi, box) for roi in rois for box in regions) if r is not None]
    if not rois:
        return out
    h, w = image.shape[:2]
    paper_small = _paper_small(image)
    lo, hi = _page_thresholds(image, paper_small, low, high)
    for x0, y0, x1, y1 in rois:
        part = out[y0:y1, x0:x1]  # where boxes overlap, the later one sees the ink already cleared
        paper = _paper_at(paper_small, (h, w), (x0, y0, x1, y1))
        red, r_norm = _planes(part, paper)
        weight = _ramp(red, lo, hi)
        clear = r_norm[weight >= 0.9]
        ink_r = float(np.percentile(clear, INK_LEVEL)) if clear.size >= 20 else 1.0
        lightness = np.minimum(r_norm * (1.0 / max(ink_r, 0.3)), 1.0)
        img = part.astype(np.float32)
        blended = img + weight[..., None] * (paper * lightness[..., None] - img)
        out[y0:y1, x0:x1] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
    return out

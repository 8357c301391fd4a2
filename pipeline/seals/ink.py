"""Red seal ink on a colour page: the soft weight, faint ink, straight rules removed, ink pixels grouped.

1. red ink as a soft weight (:func:`seal_ink`, from :func:`pipeline.ocr.redink.red_weight`: white-balanced by the
   local paper colour, so phone-photo light and tinted invoice paper do not matter; its threshold rises above the
   paper's colour noise), without orange-brown print; weight >= 0.5 is the ink mask;
2. faint ink counted as well (:class:`FaintWeight`, :func:`faint_weight`), only to score the border of a pale square
   next to a ring (:func:`pipeline.seals.detect.separate`), never to find ink groups;
3. straight rules removed from an ink mask (:func:`remove_rules`), not a square seal's border; also before the
   cross-page slice search (:func:`pipeline.seals.slices.edge_slices`);
4. ink pixels grouped into regions (:func:`ink_regions`: a small dilation joins a ring's broken pieces and its
   characters, and ink crossing a removed rule joins across it, :func:`crossed_rules`; groups inside a bigger one,
   overlapping ones and close pieces join).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.config import SealConfig
from pipeline.ocr.redink import balanced_red_weight, red_thresholds


def seal_ink(image: np.ndarray, max_hue_ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """Red seal ink as a soft weight in [0, 1] (:func:`red_weight`; >= 0.5 is ink, what :func:`red_mask` gives)
    without orange-brown pixels (the printed frame and labels of paper invoices, e.g. RGB 150/75/30), told apart by
    the share of green over blue in the white-balanced colour. Faint ink keeps a low weight, which the ring fit of a
    partial impression uses. Returned with the image white-balanced by its paper colour (float32, not clipped:
    :func:`balanced_red_weight`), which :class:`FaintWeight` takes; the colour is looked at only where there is
    weight (a page is mostly paper)."""
    weight, balanced = balanced_red_weight(image)
    inked = np.flatnonzero(weight > 0)
    if inked.size:
        b, g, r = balanced.reshape(-1, 3)[inked].T
        hue = (g - b) / np.maximum(r - np.minimum(g, b), 1e-3)
        weight.reshape(-1)[inked[hue >= max_hue_ratio]] = 0.0
    return weight, balanced


# Faint ink (FAINT_SHARE of the page's redness thresholds): the pale side of a personal name seal whose redness
# (0.06-0.08 on a scanned contract, where the page's thresholds are 0.05-0.12) keeps a weight near 0, so that its
# border scored 0.45 against the 0.45 a square needs; with this weight, 0.70. Used only to score the border of a
# square next to a ring already found (detect.separate), never to find ink groups.
FAINT_SHARE = 0.5


class FaintWeight:
    """The soft weight with faint ink counted (:data:`FAINT_SHARE`), filled in per window when first asked for (a
    whole page costs ~28 ms at the work resolution, a seal's surroundings a few). ``balanced``: the page
    white-balanced by its paper colour, as :func:`seal_ink` returns it."""

    def __init__(self, balanced: np.ndarray, weight: np.ndarray, max_hue_ratio: float) -> None:
        self._balanced, self._weight, self._hue = balanced, weight, max_hue_ratio
        self._faint: np.ndarray | None = None
        self._norm: np.ndarray | None = None
        self._thresholds: tuple[float, float] = (0.0, 0.0)

    def __call__(self, box: tuple[int, int, int, int]) -> np.ndarray:
        """The page's faint weight, computed within ``box`` (x0, y0, x1, y1, work pixels); the plain weight
        elsewhere."""
        if self._faint is None:
            self._faint = self._weight.copy()
            self._norm = np.minimum(self._balanced, 1.0)
            n = self._norm
            sub = n[:: max(1, n.shape[0] // 256), :: max(1, n.shape[1] // 256)]
            self._thresholds = red_thresholds(sub[..., 2] - np.maximum(sub[..., 0], sub[..., 1]),
                                              sub.min(axis=2) > 0.85)
        H, W = self._weight.shape
        x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(W, box[2]), min(H, box[3])
        if x1 > x0 and y1 > y0:
            win = faint_weight(self._norm[y0:y1, x0:x1], self._weight[y0:y1, x0:x1], self._hue, self._thresholds)
            self._faint[y0:y1, x0:x1] = win
        return self._faint


def faint_weight(norm: np.ndarray, weight: np.ndarray, max_hue_ratio: float,
                 thresholds: tuple[float, float]) -> np.ndarray:
    """:func:`seal_ink` with the page's redness thresholds (``thresholds``, as :func:`red_weight` sets them) scaled
    by FAINT_SHARE: faint pink ink that those thresholds (raised above the paper's colour noise) leave at a weight near
    0 counts. ``norm``: the image white-balanced by its paper colour, clipped to 1. Orange-brown pixels stay out. At
    least ``weight`` everywhere."""
    b, g, r = norm[..., 0], norm[..., 1], norm[..., 2]
    lo, hi = thresholds
    t = np.clip((r - np.maximum(g, b) - FAINT_SHARE * lo) / (FAINT_SHARE * (hi - lo)), 0.0, 1.0)
    faint = t * t * (3.0 - 2.0 * t)
    hue = (g - b) / np.maximum(r - np.minimum(g, b), 1e-3)
    return np.maximum(weight, np.where(hue < max_hue_ratio, faint, 0.0)).astype(np.float32)


@dataclass(frozen=True)
class Region:
    mask: np.ndarray  # bool, the region's ink in its box
    x0: int
    y0: int
    page_shape: tuple[int, int]  # (h, w) of the work image


# A straight red line up to BOX_MM long closed into a box at both ends is a square seal's border, not a rule.
BOX_MM = 40.0


def ink_regions(mask: np.ndarray, px_mm: float, cfg: SealConfig) -> list[Region]:
    """Groups of ink pixels large enough to be (part of) a seal."""
    m = mask.astype(np.uint8)
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    rules, segs = find_rules(m, int(round(cfg.rule_mm * px_mm)), BOX_MM * px_mm)
    # the rules are left out of the regions (a seal's fit must not follow them), but where ink crosses a rule it
    # still joins the pieces on either side (the two arcs of a ring the rule cuts)
    joined = m & ((1 - rules) | crossed_rules(m, rules, segs))
    m = m & (1 - rules)
    k = max(3, int(round(1.2 * px_mm)) | 1)
    grouped = cv2.dilate(joined, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grouped)
    H, W = m.shape
    boxes = [[int(v) for v in stats[i][:4]] + [i] for i in range(1, count)]
    boxes.sort(key=lambda b: -b[2] * b[3])
    groups: list[tuple[list[int], list[int]]] = []  # (box x, y, w, h; member labels)
    speck = 1.5 * px_mm
    for x, y, bw, bh, i in boxes:
        if max(bw, bh) < speck:
            continue
        for g, members in groups:
            gx, gy, gw, gh = g
            ix = max(0, min(x + bw, gx + gw) - max(x, gx))
            iy = max(0, min(y + bh, gy + gh) - max(y, gy))
            if ix * iy >= 0.7 * bw * bh:  # (mostly) inside a bigger region: its text or star
                members.append(i)
                break
        else:
            groups.append(([x, y, bw, bh], [i]))
    groups = [g for g in groups if max(g[0][2], g[0][3]) >= 3 * px_mm]  # text specks cannot make a seal
    groups = _merge_overlapping(groups, cfg.max_size_mm * px_mm, cfg.piece_gap_mm * px_mm,
                                cfg.max_pieces_mm * px_mm)
    out = []
    min_side = cfg.min_slice_mm * px_mm
    min_len = min(cfg.min_size_mm, cfg.min_slice_len_mm) * px_mm
    for (x, y, bw, bh), members in groups:
        if max(bw, bh) < min_len or min(bw, bh) < min_side:
            continue
        sub = (m[y:y + bh, x:x + bw] > 0) & np.isin(labels[y:y + bh, x:x + bw], members)
        if sub.mean() < cfg.min_ink_fill:
            continue
        out.append(Region(sub, int(x), int(y), (H, W)))
    return out


def _merge_overlapping(groups, max_side: float, gap: float = 0.0, max_pieces: float = 0.0):
    """Join groups whose boxes overlap by a third of the smaller when the union still fits one seal, or lie within
    ``gap`` of each other when the union is at most ``max_pieces`` wide and tall: the pieces of a ring broken by
    print crossing it (ruled lines removed) or by a faint side. Passes over the pairs (sorted by x) until stable."""

    def joinable(a, b) -> bool:
        (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
        ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
        iy = max(0, min(ay + ah, by + bh) - max(ay, by))
        side = max(max(ax + aw, bx + bw) - min(ax, bx), max(ay + ah, by + bh) - min(ay, by))
        if ix * iy >= min(aw * ah, bw * bh) / 3 and side <= max_side:
            return True
        apart = max(max(ax, bx) - min(ax + aw, bx + bw), max(ay, by) - min(ay + ah, by + bh))
        return apart <= gap and side <= max_pieces

    groups = [(list(b), list(m)) for b, m in groups]
    changed = True
    while changed:
        changed = False
        groups.sort(key=lambda g: g[0][0])
        out: list[tuple[list[int], list[int]]] = []
        for box, members in groups:
            for k in range(len(out) - 1, -1, -1):
                ob = out[k][0]
                if ob[0] + ob[2] + gap + max_side < box[0]:
                    continue
                if joinable(ob, box):
                    x0, y0 = min(ob[0], box[0]), min(ob[1], box[1])
                    x1, y1 = max(ob[0] + ob[2], box[0] + box[2]), max(ob[1] + ob[3], box[1] + box[3])
                    out[k] = ([x0, y0, x1 - x0, y1 - y0], out[k][1] + members)
                    changed = True
                    break
            else:
                out.append((box, members))
        groups = out
    return groups


def remove_rules(mask: np.ndarray, length: int, max_box: float | None = None) -> np.ndarray:
    """The mask without straight rules of at least ``length`` pixels (form frames, underlines, slightly slanted in a
    scan), which would join a seal to the print around it. A seal's ring is curved, so it stays; so does the border of
    a square seal (a side at most ``max_box`` long with ink turning the same way at both ends, e.g. a 22 mm finance
    seal on a voucher whose declared dpi is too low, so it looks longer than ``length``)."""
    return mask & (1 - find_rules(mask, length, max_box)[0])


def find_rules(mask: np.ndarray, length: int, max_box: float | None = None) -> tuple[np.ndarray, list]:
    """The rules :func:`remove_rules` removes: their pixels (a uint8 mask like ``mask``) and their segments (x0, y0,
    x1, y1)."""
    rules = np.zeros_like(mask)
    if length < 3:
        return rules, []
    lines = cv2.HoughLinesP(mask, 1, np.pi / 360, threshold=max(10, int(0.8 * length)), minLineLength=length,
                            maxLineGap=2)
    if lines is None:
        return rules, []
    segs = []
    for x0, y0, x1, y1 in lines.reshape(-1, 4):
        if max_box is not None and _box_side(mask, (x0, y0, x1, y1), max_box):
            continue
        cv2.line(rules, (int(x0), int(y0)), (int(x1), int(y1)), 1, 3)
        segs.append((float(x0), float(y0), float(x1), float(y1)))
    return rules, segs


def crossed_rules(mask: np.ndarray, rules: np.ndarray, segs: list) -> np.ndarray:
    """The pixels of the rules (:func:`find_rules`) where other ink crosses them (:func:`_crossings`), a uint8 mask.
    A ring crossed by a rule is cut where the rule is removed, and where the rule meets it at a shallow angle (an
    oval bank seal photographed on a slip's red rule, the rule through its name) the cut is longer than the grouping's
    dilation bridges."""
    rest = mask & (1 - rules)
    crossed = np.zeros_like(mask)
    for seg in segs:
        for x, y in zip(*(v.tolist() for v in _crossings(rest, seg))):
            cv2.circle(crossed, (x, y), 3, 1, -1)  # the removed band, up to two lines found a pixel or two apart
    return crossed & rules


# A rule is crossed where ink lies on both sides of it, CROSS_OFFSETS pixels from its middle line (beyond the three
# pixels removed, a pixel of the rule's own ink that may be left beside them, or a second line found a pixel or two
# off the first: rules are 2-3 pixels wide at the work resolution), within CROSS_ALONG pixels of each other along it:
# a ring crossing at a shallow angle leaves the removed band on one side a few pixels from where it entered it on
# the other.
CROSS_OFFSETS = (3, 4, 5)
CROSS_ALONG = 4


def _crossings(rest: np.ndarray, seg: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The points (x, y: arrays of whole pixels) of a rule's middle line where ``rest`` (the mask without the rules)
    holds ink on both sides of it (see CROSS_OFFSETS)."""
    x0, y0, x1, y1 = seg
    L = max(1.0, math.hypot(x1 - x0, y1 - y0))
    t = np.arange(0.0, L + 1.0) / L
    px, py = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    nx, ny = -(y1 - y0) / L, (x1 - x0) / L  # unit normal
    h, w = rest.shape
    both = np.ones(len(t), bool)
    near = np.ones((1, 2 * CROSS_ALONG + 1), np.uint8)
    for sign in (1.0, -1.0):
        hit = np.zeros(len(t), bool)
        for k in CROSS_OFFSETS:
            xi, yi = np.rint(px + sign * k * nx).astype(int), np.rint(py + sign * k * ny).astype(int)
            ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            hit |= ok & (rest[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] > 0)
        both &= cv2.dilate(hit.astype(np.uint8)[None, :], near)[0] > 0
    return np.rint(px[both]).astype(int), np.rint(py[both]).astype(int)


def _box_side(mask: np.ndarray, seg: tuple[int, int, int, int], max_box: float) -> bool:
    """Whether a straight segment is a side of a box: at most ``max_box`` long, and from both of its ends ink runs
    the same way, square to it, for at least 0.7 of its length."""
    x0, y0, x1, y1 = (float(v) for v in seg)
    L = math.hypot(x1 - x0, y1 - y0)
    if L > max_box or L < 1:
        return False
    nx, ny = -(y1 - y0) / L, (x1 - x0) / L  # unit normal
    h, w = mask.shape
    d = np.arange(2, int(0.7 * L))
    for sign in (1.0, -1.0):
        ok = True
        for ex, ey in ((x0, y0), (x1, y1)):
            run = 0.0
            for off in (-2, 0, 2):  # the end may be a pixel or two off the perpendicular side
                tx, ty = (x1 - x0) / L, (y1 - y0) / L
                px = np.round(ex + off * tx + sign * nx * d).astype(int)
                py = np.round(ey + off * ty + sign * ny * d).astype(int)
                inside = (px >= 0) & (px < w) & (py >= 0) & (py < h)
                hit = np.zeros(len(d), bool)
                hit[inside] = mask[py[inside], px[inside]] > 0
                run = max(run, float(hit.mean()) if len(d) else 0.0)
            ok &= run >= 0.8
        if ok:
            return True
    return False

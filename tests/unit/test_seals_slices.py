"""Cross-page seal slices (骑缝章) and the ring search helpers: drawn pages, no OCR weights."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from pipeline.seals import SealDetector, slices
from pipeline.seals.geometry import best_circle, fit_circle, ransac_circles, ring_scores
from pipeline.seals.slices import _longest_run

DPI = 200
PX_MM = DPI / 25.4


def page(h_mm: float = 297, w_mm: float = 210) -> np.ndarray:
    img = np.zeros((int(h_mm * PX_MM), int(w_mm * PX_MM), 3), np.uint8)
    img[:] = 245
    for y in range(300, 2000, 60):  # body text, ending 25 mm short of the right edge
        cv2.putText(img, "THE PARTIES AGREE AS FOLLOWS", (200, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (20, 20, 20), 2)
    return img


def _iou(a, b) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _seal_image(seed: int = 3) -> np.ndarray:
    """The 42 mm official seal of :func:`_slice` (RGBA, with a margin round the ring)."""
    from scripts.synth.seals import SealSpec, render_seal

    spec = SealSpec("official", "北京市远泰机器人股份有限公司", "round", rotation_deg=12.0, ink_strength=0.9,
                    partial=0.0)
    return render_seal(spec, DPI, np.random.default_rng(seed))


def _slice(img: np.ndarray, keep: tuple[float, float], cy_mm: float, seed: int = 3):
    """Stamp strip ``keep`` of a 42 mm official seal flush with the right edge, as the generator lays out a
    cross-page seal (scripts/synth/model.py); returns the box of its visible ink."""
    from scripts.synth.seals import stamp

    rgba = _seal_image(seed).copy()
    w = rgba.shape[1]
    rgba[:, : int(keep[0] * w), 3] = 0
    rgba[:, int(keep[1] * w):, 3] = 0
    cx = img.shape[1] - keep[1] * w + w / 2
    out, box = stamp(img, rgba, (cx, cy_mm * PX_MM))
    img[:] = out
    return box


@pytest.mark.parametrize("keep", [(1 / 3, 2 / 3), (2 / 3, 1.0), (0.5, 1.0), (0.0, 1 / 3)])
def test_cross_page_slice_is_found_whole_and_flagged(keep):
    """The middle strip of three (arcs, star and text in separate pieces: one piece was reported, IoU 0.27), the
    last cap and the second half (ending short of the edge: not reported, or reported as a round seal) and the
    first cap (cut by the page edge)."""
    img = page()
    box = _slice(img, keep, 150)
    cands = SealDetector()(img, 2, DPI)
    assert len(cands) == 1, [(c.shape, c.bbox, c.cross_page) for c in cands]
    c = cands[0]
    assert c.cross_page and c.edge == "right" and c.page == 2
    assert _iou((c.bbox.x0, c.bbox.y0, c.bbox.x1, c.bbox.y1), box) >= 0.7, (c.bbox, box)


def test_slice_on_the_left_edge_and_a_whole_seal_near_the_edge():
    img = page()
    img = np.ascontiguousarray(img[:, ::-1])  # the text now ends 25 mm short of the left edge
    flipped = np.ascontiguousarray(img[:, ::-1])
    box = _slice(flipped, (2 / 3, 1.0), 80)
    img = np.ascontiguousarray(flipped[:, ::-1])
    from scripts.synth.seals import SealSpec, render_seal, stamp

    spec = SealSpec("official", "上海市星峻云计算有限公司", "round", rotation_deg=0.0, ink_strength=0.9, partial=0.0)
    rgba = render_seal(spec, DPI, np.random.default_rng(5))
    # a whole seal whose ring comes within 4 mm of the right edge is a seal, not a slice
    img, whole = stamp(img, rgba, (img.shape[1] - (4 + 21) * PX_MM, 220 * PX_MM))
    cands = SealDetector()(img, 0, DPI)
    assert len(cands) == 2, [(c.shape, c.bbox, c.cross_page) for c in cands]
    left, right = sorted(cands, key=lambda c: c.bbox.x0)
    W = img.shape[1]
    assert left.cross_page and left.edge == "left"
    assert _iou((left.bbox.x0, left.bbox.y0, left.bbox.x1, left.bbox.y1), (W - box[2], box[1], W - box[0], box[3])) >= 0.7
    assert not right.cross_page and right.shape.value == "round"
    assert _iou((right.bbox.x0, right.bbox.y0, right.bbox.x1, right.bbox.y1), whole) >= 0.7


def test_half_ring_at_the_edge_of_a_greyscale_page_is_a_slice():
    """A fax page: the right half of a seal whose ring stops 4 mm short of the edge was reported as the whole
    circle (IoU 0.48 with the half: a false positive and a miss)."""
    img = np.full((int(297 * PX_MM), int(210 * PX_MM)), 250, np.uint8)
    for y in range(300, 2000, 60):
        cv2.putText(img, "THE PARTIES AGREE AS FOLLOWS", (200, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 20, 2)
    r = int(20 * PX_MM)
    cx, cy = img.shape[1] - int(4 * PX_MM) - r, int(150 * PX_MM)
    cv2.ellipse(img, (cx, cy), (r, r), 0, -90, 90, 30, int(1.2 * PX_MM))
    for k in range(6):  # characters along the inside of the half ring
        t = math.radians(-75 + 30 * k)
        cv2.circle(img, (int(cx + 0.72 * r * math.cos(t)), int(cy + 0.72 * r * math.sin(t))), int(0.1 * r), 30, -1)
    cands = SealDetector()(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR), 1, DPI)
    assert len(cands) == 1, [(c.shape, c.bbox, c.cross_page) for c in cands]
    c = cands[0]
    assert c.cross_page and not c.colour and c.edge == "right"
    assert _iou((c.bbox.x0, c.bbox.y0, c.bbox.x1, c.bbox.y1), (cx, cy - r, cx + r, cy + r)) >= 0.6, c.bbox


def test_fit_circle_drops_points_off_the_ring():
    rng = np.random.default_rng(0)
    t = rng.uniform(-1.0, 1.0, 120)  # an arc of 115 degrees
    pts = np.stack([300 + 80 * np.cos(t), 200 + 80 * np.sin(t)], axis=1) + rng.normal(0, 0.5, (120, 2))
    outliers = np.stack([rng.uniform(300, 360, 30), rng.uniform(150, 250, 30)], axis=1)  # characters inside
    found = fit_circle(np.concatenate([pts, outliers]), tol=2.0)
    assert found is not None
    c, keep = found
    assert abs(c.cx - 300) < 2 and abs(c.cy - 200) < 2 and abs(c.a - 80) < 2
    assert 0.75 < keep < 0.85
    assert fit_circle(outliers, tol=2.0, min_keep=0.8) is None


def test_best_circle_finds_a_ring_from_an_offset_start():
    w = np.zeros((300, 300), np.float32)
    cv2.circle(w, (150, 140), 70, 1.0, 5)
    band = 5.0
    (cx, cy, r), score = best_circle(w, 158, 132, 62, band)
    assert abs(cx - 150) <= 1.5 and abs(cy - 140) <= 1.5 and abs(r - 72) <= 2.5
    assert score == pytest.approx(float(ring_scores(w, [cx], [cy], [r], [r], 0.0, band)[0]))
    assert score > 0.8


def test_middle_strip_whose_star_stands_far_from_the_bottom_arc():
    """The middle strip of a 40 mm seal flush with the right edge: the top arc with its characters, the star, then
    12 mm of bare paper before the bottom arc. Its pieces lay further apart than SLICE_JOIN_MM, so the top piece was
    tried alone (its lowest ink, the star, is not on the ring: no circle) and the slice was lost."""
    img = page()
    r = int(20 * PX_MM)
    cx, cy = img.shape[1] - int(4 * PX_MM), int(150 * PX_MM)
    red = (60, 50, 200)
    cv2.circle(img, (cx, cy), r, red, int(1.2 * PX_MM))
    for k in range(3):  # characters along the inside of the top arc
        cv2.rectangle(img, (cx - int((7 - 5 * k) * PX_MM), cy - int(17.5 * PX_MM)),
                      (cx - int((4 - 5 * k) * PX_MM), cy - int(13 * PX_MM)), red, -1)
    t = np.radians(np.arange(10) * 36.0 - 90.0)  # the star, 12 mm across
    rad = np.where(np.arange(10) % 2 == 0, 6.0, 2.4) * PX_MM
    cv2.fillPoly(img, [np.stack([cx + rad * np.cos(t), cy + rad * np.sin(t)], 1).astype(np.int32)], red)
    cut = cx - int(8 * PX_MM)
    red_ink = (img[..., 2].astype(int) - img[..., 1].astype(int)) > 60
    img[:, :cut][red_ink[:, :cut]] = 245  # the seal's ink left of the strip lay on the next page
    ys, xs = np.nonzero(red_ink[:, cut:])
    box = (cut + xs.min(), ys.min(), cut + xs.max(), ys.max())
    cands = SealDetector()(img, 1, DPI)
    assert len(cands) == 1, [(c.shape, c.bbox, c.cross_page) for c in cands]
    c = cands[0]
    assert c.cross_page and c.edge == "right"
    assert _iou((c.bbox.x0, c.bbox.y0, c.bbox.x1, c.bbox.y1), box) >= 0.7, (c.bbox, box)


def _photo(sheet: np.ndarray, corners, frame=(2016, 1512)):
    """``sheet`` photographed on a brown desk lit from one side: warped onto ``corners`` (top-left, top-right,
    bottom-right, bottom-left, frame pixels) of a ``frame`` (height, width) raster; returns it and the warp."""
    H, W = frame
    shade = np.linspace(0.7, 1.0, W, dtype=np.float32)[None, :, None]
    desk = (np.array([60, 90, 130], np.float32)[None, None, :] * shade * np.ones((H, 1, 1), np.float32))
    h, w = sheet.shape[:2]
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), np.float32(corners))
    warped = cv2.warpPerspective(sheet, m, (W, H)).astype(np.float32)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), m, (W, H))[..., None]
    return (desk * (1 - mask) + warped * mask * (0.85 + 0.15 * shade)).astype(np.uint8), m


def _warp_box(box, m) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    pts = cv2.perspectiveTransform(np.float64([[[x0, y0]], [[x1, y0]], [[x1, y1]], [[x0, y1]]]), m).reshape(-1, 2)
    return (*pts.min(axis=0), *pts.max(axis=0))


PHOTO_CORNERS = [[250, 180], [1230, 240], [1290, 1640], [170, 1580]]  # the sheet turned and in perspective


def test_paper_quad_finds_the_sheet_in_a_photo_and_none_inside_a_scan():
    from pipeline.seals.paper import paper_quad, paper_view

    photo, _ = _photo(page(), PHOTO_CORNERS)
    quad = paper_quad(photo)
    assert quad is not None
    assert np.abs(quad - np.float32(PHOTO_CORNERS)).max() <= 8, quad  # 0.4 % of the frame
    view = paper_view(quad, photo.shape[:2])
    assert view is not None and set(view.inside) == {"top", "right", "bottom", "left"}
    assert 1.3 <= max(view.size) / min(view.size) <= 1.5  # an A4 sheet
    scan = page()  # the sheet is the raster: its sides are the image's edges
    quad = paper_quad(scan)
    assert quad is None or paper_view(quad, scan.shape[:2]) is None
    # a frame printed round the page's text is a bright quadrilateral inside the raster, but on bright paper
    cv2.rectangle(scan, (int(20 * PX_MM), int(20 * PX_MM)), (int(190 * PX_MM), int(277 * PX_MM)), (30, 30, 30), 4)
    assert paper_quad(scan) is None


@pytest.mark.parametrize("keep", [(2 / 3, 1.0), (1 / 3, 2 / 3)])
def test_slice_at_the_edge_of_a_photographed_sheet(keep):
    """A cross-page seal's slice on a contract page photographed on a desk lies along the sheet's edge inside the
    frame, not along the image's: the search along the image's edges found none of the 13 slices of the generated
    photos (seed 31) but one; and the photo's nominal 200 dpi put the sheet (on the detector's work copy) at 3.9
    px/mm when it held 2.4, so the slice's circle (21 mm at 2.4 px/mm) was too small for a seal's (the cap's
    case)."""
    sheet = page()
    box = _slice(sheet, keep, 150)
    photo, m = _photo(sheet, PHOTO_CORNERS)
    cands = SealDetector()(photo, 1, DPI)
    cross = [c for c in cands if c.cross_page]
    assert len(cross) == 1, [(c.shape, c.bbox, c.cross_page) for c in cands]
    c = cross[0]
    assert c.edge == "right" and c.page == 1
    assert _iou((c.bbox.x0, c.bbox.y0, c.bbox.x1, c.bbox.y1), _warp_box(box, m)) >= 0.6, (c.bbox, _warp_box(box, m))
    assert not [c for c in cands if not c.cross_page]  # no piece of it reported as a seal


def test_ransac_circles_finds_an_arc_among_many_points_off_it():
    """The outer edge of a faxed slice whose inner arc was dithered away: a third of the points are the text and
    star inside the ring; the least-squares fit, pulled by them, keeps fewer than three quarters."""
    rng = np.random.default_rng(1)
    t = rng.uniform(-1.2, 1.2, 80)
    arc = np.stack([50 + 78 * np.cos(t), 400 + 78 * np.sin(t)], axis=1) + rng.normal(0, 0.5, (80, 2))
    inside = np.stack([rng.uniform(60, 110, 45), rng.uniform(340, 460, 45)], axis=1)
    pts = np.concatenate([arc, inside])
    assert fit_circle(pts, tol=3.0, min_keep=0.75) is None
    found = ransac_circles(pts, 3.0, 47, 98, min_keep=0.6, count=3)
    assert found, found
    c = found[0]
    assert abs(c.cx - 50) < 3 and abs(c.cy - 400) < 3 and abs(c.a - 78) < 3
    assert ransac_circles(inside, 3.0, 47, 98, min_keep=0.6, count=3) == []
    assert ransac_circles(pts, 3.0, 47, 98, min_keep=0.6, count=3) == found  # the same points, the same circles


def test_longest_run_wraps_round():
    assert _longest_run(np.array([1, 0, 0, 1, 1], bool)) == 3
    assert _longest_run(np.array([0, 1, 1, 0, 1], bool)) == 2
    assert _longest_run(np.zeros(4, bool)) == 0 and _longest_run(np.ones(4, bool)) == 4


def _dither_ring(img: np.ndarray, centre: tuple[float, float], r: float, t0: float, t1: float, seed: int = 2) -> None:
    """Leave one dot in eight of the dark pixels of the ring between angles t0 and t1 (degrees): the faint stretch
    of a faxed seal, dithered to scattered dots."""
    rng = np.random.default_rng(seed)
    sector = np.zeros(img.shape[:2], np.uint8)
    cv2.ellipse(sector, (int(centre[0]), int(centre[1])), (int(r + 25), int(r + 25)), 0, t0, t1, 1, -1)
    ring = np.zeros_like(sector)
    cv2.circle(ring, (int(centre[0]), int(centre[1])), int(r), 1, int(0.25 * r))
    lost = (sector > 0) & (ring > 0) & (img[..., 0] < 128) & (rng.random(sector.shape) > 0.125)
    img[lost] = 255


def test_faxed_middle_strip_whose_top_arc_is_dithered_away():
    """The middle strip of a cross-page seal on a fax (bilevel) page, the stretch of its top arc on the strip
    dithered to dots: the outer edge there is the characters inside the ring, and the least-squares circle did not
    settle ("no circle fit": 5 of 12 slices missed on the development faxes of seed 41). Not found yet: the middle strip with
    its bottom arc lost instead (the star then stands for it), the first cap with its arc farthest from the edge lost
    over 100 degrees (over 80 degrees it was found before and is now)."""
    keep = (1 / 3, 2 / 3)
    img = page()
    box = _slice(img, keep, 150)
    img = np.where(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) < 200, 0, 255).astype(np.uint8)
    img = np.ascontiguousarray(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))
    w = _seal_image().shape[1]
    _dither_ring(img, (img.shape[1] - keep[1] * w + w / 2, 150 * PX_MM), 21 * PX_MM, 230, 310)  # _slice's centre
    cands = SealDetector()(img, 1, DPI)
    assert len(cands) == 1, [(c.shape, c.bbox, c.cross_page) for c in cands]
    c = cands[0]
    assert c.cross_page and not c.colour and c.edge == "right"
    assert _iou((c.bbox.x0, c.bbox.y0, c.bbox.x1, c.bbox.y1), box) >= 0.8, (c.bbox, box)


@pytest.mark.parametrize("count, name", [(1, "deal_0000/bank_slip_1.png"), (2, "deal_0001/invoice.png")])
def test_no_slice_in_a_faxed_slips_title_or_an_invoices_text(tmp_path, monkeypatch, count, name):
    """Circles most of whose outer edge lies on ink are found in print too: a generated fax bank slip's bold title
    at the top edge (its arcs on the strip inked in 5 mm runs, a slice's 13-17 mm; 0.10-0.12 inked past the cut)
    and a fax invoice's text and rule by its left edge (a 13 mm run, but 0.26 inked past the cut; slices 0.00).
    Without the two tests (SLICE_RANSAC_RUN_MM, SLICE_RANSAC_BEYOND) both were reported as slices. The pages at
    200 dpi, as the pipeline reads a PNG without a resolution."""
    from scripts.generate import main

    assert main(["--seed", "23", "--count", str(count), "--variant", "fax", "--types", "bank_slip,invoice",
                 "--out", str(tmp_path)]) == 0
    img = cv2.imread(str(tmp_path / name))
    assert not [c.bbox for c in SealDetector()(img, 0, 200) if c.cross_page]
    monkeypatch.setattr(slices, "SLICE_RANSAC_RUN_MM", 0.0)
    monkeypatch.setattr(slices, "SLICE_RANSAC_BEYOND", 1.0)
    assert [c.bbox for c in SealDetector()(img, 0, 200) if c.cross_page]


def test_last_pages_cap_of_a_fading_impression(tmp_path, monkeypatch):
    """A generated digital contract (seed 62): the last page holds the cap of a cross-page seal whose impression
    fades towards its bottom, ending 7 mm short of the edge. No circle fits its outer edge by least squares (the
    faint arc's ends are the characters inside it); the circle most of it lies on has 0.59 of its arcs inked (mean
    score 0.49, a 16 mm unbroken run, nothing past the cut): kept since SLICE_RANSAC_INKED is 0.55, not 0.6."""
    import json

    from scripts.bench_seals import load_pages
    from scripts.generate import main

    assert main(["--seed", "62", "--count", "2", "--variant", "digital_pdf", "--types", "contract",
                 "--out", str(tmp_path)]) == 0
    label = json.loads((tmp_path / "labels/deal_0001/contract.pdf.json").read_text(encoding="utf-8"))
    (box,) = [s["bbox"] for s in label["cross_page_seals"] if s["page"] == 2]
    [(_, img, dpi)] = [p for p in load_pages(tmp_path / "deal_0001/contract.pdf", label["dpi"]) if p[0] == 2]

    def slices_found():
        return [c for c in SealDetector()(img, 2, dpi) if c.cross_page
                and _iou((c.bbox.x0, c.bbox.y0, c.bbox.x1, c.bbox.y1), box) >= 0.6]

    (c,) = slices_found()
    assert c.edge == "right"
    monkeypatch.setattr(slices, "SLICE_RANSAC_INKED", 0.6)
    assert not slices_found()

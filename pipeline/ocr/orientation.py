"""Page orientation: turn a raster page upright (0/90/180/270) and remove small skew before OCR.

One text detection on a reduced copy of the page (long side :data:`DET_SIDE`) gives the line boxes everything rests on:

- **90 or 270**: text lines are long thin boxes; when most of their length runs vertically, the page lies on its side.
- **0 or 180**: the longest lines are cut from the full-resolution page in the candidate upright frame, split into
  pieces of the classifier's shape and given to the PP-OCR 0/180 line classifier (model ``rapidocr-cls``); the page is
  upside down when the pieces' summed log-odds say so. (The engine's ``recognize`` cannot decide this: it turns
  doubtful lines round itself.)
- **skew**: a projection-profile search on the ink pixels of the reduced upright page (adaptive threshold): the tilt
  whose row histogram is sharpest, every 0.5 degree within +-``max_skew`` and then every 0.05 degree around the best.
  Corrected when it lies between :data:`MIN_SKEW` and ``max_skew`` degrees (an optimum at the search's edge is none).
  (Detected box angles were tried first: minAreaRect of short boxes snaps to 0 degrees and biased the median.)

The quarter turn and the deskew are applied in one ``warpAffine`` on an enlarged canvas filled with the border colour.
About 200-250 ms for an A4 page at 200 dpi on one core, of which ~130 ms is the detection at 640 px.

Conventions: ``rotation`` is the clockwise quarter turn applied to the source to make it upright (as ``Page.rotation``);
``skew`` is the tilt of the text lines that was removed, in degrees, counter-clockwise positive as seen on screen
(0.0 when nothing was corrected). :func:`upright_matrix` maps source pixels to upright pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from pipeline.config import Settings
from pipeline.ocr.base import OcrEngine

DET_SIDE = 640  # detection runs on the page scaled to this long side (a second look at 1.5x when few lines)
MIN_SKEW = 0.3  # degrees; smaller tilts are left alone
MIN_ASPECT = 2.5  # a box at least this elongated counts as a text line
MIN_LINES = 3  # fewer elongated boxes than this: the page is left as it is
SAMPLE_LINES = 8  # the longest lines given to the 0/180 classifier...
PIECES_PER_LINE = 2  # ...each in up to this many pieces
CLS_SHAPE = (48, 192)  # (height, width) of the classifier input
PROFILE_POINTS = 60_000  # ink pixels used for the skew search

Rotation = Literal[0, 90, 180, 270]


@dataclass(frozen=True)
class Orientation:
    rotation: Rotation  # clockwise degrees applied to make the page upright
    skew: float  # degrees of tilt removed (counter-clockwise positive); 0.0 when none was
    image: np.ndarray  # the upright, deskewed page


# ---------------------------------------------------------------- pure geometry


def line_geometry(quad: Sequence[Sequence[float]]) -> tuple[float, float, float]:
    """(length, thickness, angle) of a text box: its long side, short side and the long side's angle in degrees,
    counter-clockwise positive on screen (y points down), in (-90, 90]."""
    pts = np.asarray(quad, dtype=np.float64).reshape(-1, 2)
    (_, _), (w, h), _ = cv2.minAreaRect(pts.astype(np.float32))
    box = cv2.boxPoints(cv2.minAreaRect(pts.astype(np.float32))).astype(np.float64)
    e1, e2 = box[1] - box[0], box[2] - box[1]
    long_edge = e1 if np.hypot(*e1) >= np.hypot(*e2) else e2
    angle = math.degrees(math.atan2(-long_edge[1], long_edge[0]))
    if angle <= -90:
        angle += 180
    elif angle > 90:
        angle -= 180
    return float(max(w, h)), float(min(w, h)), angle


def is_sideways(quads: Sequence[Sequence[Sequence[float]]], min_aspect: float = MIN_ASPECT) -> bool | None:
    """Whether the text lines run vertically (page turned by 90 or 270); None when there are too few lines to tell."""
    horizontal = vertical = 0.0
    count = 0
    for quad in quads:
        length, thick, angle = line_geometry(quad)
        if thick <= 0 or length / thick < min_aspect:
            continue
        count += 1
        if abs(angle) > 45:
            vertical += length
        else:
            horizontal += length
    if count < MIN_LINES:
        return None
    return vertical > horizontal


def text_pixels(image: np.ndarray, max_points: int = PROFILE_POINTS) -> np.ndarray:
    """(n, 2) float32 x, y coordinates of dark (ink) pixels of an image, from a local adaptive threshold;
    at most ``max_points`` of them, evenly subsampled."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    block = max(15, (max(grey.shape) // 40) | 1)
    ink = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)
    ys, xs = np.nonzero(ink)
    step = max(1, len(xs) // max_points)
    return np.stack([xs[::step], ys[::step]], axis=1).astype(np.float32)


def profile_sharpness(points: np.ndarray, angle: float) -> float:
    """How sharply the points fall into rows when lines are assumed tilted ``angle`` degrees (counter-clockwise):
    the sum of squares of the histogram of ``y + x * tan(angle)``."""
    if len(points) == 0:
        return 0.0
    key = points[:, 1] + points[:, 0] * math.tan(math.radians(angle))
    hist = np.bincount((key - key.min()).astype(np.int64))
    return float(np.dot(hist, hist))


def profile_skew(points: np.ndarray, max_skew: float, coarse: float = 0.5, fine: float = 0.05) -> float | None:
    """The tilt of text rows (degrees, counter-clockwise positive) that makes the row profile of ``points`` sharpest,
    searched within +-``max_skew``: a coarse pass every ``coarse`` degrees, then a fine one around the best.
    None when there are too few points to tell."""
    if len(points) < 200:
        return None
    coarse_angles = np.arange(-max_skew, max_skew + 1e-9, coarse)
    best = max(coarse_angles, key=lambda a: profile_sharpness(points, a))
    fine_angles = np.arange(best - coarse, best + coarse + 1e-9, fine)
    return float(max(fine_angles, key=lambda a: profile_sharpness(points, a)))


def quarter_matrix(shape: tuple[int, int], rotation: int) -> np.ndarray:
    """2x3 affine map of pixel coordinates for turning an image of ``shape`` (h, w) ``rotation`` degrees clockwise."""
    h, w = shape[:2]
    if rotation == 0:
        return np.array([[1, 0, 0], [0, 1, 0]], np.float64)
    if rotation == 90:
        return np.array([[0, -1, h - 1], [1, 0, 0]], np.float64)
    if rotation == 180:
        return np.array([[-1, 0, w - 1], [0, -1, h - 1]], np.float64)
    if rotation == 270:
        return np.array([[0, 1, 0], [-1, 0, w - 1]], np.float64)
    raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation}")


def rotate_quarter(image: np.ndarray, rotation: int) -> np.ndarray:
    """The image turned ``rotation`` degrees clockwise (exact, no resampling)."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    if rotation == 0:
        return image
    if rotation not in codes:
        raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation}")
    return cv2.rotate(image, codes[rotation])


def deskew_matrix(shape: tuple[int, int], skew: float) -> tuple[np.ndarray, tuple[int, int]]:
    """2x3 affine map that turns an image of ``shape`` (h, w) so lines tilted by ``skew`` degrees become level, and the
    (h, w) of the enlarged canvas that holds the whole turned page."""
    h, w = shape[:2]
    m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), -skew, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    new_w, new_h = int(math.ceil(w * cos + h * sin)), int(math.ceil(h * cos + w * sin))
    m[0, 2] += (new_w - w) / 2
    m[1, 2] += (new_h - h) / 2
    return m, (new_h, new_w)


def upright_matrix(shape: tuple[int, int], rotation: int, skew: float = 0.0) -> np.ndarray:
    """2x3 affine map from source pixels to the upright page's pixels (quarter turn, then deskew)."""
    q = np.vstack([quarter_matrix(shape, rotation), [0, 0, 1]])
    turned = shape[:2] if rotation in (0, 180) else (shape[1], shape[0])
    d = np.vstack([deskew_matrix(turned, skew)[0], [0, 0, 1]]) if skew else np.eye(3)
    return (d @ q)[:2]


def map_points(matrix: np.ndarray, points: Sequence[Sequence[float]]) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def paper_fill(image: np.ndarray) -> tuple[float, ...]:
    """The colour to fill the corners a deskew uncovers: the median of the image's border pixels."""
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]]).reshape(-1, *image.shape[2:])
    med = np.median(border, axis=0)
    return tuple(float(v) for v in np.atleast_1d(med))


def line_pieces(crop: np.ndarray, max_pieces: int = PIECES_PER_LINE) -> list[np.ndarray]:
    """A horizontal line crop cut into up to ``max_pieces`` pieces of the classifier's aspect ratio, spread along it."""
    h, w = crop.shape[:2]
    piece_w = int(h * CLS_SHAPE[1] / CLS_SHAPE[0])
    if w <= piece_w:
        return [crop]
    n = min(max_pieces, w // piece_w)
    starts = np.linspace(0, w - piece_w, n).astype(int)
    return [crop[:, s:s + piece_w] for s in starts]


def cls_blob(crops: Sequence[np.ndarray]) -> np.ndarray:
    """Classifier input: height 48, aspect kept up to width 192, scaled to [-1, 1], zero-padded on the right."""
    height, width = CLS_SHAPE
    blob = np.zeros((len(crops), 3, height, width), dtype=np.float32)
    for i, crop in enumerate(crops):
        w = max(1, min(width, int(math.ceil(height * crop.shape[1] / max(1, crop.shape[0])))))
        blob[i, :, :, :w] = cv2.resize(crop, (w, height), interpolation=cv2.INTER_AREA).transpose(2, 0, 1)
    blob *= 1 / 127.5
    blob -= 1.0
    return blob


def upside_down_score(probs: np.ndarray) -> float:
    """Summed log-odds that the pieces are upside down, from (n, 2) classifier outputs [p(0), p(180)]."""
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-4, 1.0)
    return float(np.sum(np.log(p[:, 1]) - np.log(p[:, 0])))


def _crop_line(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The text line under ``quad`` (nearly horizontal), warped to a level rectangle."""
    length, thick, angle = line_geometry(quad)
    (cx, cy), _, _ = cv2.minAreaRect(quad.astype(np.float32))
    m = cv2.getRotationMatrix2D((cx, cy), -angle, 1.0)
    m[0, 2] += length / 2 - cx
    m[1, 2] += thick / 2 - cy
    return cv2.warpAffine(image, m, (max(1, int(length)), max(1, int(thick))), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def turned_line_crop(image: np.ndarray, quad: np.ndarray, rotation: int) -> np.ndarray:
    """The line under ``quad`` (source pixels) as it reads once the page is turned ``rotation`` degrees clockwise;
    only the line's neighbourhood is turned, not the page."""
    h, w = image.shape[:2]
    x0, y0 = (max(0, int(v) - 2) for v in quad.min(axis=0))
    x1, y1 = min(w, int(quad[:, 0].max()) + 3), min(h, int(quad[:, 1].max()) + 3)
    region = image[y0:y1, x0:x1]
    local = map_points(quarter_matrix(region.shape[:2], rotation), quad - (x0, y0))
    crop = _crop_line(rotate_quarter(region, rotation), local)
    return crop if crop.ndim == 3 else cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)


# ---------------------------------------------------------------- the stage


class Orienter:
    """Built once with an OCR engine (for ``detect``); ``orienter(image) -> Orientation``, safe across threads."""

    def __init__(self, engine: OcrEngine, max_skew: float = 8.0, min_skew: float = MIN_SKEW,
                 settings: Settings | None = None, det_side: int = DET_SIDE) -> None:
        from pipeline.models import resolve_model
        from pipeline.ocr.rapid import onnx_session

        self.engine = engine
        self.max_skew = max_skew
        self.min_skew = min_skew
        self.det_side = det_side
        settings = settings or Settings()
        self._cls = onnx_session(resolve_model("rapidocr-cls", settings), settings.ocr_threads)

    def __call__(self, image: np.ndarray) -> Orientation:
        rotation, small = self._rotation(image)
        if small is None:  # no text lines: nothing to measure, nothing to turn
            return Orientation(rotation=0, skew=0.0, image=image)
        skew = profile_skew(text_pixels(rotate_quarter(small, rotation)), self.max_skew)
        if skew is None or not (self.min_skew < abs(skew) < self.max_skew - 0.25):  # at the search's edge: no optimum
            return Orientation(rotation=rotation, skew=0.0, image=rotate_quarter(image, rotation))
        matrix = upright_matrix(image.shape[:2], rotation, skew)
        turned_shape = image.shape[:2] if rotation in (0, 180) else image.shape[1::-1]
        height, width = deskew_matrix(turned_shape, skew)[1]
        upright = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=paper_fill(image))
        return Orientation(rotation=rotation, skew=round(skew, 2), image=upright)

    def _rotation(self, image: np.ndarray) -> tuple[Rotation, np.ndarray | None]:
        """The clockwise turn that makes the page upright, and the reduced copy of the page the lines were found on
        (None when too few text lines were found to tell)."""
        h, w = image.shape[:2]
        for side in (self.det_side, round(self.det_side * 1.5)):  # a second, sharper look when few lines are found
            scale = min(1.0, side / max(h, w))
            small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
            quads = [np.asarray(q, dtype=np.float64).reshape(-1, 2) / scale for q in self.engine.detect(small)]
            sideways = is_sideways(quads)
            if sideways is not None or scale == 1.0:
                break
        if sideways is None:
            return 0, None
        rotation = 90 if sideways else 0
        return (rotation + 180 if self._upside_down(image, quads, rotation) else rotation), small

    def _upside_down(self, image: np.ndarray, quads: list[np.ndarray], rotation: int) -> bool:
        """Whether the page turned by ``rotation`` still reads upside down, by the 0/180 classifier's vote."""
        lines = [(line_geometry(q), q) for q in quads]
        lines = [(g, q) for g, q in lines if g[1] > 0 and g[0] / g[1] >= MIN_ASPECT]
        lines.sort(key=lambda item: -item[0][0])
        pieces = []
        for (_, thick, _), quad in lines[:SAMPLE_LINES]:
            if thick >= 6:
                pieces += line_pieces(turned_line_crop(image, quad, rotation))
        if not pieces:
            return False
        probs = self._cls.run(None, {"x": cls_blob(pieces)})[0]
        return upside_down_score(probs) > 0

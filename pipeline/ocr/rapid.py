"""RapidOCR backend: PP-OCR ONNX models (DB text detector, CTC recogniser, 0/180 line classifier) on onnxruntime.

The model files come from the rapidocr wheel through :func:`pipeline.models.resolve_model`; rapidocr's own download and
orchestration code is not used. Its ``RapidOCR.__call__`` and ``TextDetector`` write ``self`` on every call (RapidOCR
issue #724), so this module drives the ONNX sessions itself: three sessions built once, every per-call value local,
pre- and post-processing in pure functions (tested in ``tests/unit/test_ocr_postprocess.py``).

Speed on a scanned page (docs/benchmarks.md): the recogniser's time is proportional to the total width of its input,
so detection runs on a reduced raster (``det_max_side``), lines are read at about their scanned resolution
(``RecTuning.text_fill``) from the full-resolution image, batches hold only crops of similar width (no padding), blank
crops are skipped, and the line classifier runs only on lines read poorly. Characters read too squeezed (condensed
digits, where 000 would merge into 0) are found in the CTC output and re-read with more columns, then spliced in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import NamedTuple

import cv2
import numpy as np
import pyclipper

from pipeline.config import OcrConfig, Settings
from pipeline.errors import ModelError
from pipeline.ocr.base import OcrLine, nfkc

Quad = np.ndarray  # float32 (4, 2): top-left, top-right, bottom-right, bottom-left

REC_HEIGHT = 48  # the recogniser's fixed input height
CLS_SHAPE = (48, 192)
CLS_THRESH = 0.9  # a line is turned 180 degrees only when the classifier is at least this sure
CLS_BATCH = 32
BATCH_MAX_PAD = 0.1  # a recogniser batch holds crops at most 10 % wider than its narrowest
BLANK_STD = 6.0  # a crop whose grey levels vary less than this holds no text
DB_MIN_SIZE = 3
DB_MAX_CANDIDATES = 1000


@dataclass(frozen=True)
class RecTuning:
    """How recognition trades time for accuracy; the defaults were measured in docs/benchmarks.md.

    The recogniser's time is proportional to the total width of its input. ``text_fill`` is the share of the 48 input
    rows a crop is scaled to (the rest padded with its edge rows): at 0.66 a 200-dpi body-text line is read at about
    its scanned resolution instead of being enlarged 1.5 times. ``width_scale`` squeezes crops horizontally.
    ``min_ratio`` pads every batch to at least this width/height (PaddleOCR pads to 320/48; 0 pads only to the
    widest crop of the batch). The line classifier runs only on lines read with a score below ``cls_retry_below``.
    """

    text_fill: float = 0.66
    width_scale: float = 1.0
    min_ratio: float = 0.0
    cls_retry_below: float = 0.85
    # Characters that touch in the recogniser's output (see :func:`crowded_groups`) are read again with more columns;
    # a line with more such stretches than this is read again whole.
    max_groups: int = 4


class Reading(NamedTuple):
    text: str
    score: float  # mean probability of the emitted characters
    spans: tuple[tuple[int, int], ...] = ()  # first and last time step of each character


# ---------------------------------------------------------------- detection: pure pre- and post-processing


def det_input_size(height: int, width: int, max_side: int) -> tuple[int, int]:
    """The (height, width) the detector sees: long side at most ``max_side``, both sides multiples of 32."""
    ratio = min(1.0, max_side / max(height, width))
    return max(32, int(round(height * ratio / 32)) * 32), max(32, int(round(width * ratio / 32)) * 32)


def det_blob(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The detector input: resized to ``size`` (h, w), scaled to [-1, 1], NCHW float32."""
    resized = cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA)
    return cv2.dnn.blobFromImage(resized, scalefactor=1 / 127.5, mean=(127.5, 127.5, 127.5))


def order_quad(pts: np.ndarray) -> Quad:
    """Four points ordered clockwise from top-left."""
    pts = np.asarray(pts, dtype=np.float32).reshape(4, 2)
    by_x = pts[np.argsort(pts[:, 0], kind="stable")]
    left, right = by_x[:2], by_x[2:]
    tl, bl = left[np.argsort(left[:, 1], kind="stable")]
    tr, br = right[np.argsort(right[:, 1], kind="stable")]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def _unclip(box: np.ndarray, ratio: float) -> np.ndarray | None:
    area = cv2.contourArea(box)
    length = cv2.arcLength(box, True)
    if length == 0:
        return None
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(box.astype(np.int64).tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    expanded = offset.Execute(area * ratio / length)
    if len(expanded) != 1:
        return None
    return np.array(expanded[0], dtype=np.float32)


def db_boxes(prob: np.ndarray, dest_shape: tuple[int, int], config: OcrConfig) -> list[tuple[Quad, float]]:
    """Text-line quadrilaterals from a DB probability map (h, w), scaled to ``dest_shape`` (h, w)."""
    height, width = prob.shape
    mask = cv2.dilate((prob > config.det_thresh).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    sx, sy = dest_shape[1] / width, dest_shape[0] / height
    out = []
    for contour in contours[:DB_MAX_CANDIDATES]:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < DB_MIN_SIZE:
            continue
        x, y, w, h = cv2.boundingRect(contour)
        region = np.zeros((h, w), np.uint8)
        cv2.fillPoly(region, [cv2.boxPoints(rect).astype(np.int32) - [x, y]], 1)
        score = cv2.mean(prob[y:y + h, x:x + w], region)[0]
        if score < config.det_box_thresh:
            continue
        expanded = _unclip(cv2.boxPoints(rect), config.det_unclip_ratio)
        if expanded is None:
            continue
        rect = cv2.minAreaRect(expanded)
        if min(rect[1]) < DB_MIN_SIZE + 2:
            continue
        quad = order_quad(cv2.boxPoints(rect))
        quad[:, 0] = np.clip(np.round(quad[:, 0] * sx), 0, dest_shape[1] - 1)
        quad[:, 1] = np.clip(np.round(quad[:, 1] * sy), 0, dest_shape[0] - 1)
        if np.linalg.norm(quad[0] - quad[1]) <= 3 or np.linalg.norm(quad[0] - quad[3]) <= 3:
            continue
        out.append((quad, float(score)))
    return out


def page_angle(quads: Sequence[Quad]) -> float:
    """The dominant text direction in radians (positive: lines fall to the right), from the long boxes' top edges."""
    angles, weights = [], []
    for q in quads:
        dx, dy = float(q[1, 0] - q[0, 0]), float(q[1, 1] - q[0, 1])
        height = float(np.linalg.norm(q[3] - q[0]))
        if dx > 3 * height > 0:
            angles.append(math.atan2(dy, dx))
            weights.append(dx)
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cum = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(angles)[order][np.searchsorted(cum, cum[-1] / 2)])  # weighted median


def reading_order(quads: Sequence[Quad]) -> list[int]:
    """Indices of ``quads`` in reading order: lines top to bottom, boxes on one line left to right.

    Works in the frame of the page's dominant text direction, so a skewed scan keeps its lines together. Two boxes
    share a line when their vertical centres differ by less than half the smaller box height.
    """
    if not quads:
        return []
    angle = page_angle(quads)
    cos, sin = math.cos(angle), math.sin(angle)
    cx = [float(q[:, 0].mean()) for q in quads]
    cy = [float(q[:, 1].mean()) for q in quads]
    ry = [y * cos - x * sin for x, y in zip(cx, cy)]  # centres turned by -angle
    rx = [x * cos + y * sin for x, y in zip(cx, cy)]
    hh = [max(1.0, float(np.linalg.norm(q[3] - q[0]))) for q in quads]
    lines: list[list[int]] = []
    line_y: list[float] = []
    line_h: list[float] = []
    for i in sorted(range(len(quads)), key=lambda i: ry[i]):
        if lines and abs(ry[i] - line_y[-1]) < 0.5 * min(hh[i], line_h[-1]):
            lines[-1].append(i)
            line_y[-1] += (ry[i] - line_y[-1]) / len(lines[-1])
            continue
        lines.append([i])
        line_y.append(ry[i])
        line_h.append(hh[i])
    return [i for line in lines for i in sorted(line, key=lambda i: rx[i])]


# ---------------------------------------------------------------- recognition: pure pre- and post-processing


def crop_quad(image: np.ndarray, quad: Quad) -> np.ndarray:
    """The text line inside ``quad``, straightened; axis-aligned boxes are sliced, others warped.

    A crop at least 1.5 times as tall as wide (vertical text) is turned 90 degrees counter-clockwise.
    """
    quad = np.asarray(quad, dtype=np.float32)
    w = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    h = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    w, h = max(w, 1), max(h, 1)
    if quad[0, 1] == quad[1, 1] and quad[0, 0] == quad[3, 0] and quad[2, 1] == quad[3, 1]:
        x0, y0 = int(quad[0, 0]), int(quad[0, 1])
        crop = image[y0:y0 + h, x0:x0 + w]
    else:
        target = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        matrix = cv2.getPerspectiveTransform(quad, target)
        crop = cv2.warpPerspective(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if crop.shape[0] >= 1.5 * crop.shape[1]:
        crop = np.rot90(crop)
    return crop


def is_blank(crop: np.ndarray) -> bool:
    """Whether a crop is too small or too uniform to hold text."""
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return True
    return float(crop.std()) < BLANK_STD


def plan_batches(ratios: Sequence[float], batch_size: int, max_pad: float = BATCH_MAX_PAD) -> list[list[int]]:
    """Indices grouped into batches of crops of similar width/height ratio, at most ``batch_size`` each.

    A batch is padded to its widest crop, and padding costs as much time as text: a crop joins a batch only while
    it is at most ``max_pad`` wider than the batch's narrowest. (On one CPU thread batching saves little else.)
    """
    batches: list[list[int]] = []
    for i in sorted(range(len(ratios)), key=lambda i: ratios[i]):
        if batches and len(batches[-1]) < batch_size and ratios[i] <= ratios[batches[-1][0]] * (1 + max_pad):
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def rec_rows(text_fill: float, height: int = REC_HEIGHT) -> int:
    return max(8, int(round(height * text_fill)))


def rec_width(shape: tuple[int, ...], rows: int, width_scale: float) -> int:
    """The columns a crop of ``shape`` takes in a recogniser batch, before padding."""
    return max(1, int(math.ceil(rows * width_scale * shape[1] / shape[0])))


def rec_blob(crops: Sequence[np.ndarray], height: int = REC_HEIGHT, min_ratio: float = 0.0,
             text_fill: float = 1.0, width_scale: float = 1.0) -> np.ndarray:
    """A recogniser batch, NCHW float32 in [-1, 1], right-padded with 0 (grey) to the batch's widest crop.

    Each crop is scaled to ``text_fill * height`` rows (centred, the rest padded) and its width further multiplied
    by ``width_scale``: both shorten the sequence the recogniser runs over, which is what its time is proportional to.
    """
    rows = rec_rows(text_fill, height)
    widths = [rec_width(c.shape, rows, width_scale) for c in crops]
    width = max(int(height * min_ratio), *widths)
    blob = np.zeros((len(crops), 3, height, width), dtype=np.float32)
    top = (height - rows) // 2
    for i, (crop, w) in enumerate(zip(crops, widths)):
        w = min(w, width)
        interp = cv2.INTER_AREA if rows < crop.shape[0] else cv2.INTER_LINEAR
        resized = cv2.resize(crop, (w, rows), interpolation=interp)
        if rows < height:  # pad above and below with the crop's own edge rows, not the grey used on the right
            resized = cv2.copyMakeBorder(resized, top, height - rows - top, 0, 0, cv2.BORDER_REPLICATE)
        blob[i, :, :, :w] = resized.transpose(2, 0, 1) * (1 / 127.5) - 1.0
    return blob


def ctc_decode(preds: np.ndarray, charset: Sequence[str]) -> list[Reading]:
    """Greedy CTC decoding of (batch, time, classes) scores; class 0 is the blank. Score is the mean char prob."""
    idx = preds.argmax(axis=2)
    prob = np.take_along_axis(preds, idx[:, :, None], axis=2)[:, :, 0]
    out = []
    for row, p in zip(idx, prob):
        run_starts = np.concatenate(([0], np.flatnonzero(np.diff(row)) + 1))
        run_ends = np.concatenate((run_starts[1:] - 1, [len(row) - 1]))
        chars = row[run_starts] != 0
        starts, ends = run_starts[chars], run_ends[chars]
        text = "".join(charset[c] for c in row[starts])
        score = min(1.0, float(p[starts].mean())) if starts.size else 0.0
        out.append(Reading(text, score, tuple(zip(starts.tolist(), ends.tolist()))))
    return out


def _wide(ch: str) -> bool:
    return ch >= "\u2e80"


def crowded_groups(reading: Reading, pad: int = 1) -> list[tuple[int, int]]:
    """Index ranges [a, b] of characters that touch (no blank step between them), widened by ``pad`` neighbours.

    Read with enough time steps per character, CTC puts a blank between characters. Touching characters mean the
    line was read too squeezed for them, as condensed digits are; there repeated characters merge (000 -> 0).
    A space touching its neighbours is normal and does not count. A range ends on wide (CJK) characters where it
    can, so that it is cut out of the line in the clear gaps around them.
    """
    spans, text = reading.spans, reading.text
    groups: list[tuple[int, int]] = []
    for k in range(1, len(spans)):
        if spans[k][0] != spans[k - 1][1] + 1 or text[k] == " " or text[k - 1] == " ":
            continue
        a, b = max(0, k - 1 - pad), min(len(spans) - 1, k + pad)
        while a > 0 and not _wide(text[a]):
            a -= 1
        while b < len(spans) - 1 and not _wide(text[b]):
            b += 1
        if groups and a <= groups[-1][1] + 1:
            groups[-1] = (groups[-1][0], max(groups[-1][1], b))
        else:
            groups.append((a, b))
    return groups


def group_steps(spans: Sequence[tuple[int, int]], a: int, b: int, n_steps: int) -> tuple[float, float]:
    """The time-step interval holding characters a..b, cut midway through the blank gaps next to them."""
    left = 0.0 if a == 0 else (spans[a - 1][1] + 1 + spans[a][0]) / 2
    right = float(n_steps) if b == len(spans) - 1 else (spans[b][1] + 1 + spans[b + 1][0]) / 2
    return left, right


def splice(reading: Reading, a: int, b: int, again: Reading) -> Reading | None:
    """``reading`` with characters a..b replaced by ``again`` (a re-read of them), if both agree on its ends."""
    text = reading.text
    if not again.text or nfkc(again.text[0]) != nfkc(text[a]) or nfkc(again.text[-1]) != nfkc(text[b]):
        return None
    kept = len(text) - (b - a + 1)
    score = (reading.score * kept + again.score * len(again.text)) / max(1, kept + len(again.text))
    return Reading(text[:a] + again.text + text[b + 1:], score)


def cls_blob(crops: Sequence[np.ndarray], shape: tuple[int, int] = CLS_SHAPE) -> np.ndarray:
    height, width = shape
    blob = np.zeros((len(crops), 3, height, width), dtype=np.float32)
    for i, crop in enumerate(crops):
        w = min(width, int(math.ceil(height * crop.shape[1] / crop.shape[0])))
        blob[i, :, :, :w] = cv2.resize(crop, (w, height)).transpose(2, 0, 1)
    blob *= 1 / 127.5
    blob -= 1.0
    return blob


def as_bgr(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8:
        raise ValueError(f"OCR expects a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f"OCR expects an HxWx3 BGR image, got shape {image.shape}")


# ---------------------------------------------------------------- the engine


def _session(path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"onnxruntime cannot load {path}: {exc}; reinstall the rapidocr package") from exc


class RapidOcrEngine:
    """PP-OCR through onnxruntime. Built once; safe to call from several threads (no per-call state on ``self``)."""

    name = "rapidocr"

    def __init__(self, settings: Settings | None = None, config: OcrConfig | None = None, *,
                 tuning: RecTuning | None = None) -> None:
        from pipeline.models import resolve_model

        self.settings = settings or Settings()
        self.config = config or OcrConfig()
        self.tuning = tuning or RecTuning()
        self.version = metadata.version("rapidocr")
        threads = self.settings.ocr_threads
        self._det = _session(resolve_model("rapidocr-det", self.settings), threads)
        self._rec = _session(resolve_model("rapidocr-rec", self.settings), threads)
        self._cls = _session(resolve_model("rapidocr-cls", self.settings), threads) if self.config.use_cls else None
        meta = self._rec.get_modelmeta().custom_metadata_map
        if "character" not in meta:
            raise ModelError("the rapidocr-rec model has no 'character' list in its ONNX metadata; wrong model file")
        self._charset = ("",) + tuple(meta["character"].splitlines()) + (" ",)

    @classmethod
    def is_available(cls) -> bool:
        import importlib.util

        return all(importlib.util.find_spec(p) is not None for p in ("onnxruntime", "rapidocr", "cv2", "pyclipper"))

    # -- Protocol

    def __call__(self, image: np.ndarray) -> list[OcrLine]:
        image = as_bgr(image)
        quads = self._detect(image)
        crops = [crop_quad(image, q) for q in quads]
        keep = [i for i, c in enumerate(crops) if not is_blank(c)]
        results = self._read([crops[i] for i in keep], self.tuning.text_fill)
        lines = []
        for i, (text, score) in zip(keep, results):
            if score < self.config.min_text_score or not text.strip():
                continue
            points = tuple((float(x), float(y)) for x, y in quads[i])
            lines.append(OcrLine(points=points, text=text, score=score))
        return lines

    def detect(self, image: np.ndarray) -> list[tuple[tuple[float, float], ...]]:
        return [tuple((float(x), float(y)) for x, y in q) for q in self._detect(as_bgr(image))]

    def recognize(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        # Crops from elsewhere have unknown margins around the text: read them at full height, as PaddleOCR does.
        return self._read([as_bgr(c) for c in crops], 1.0)

    # -- steps

    def _detect(self, image: np.ndarray) -> list[Quad]:
        h, w = image.shape[:2]
        blob = det_blob(image, det_input_size(h, w, self.config.det_max_side))
        prob = self._det.run(None, {"x": blob})[0][0, 0]
        found = db_boxes(prob, (h, w), self.config)
        quads = [q for q, _ in found]
        return [quads[i] for i in reading_order(quads)]

    def _read(self, crops: Sequence[np.ndarray], text_fill: float) -> list[tuple[str, float]]:
        width_scale = self.tuning.width_scale
        results = self._recognize(crops, text_fill, width_scale)
        results = self._reread_crowded(crops, results, text_fill, width_scale)
        if self._cls is not None:
            results = self._retry_upside_down(crops, results, text_fill, width_scale)
        return [(nfkc(r.text).strip(), r.score) for r in results]

    def _reread_crowded(self, crops, results: list[Reading], text_fill: float, width_scale: float) -> list[Reading]:
        """Read the touching characters of each line again with more columns each, and splice them in.

        Only the stretch of the line around them is re-read (full height and width, or 1.5 times wider when read so
        already); when the re-read disagrees on the neighbours that frame it, the whole line is read again instead.
        """
        squeezed = text_fill < 1.0 or width_scale < 1.0
        fill, scale = (1.0, 1.0) if squeezed else (text_fill, 1.5 * width_scale)
        rows = rec_rows(text_fill)
        jobs, pieces = [], []
        for i, (crop, reading) in enumerate(zip(crops, results)):
            groups = crowded_groups(reading)
            if len(groups) > self.tuning.max_groups:
                groups = [(0, len(reading.spans) - 1)]
            per_step = 8 * crop.shape[1] / rec_width(crop.shape, rows, width_scale)  # crop pixels per time step
            for a, b in groups:
                left, right = group_steps(reading.spans, a, b, math.ceil(crop.shape[1] / per_step))
                x0, x1 = max(0, int(left * per_step)), min(crop.shape[1], int(math.ceil(right * per_step)))
                if x1 - x0 >= 4:
                    jobs.append((i, a, b))
                    pieces.append(crop[:, x0:x1])
        if not jobs:
            return results
        results = list(results)
        whole = set()
        # right to left, so that splicing one stretch leaves the character indices of the earlier ones valid
        for (i, a, b), again in reversed(list(zip(jobs, self._recognize(pieces, fill, scale)))):
            merged = None if i in whole else splice(results[i], a, b, again)
            if merged is None:
                whole.add(i)
            else:
                results[i] = merged
        whole_list = sorted(whole)
        for i, again in zip(whole_list, self._recognize([crops[i] for i in whole_list], fill, scale)):
            results[i] = again if again.score >= results[i].score - 0.05 else results[i]
        return results

    def _recognize(self, crops: Sequence[np.ndarray], text_fill: float, width_scale: float) -> list[Reading]:
        results = [Reading("", 0.0)] * len(crops)
        ratios = [c.shape[1] / max(1, c.shape[0]) for c in crops]
        for batch in plan_batches(ratios, self.config.rec_batch_size):
            blob = rec_blob([crops[i] for i in batch], min_ratio=self.tuning.min_ratio,
                            text_fill=text_fill, width_scale=width_scale)
            preds = self._rec.run(None, {"x": blob})[0]
            for i, res in zip(batch, ctc_decode(preds, self._charset)):
                results[i] = res
        return results

    def _retry_upside_down(self, crops, results: list[Reading], text_fill: float, width_scale: float) -> list[Reading]:
        """Run the 0/180 classifier on poorly read lines; re-read those it finds upside down, keep the better."""
        doubtful = [i for i, r in enumerate(results) if r.score < self.tuning.cls_retry_below]
        flipped = []
        for k in range(0, len(doubtful), CLS_BATCH):
            chunk = doubtful[k:k + CLS_BATCH]
            probs = self._cls.run(None, {"x": cls_blob([crops[i] for i in chunk])})[0]
            flipped += [i for i, p in zip(chunk, probs) if p.argmax() == 1 and p[1] >= CLS_THRESH]
        if not flipped:
            return results
        again = self._recognize([cv2.rotate(crops[i], cv2.ROTATE_180) for i in flipped], text_fill, width_scale)
        results = list(results)
        for i, res in zip(flipped, again):
            if res.score > results[i].score:
                results[i] = res
        return results

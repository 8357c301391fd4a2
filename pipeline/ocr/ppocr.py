"""PP-OCR pre- and post-processing: DB detection boxes, recogniser and classifier inputs, CTC decoding.

Pure functions on numpy arrays, tested without model weights (``tests/unit/test_ocr_postprocess.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import cv2
import numpy as np
import pyclipper

from pipeline.config import OcrConfig
from pipeline.ocr.base import nfkc
from pipeline.ocr.geometry import Quad, order_quad

REC_HEIGHT = 48  # the recogniser's fixed input height
CLS_SHAPE = (48, 192)
CLS_THRESH = 0.9  # a line is turned 180 degrees only when the classifier is at least this sure
CLS_BATCH = 32
BATCH_MAX_PAD = 0.1  # a recogniser batch holds crops at most 10 % wider than its narrowest
DB_MIN_SIZE = 3
DB_MAX_CANDIDATES = 1000


class Reading(NamedTuple):
    text: str
    score: float  # mean probability of the emitted characters
    spans: tuple[tuple[int, int], ...] = ()  # first and last time step of each character


def det_input_size(height: int, width: int, max_side: int) -> tuple[int, int]:
    """The (height, width) the detector sees: long side at most ``max_side``, both sides multiples of 32."""
    ratio = min(1.0, max_side / max(height, width))
    return max(32, int(round(height * ratio / 32)) * 32), max(32, int(round(width * ratio / 32)) * 32)


def det_blob(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The detector input: resized to ``size`` (h, w), scaled to [-1, 1], NCHW float32."""
    resized = cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA)
    return cv2.dnn.blobFromImage(resized, scalefactor=1 / 127.5, mean=(127.5, 127.5, 127.5))


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

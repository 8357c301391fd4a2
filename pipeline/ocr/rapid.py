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

import cv2
import numpy as np

from pipeline.config import OcrConfig, Settings
from pipeline.errors import ModelError
from pipeline.ocr.base import OcrLine, nfkc
from pipeline.ocr.geometry import Quad, as_bgr, crop_quad, is_blank, reading_order
from pipeline.ocr.lattice import Lattice, from_probs
from pipeline.ocr.ppocr import (
    CLS_BATCH, CLS_THRESH, Reading, cls_blob, crowded_groups, ctc_decode, db_boxes, det_blob, det_input_size,
    group_steps, plan_batches, rec_blob, rec_rows, rec_width, splice,
)


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


# ---------------------------------------------------------------- the engine


def onnx_session(path, threads: int):
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
        self._det = onnx_session(resolve_model("rapidocr-det", self.settings), threads)
        self._rec = onnx_session(resolve_model("rapidocr-rec", self.settings), threads)
        self._cls = onnx_session(resolve_model("rapidocr-cls", self.settings), threads) if self.config.use_cls else None
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

    def lattices(self, crops: Sequence[np.ndarray], k: int = 5) -> list[Lattice]:
        """Top-``k`` CTC lattices of single-line crops read at full height, in one recogniser pass: what a candidate
        text is verified against later (:func:`pipeline.ocr.lattice.spot`), e.g. a party's name against a seal's arc."""
        crops = [as_bgr(c) for c in crops]
        out: list[Lattice] = [()] * len(crops)
        ratios = [c.shape[1] / max(1, c.shape[0]) for c in crops]
        for batch in plan_batches(ratios, self.config.rec_batch_size):
            blob = rec_blob([crops[i] for i in batch], min_ratio=self.tuning.min_ratio, text_fill=1.0,
                            width_scale=self.tuning.width_scale)
            preds = self._rec.run(None, {"x": blob})[0]
            for i, p in zip(batch, preds):
                out[i] = from_probs(p, self._charset, k)
        return out

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

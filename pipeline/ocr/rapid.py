"""RapidOCR backend: PP-OCR ONNX models (DB text detector, CTC recogniser, 0/180 line classifier) on onnxruntime.

The model files come from the rapidocr wheel through :func:`pipeline.models.resolve_model`; rapidocr's own download and
orchestration code is not used. Its ``RapidOCR.__call__`` and ``TextDetector`` write ``self`` on every call (RapidOCR
issue #724), so this module drives the ONNX sessions itself: sessions built once, every per-call value local,
pre- and post-processing in pure functions (tested in ``tests/unit/test_ocr_postprocess.py``).

Speed on a scanned page (docs/benchmarks.md): the recogniser's time is proportional to the area of its input, so
detection runs on a reduced raster (``det_max_side``), lines are read at about their scanned resolution from the
full-resolution image by a copy of the recogniser graph taking 32 input rows instead of 48 (``RecTuning.height``,
:mod:`pipeline.ocr.rec_graph`), batches hold only crops of similar width (no padding), blank crops are skipped, and the
line classifier runs only on lines read poorly. Characters read too squeezed (condensed digits, where 000 would merge
into 0) are found in the CTC output and re-read with 1.5 times the columns, then spliced in. Seal text and lattices
(:meth:`RapidOcrEngine.recognize`, :meth:`RapidOcrEngine.lattices`) are read by the graph as exported, 48 rows high.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import NamedTuple

import cv2
import numpy as np

from pipeline.config import OcrConfig, Settings
from pipeline.errors import ModelError
from pipeline.ocr.base import OcrLine, nfkc
from pipeline.ocr.geometry import Quad, as_bgr, crop_quad, is_blank, reading_order
from pipeline.ocr.lattice import Lattice, from_probs
from pipeline.ocr.ppocr import (
    CLS_BATCH, CLS_THRESH, REC_HEIGHT, Reading, cls_blob, crowded_groups, ctc_decode, db_boxes, det_blob,
    det_input_size, group_steps, plan_batches, rec_blob, rec_rows, rec_width, splice,
)
from pipeline.ocr.rec_graph import rec_graph_at_height


@dataclass(frozen=True)
class RecTuning:
    """How recognition trades time for accuracy; the defaults were measured in docs/benchmarks.md.

    The recogniser's time is proportional to the area of its input. A page's lines are read ``height`` rows high (a
    multiple of 16; the graph is adapted to it at load, 48 is the graph as exported): at 32 a 200-dpi body-text line
    is read at about its scanned resolution instead of being enlarged 1.5 times, and no rows are spent on padding.
    ``text_fill`` is the share of those rows a crop is scaled to (the rest padded with its edge rows; ``height=48,
    text_fill=0.66`` reads at the same scale with the exported graph, a third slower). ``width_scale`` squeezes crops
    horizontally. ``min_ratio`` pads every batch to at least this width/height (PaddleOCR pads to 320/48; 0 pads only
    to the widest crop of the batch). The line classifier runs only on lines read with a score below
    ``cls_retry_below``. Squeezed characters are re-read ``reread_height`` rows high with as many columns as the
    exported graph gives them at full height (:meth:`Pass.reread`): at 32 rows they are stretched 1.5 times
    horizontally, which read the condensed digits of the benchmark's pages and invoices as well as 48 rows do,
    for two thirds of the time.
    """

    height: int = 32
    text_fill: float = 1.0
    width_scale: float = 1.0
    reread_height: int = 32
    min_ratio: float = 0.0
    cls_retry_below: float = 0.85
    # Characters that touch in the recogniser's output (see :func:`crowded_groups`) are read again with more columns;
    # a line with more such stretches than this is read again whole.
    max_groups: int = 4


class Pass(NamedTuple):
    """How one recogniser pass scales its crops: input rows, share of them the text fills, horizontal factor."""

    height: int
    text_fill: float
    width_scale: float

    def columns(self) -> float:
        """Input columns per row of crop height (a square character's width in columns)."""
        return self.height * self.text_fill * self.width_scale

    def reread(self, height: int) -> Pass:
        """The pass that re-reads squeezed characters, ``height`` rows high at full fill: with the columns the
        exported graph gives a line at full height, or 1.5 times this pass's when it gave that many already."""
        return Pass(height, 1.0, max(REC_HEIGHT, 1.5 * self.columns()) / height)


# ---------------------------------------------------------------- the engine


def read_lattices(session, charset: Sequence[str], crops: Sequence[np.ndarray], k: int, min_prob: float,
                  batch_size: int, min_ratio: float = 0.0, width_scale: float = 1.0) -> list[Lattice]:
    """Top-``k`` lattices of single-line crops read at full height by the recognition graph ``session`` (class 0 the
    CTC blank, then ``charset[1:]``), in batches of crops of similar width."""
    crops = [as_bgr(c) for c in crops]
    out: list[Lattice] = [()] * len(crops)
    ratios = [c.shape[1] / max(1, c.shape[0]) for c in crops]
    for batch in plan_batches(ratios, batch_size):
        blob = rec_blob([crops[i] for i in batch], min_ratio=min_ratio, text_fill=1.0, width_scale=width_scale)
        preds = session.run(None, {"x": blob})[0]
        for i, p in zip(batch, preds):
            out[i] = from_probs(p, charset, k, min_prob)
    return out


def rec_charset(session, name: str) -> tuple[str, ...]:
    """The classes of a PP-OCR recognition graph from the character list in its ONNX metadata: the CTC blank, the
    characters, a space."""
    meta = session.get_modelmeta().custom_metadata_map
    if "character" not in meta:
        raise ModelError(f"the {name} model has no 'character' list in its ONNX metadata; wrong model file")
    return ("",) + tuple(meta["character"].splitlines()) + (" ",)


def onnx_session(model, threads: int, name: str | None = None):
    """An onnxruntime session on ``model`` (a path, or a serialised graph named ``name`` in errors)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    try:
        source = model if isinstance(model, bytes) else str(model)
        return ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"onnxruntime cannot load {name or model}: {exc}; reinstall the rapidocr package") from exc


class RapidOcrEngine:
    """PP-OCR through onnxruntime. Built once; safe to call from several threads (no per-call state on ``self``)."""

    name = "rapidocr"

    def __init__(self, settings: Settings | None = None, config: OcrConfig | None = None, *,
                 tuning: RecTuning | None = None) -> None:
        from pipeline.models import resolve_model

        self.settings = settings or Settings()
        self.config = config or OcrConfig()
        self.tuning = tuning or RecTuning()
        # the input heights the page's lines are read at show in the provenance: "3.10.0+rec32" (48: as exported)
        heights = sorted({self.tuning.height, self.tuning.reread_height} - {REC_HEIGHT})
        self.version = metadata.version("rapidocr") + ("+rec" + "-".join(map(str, heights)) if heights else "")
        threads = self.settings.ocr_threads
        self._det = onnx_session(resolve_model("rapidocr-det", self.settings), threads)
        rec_path = resolve_model("rapidocr-rec", self.settings)
        self._rec = onnx_session(rec_path, threads)
        # one session per input height used; REC_HEIGHT is the graph as exported (seal text, lattices)
        self._recs = {REC_HEIGHT: self._rec}
        for rows in {self.tuning.height, self.tuning.reread_height} - {REC_HEIGHT}:
            self._recs[rows] = onnx_session(rec_graph_at_height(rec_path, rows), threads, name=str(rec_path))
        self._cls = onnx_session(resolve_model("rapidocr-cls", self.settings), threads) if self.config.use_cls else None
        self._charset = rec_charset(self._rec, "rapidocr-rec")

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
        t = self.tuning
        first = Pass(t.height, t.text_fill, t.width_scale)
        results = self._read([crops[i] for i in keep], first, first.reread(t.reread_height))
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
        first = Pass(REC_HEIGHT, 1.0, self.tuning.width_scale)
        return self._read([as_bgr(c) for c in crops], first, first.reread(REC_HEIGHT))

    def lattices(self, crops: Sequence[np.ndarray], k: int = 5, min_prob: float = 0.002) -> list[Lattice]:
        """Top-``k`` CTC lattices (characters of at least ``min_prob`` per step) of single-line crops read at full
        height, in one recogniser pass: what a candidate text is verified against later
        (:func:`pipeline.ocr.lattice.spot`), e.g. a party's name against a seal's arc."""
        return read_lattices(self._rec, self._charset, crops, k, min_prob, self.config.rec_batch_size,
                             min_ratio=self.tuning.min_ratio, width_scale=self.tuning.width_scale)

    # -- steps

    def _detect(self, image: np.ndarray) -> list[Quad]:
        h, w = image.shape[:2]
        blob = det_blob(image, det_input_size(h, w, self.config.det_max_side))
        prob = self._det.run(None, {"x": blob})[0][0, 0]
        found = db_boxes(prob, (h, w), self.config)
        quads = [q for q, _ in found]
        return [quads[i] for i in reading_order(quads)]

    def _read(self, crops: Sequence[np.ndarray], first: Pass, reread: Pass) -> list[tuple[str, float]]:
        results = self._recognize(crops, first)
        results = self._reread_crowded(crops, results, first, reread)
        if self._cls is not None:
            results = self._retry_upside_down(crops, results, first)
        return [(nfkc(r.text).strip(), r.score) for r in results]

    def _reread_crowded(self, crops, results: list[Reading], first: Pass, again_pass: Pass) -> list[Reading]:
        """Read the touching characters of each line again with more columns each (``again_pass``), splice them in.

        Only the stretch of the line around them is re-read; when the re-read disagrees on the neighbours that frame
        it, the whole line is read again instead.
        """
        rows = rec_rows(first.text_fill, first.height)
        jobs, pieces = [], []
        for i, (crop, reading) in enumerate(zip(crops, results)):
            groups = crowded_groups(reading)
            if len(groups) > self.tuning.max_groups:
                groups = [(0, len(reading.spans) - 1)]
            per_step = 8 * crop.shape[1] / rec_width(crop.shape, rows, first.width_scale)  # crop pixels per time step
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
        for (i, a, b), again in reversed(list(zip(jobs, self._recognize(pieces, again_pass)))):
            merged = None if i in whole else splice(results[i], a, b, again)
            if merged is None:
                whole.add(i)
            else:
                results[i] = merged
        whole_list = sorted(whole)
        for i, again in zip(whole_list, self._recognize([crops[i] for i in whole_list], again_pass)):
            results[i] = again if again.score >= results[i].score - 0.05 else results[i]
        return results

    def _recognize(self, crops: Sequence[np.ndarray], how: Pass) -> list[Reading]:
        results = [Reading("", 0.0)] * len(crops)
        ratios = [c.shape[1] / max(1, c.shape[0]) for c in crops]
        session = self._recs[how.height]
        for batch in plan_batches(ratios, self.config.rec_batch_size):
            blob = rec_blob([crops[i] for i in batch], height=how.height, min_ratio=self.tuning.min_ratio,
                            text_fill=how.text_fill, width_scale=how.width_scale)
            preds = session.run(None, {"x": blob})[0]
            for i, res in zip(batch, ctc_decode(preds, self._charset)):
                results[i] = res
        return results

    def _retry_upside_down(self, crops, results: list[Reading], first: Pass) -> list[Reading]:
        """Run the 0/180 classifier on poorly read lines; re-read those it finds upside down, keep the better."""
        doubtful = [i for i, r in enumerate(results) if r.score < self.tuning.cls_retry_below]
        flipped = []
        for k in range(0, len(doubtful), CLS_BATCH):
            chunk = doubtful[k:k + CLS_BATCH]
            probs = self._cls.run(None, {"x": cls_blob([crops[i] for i in chunk])})[0]
            flipped += [i for i, p in zip(chunk, probs) if p.argmax() == 1 and p[1] >= CLS_THRESH]
        if not flipped:
            return results
        again = self._recognize([cv2.rotate(crops[i], cv2.ROTATE_180) for i in flipped], first)
        results = list(results)
        for i, res in zip(flipped, again):
            if res.score > results[i].score:
                results[i] = res
        return results

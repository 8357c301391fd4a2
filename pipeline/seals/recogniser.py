"""The seal-name recogniser: a PP-OCR recognition graph fine-tuned on unrolled seal names.

The OCR engine's recogniser reads printed lines well but a seal's name, unrolled from its rim, poorly: condensed
serif glyphs, ink spread and breaks, print crossing the strokes. ``models/seal_rec.onnx`` is rapidocr's PP-OCRv6 small
recogniser (same graph, same character list) fine-tuned on unrolled seal names by ``scripts/train_seal_rec.py``
(docs/seal_rec.md: how it was made and what it measures). It reads only the name along the rim; every other line on a
seal (tax id, title, serial) is still read by the OCR engine.

``name_recogniser(model, settings)`` is the process-wide instance (built on first use, the model's sha256 verified);
``lattices`` is safe to call from several threads (onnxruntime sessions are; nothing is stored per call).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from pipeline.config import Settings
from pipeline.ocr.lattice import Lattice
from pipeline.ocr.rapid import onnx_session, read_lattices, rec_charset

BATCH = 8  # name strips per recogniser batch (a page holds a few seals)


class NameRecogniser:
    def __init__(self, model: str = "seal-rec", settings: Settings | None = None) -> None:
        from pipeline.models import resolve_model

        self.settings = settings or Settings()
        self.model = model
        path = resolve_model(model, self.settings)
        self._session = onnx_session(path, self.settings.ocr_threads)
        self._charset = rec_charset(self._session, model)

    def lattices(self, crops: Sequence[np.ndarray], k: int = 5, min_prob: float = 0.002) -> list[Lattice]:
        """Top-``k`` lattices (characters of at least ``min_prob`` per step) of unrolled name strips."""
        return read_lattices(self._session, self._charset, crops, k, min_prob, BATCH)


_instances: dict[tuple[str, str], NameRecogniser] = {}
_lock = threading.Lock()


def name_recogniser(model: str, settings: Settings | None = None) -> NameRecogniser:
    """The process-wide recogniser for ``model`` with these settings, built on first use."""
    settings = settings or Settings()
    key = (model, settings.model_dump_json())
    with _lock:
        rec = _instances.get(key)
        if rec is None:
            rec = _instances[key] = NameRecogniser(model, settings)
        return rec


__all__ = ["NameRecogniser", "name_recogniser"]

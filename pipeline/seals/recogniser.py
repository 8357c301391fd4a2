"""The seal-name recogniser: a PP-OCR recognition graph fine-tuned on unrolled seal names.

The OCR engine's recogniser reads printed lines well but a seal's name, unrolled from its rim, poorly: condensed
serif glyphs, ink spread and breaks, print crossing the strokes. The seal model is rapidocr's PP-OCRv6 small
recogniser (same graph, same character list) fine-tuned on unrolled seal names by ``scripts/train_seal_rec.py``
(docs/seal_rec.md: how it was made and what it measures). Its weights are shipped as ``models/seal_rec.npz``
(float16, 9 MB) and put into the recogniser's graph from the rapidocr wheel at load (:func:`tuned_graph`). It reads
only the name along the rim; every other line on a seal (tax id, title, serial) is still read by the OCR engine.

``name_recogniser(model, settings)`` is the process-wide instance (built on first use, the model's sha256 verified);
``lattices`` is safe to call from several threads (onnxruntime sessions are; nothing is stored per call).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.config import Settings
from pipeline.errors import ModelError
from pipeline.ocr.lattice import Lattice
from pipeline.ocr.rapid import onnx_session, read_lattices, rec_charset

BATCH = 8  # name strips per recogniser batch (a page holds a few seals)
BASE = "rapidocr-rec"  # the recogniser whose graph the seal model's weights go into


def tuned_graph(base: Path, weights: Path) -> bytes:
    """The serialised ONNX graph of ``base`` with the initializers named in ``weights`` (an .npz of float16 arrays,
    how the fine-tuned weights are shipped: half the size of the float32 graph) replaced, as float32."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(base))
    try:
        with np.load(weights) as npz:
            tuned = {name: npz[name] for name in npz.files}
    except (OSError, ValueError) as exc:
        raise ModelError(f"{weights}: not a readable .npz of weights ({exc})") from exc
    found = 0
    for init in model.graph.initializer:
        if init.name in tuned:
            old = numpy_helper.to_array(init)
            new = tuned[init.name].astype(old.dtype)
            if new.shape != old.shape:
                raise ModelError(f"{weights}: {init.name} has shape {new.shape}, the graph {base} wants {old.shape}")
            init.CopyFrom(numpy_helper.from_array(new, init.name))
            found += 1
    if found != len(tuned):
        raise ModelError(f"{weights}: {len(tuned) - found} of its arrays name no initializer of {base}; wrong base model")
    return model.SerializeToString()


class NameRecogniser:
    def __init__(self, model: str = "seal-rec", settings: Settings | None = None) -> None:
        from pipeline.models import resolve_model

        self.settings = settings or Settings()
        self.model = model
        weights = resolve_model(model, self.settings)
        graph = tuned_graph(resolve_model(BASE, self.settings), weights)
        self._session = onnx_session(graph, self.settings.ocr_threads, name=str(weights))
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


__all__ = ["NameRecogniser", "name_recogniser", "tuned_graph"]

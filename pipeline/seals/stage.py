"""The seal stage: detect every seal on a page, read it and classify it.

``SealStage(engine, config)(image_bgr, page) -> tuple[Seal, ...]``. Built once per process with the shared OCR engine
(and the process-wide seal-name recogniser, ``config.name_model``); safe to call from several threads (no state per
call). Cross-page slices are reported without reading their text.
"""

from __future__ import annotations

import numpy as np

from pipeline.ocr.base import OcrEngine
from pipeline.seals.classify import STAGE, classify
from pipeline.config import SealConfig
from pipeline.seals.detect import SealDetector
from pipeline.seals.read import SealReader
from pipeline.seals.recogniser import name_recogniser
from pipeline.types import Page, Seal


class SealStage:
    def __init__(self, engine: OcrEngine | None, config: SealConfig | None = None) -> None:
        self.config = config or SealConfig()
        self.detector = SealDetector(self.config)
        self.reader = None
        self.engine_name = None if engine is None else f"{engine.name} {engine.version}"
        if engine is not None and self.config.read_text:
            names = None
            if self.config.name_model:
                names = name_recogniser(self.config.name_model, getattr(engine, "settings", None))
                self.engine_name += f" + {self.config.name_model}"
            self.reader = SealReader(engine, self.config, names)

    def __call__(self, image: np.ndarray | None, page: Page) -> tuple[Seal, ...]:
        if image is None or not self.config.enabled:
            return ()
        out = []
        for cand in self.detector(image, page.index, page.dpi):
            texts = self.reader(image, cand) if self.reader is not None and not cand.cross_page else ()
            seal = classify(cand, texts, self.engine_name)
            lattice = next((t.lattice for t in texts if t.role in ("arc", "grid") and t.lattice), None)
            out.append(seal.model_copy(update={"owner_lattice": lattice}) if lattice else seal)
        return tuple(out)


__all__ = ["STAGE", "SealStage"]

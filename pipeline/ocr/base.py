"""The OCR engine interface and the registry of backends.

An engine is built once per process (:func:`get_engine` caches it) and called from any thread: implementations keep
no per-call state on ``self``. Pre- and post-processing are pure functions in the backend modules.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from pipeline.config import OcrConfig, Settings
from pipeline.errors import ConfigError, ModelError


@dataclass(frozen=True)
class OcrLine:
    """A recognised text line in the coordinates of the image it was read from."""

    points: tuple[tuple[float, float], ...]  # the detected quadrilateral, clockwise from top-left
    text: str
    score: float


@runtime_checkable
class OcrEngine(Protocol):
    name: str
    version: str

    @classmethod
    def is_available(cls) -> bool:
        """Whether the backend's packages (and, where it applies, binaries) are installed."""
        ...

    def __call__(self, image: np.ndarray) -> list[OcrLine]:
        """Detect and recognise all text lines of a BGR uint8 image, in reading order."""
        ...

    def detect(self, image: np.ndarray) -> list[tuple[tuple[float, float], ...]]:
        """Text-line quadrilaterals only (no recognition), in image coordinates."""
        ...

    def recognize(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Recognise already-cropped, horizontal single-line images (used to read seal text)."""
        ...

    # Optional: engines with a CTC recogniser also offer ``lattices(crops, k=5, min_prob=0.002) -> list[Lattice]``
    # (pipeline.ocr.lattice), used to verify a candidate text (a party's name) against a seal's arc.


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


_REGISTRY: dict[str, str] = {
    # name -> "module:Class"; imported lazily so an optional backend's packages are only needed when it is chosen
    "rapidocr": "pipeline.ocr.rapid:RapidOcrEngine",
    "tesseract": "pipeline.ocr.tesseract:TesseractEngine",
    "paddleocr": "pipeline.ocr.paddle:PaddleOcrEngine",
}
_engines: dict[tuple, OcrEngine] = {}
_engines_lock = threading.Lock()


def engine_class(name: str) -> type:
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown OCR engine {name!r}; valid: {', '.join(sorted(_REGISTRY))}") from None
    module_name, cls_name = target.split(":")
    import importlib

    return getattr(importlib.import_module(module_name), cls_name)


def available_engines() -> list[str]:
    out = []
    for name in _REGISTRY:
        try:
            if engine_class(name).is_available():
                out.append(name)
        except ImportError:
            continue
    return out


def get_engine(name: str, settings: Settings | None = None, config: OcrConfig | None = None) -> OcrEngine:
    """The process-wide engine for ``name`` with these settings, built on first use and shared by all threads."""
    settings = settings or Settings()
    config = config or OcrConfig()
    key = (name, settings.model_dump_json(), config.model_dump_json())
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            cls = engine_class(name)
            if not cls.is_available():
                raise ModelError(f"OCR engine {name!r} is not installed here; available: {available_engines()}")
            engine = cls(settings=settings, config=config)
            _engines[key] = engine
        return engine

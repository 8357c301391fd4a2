"""Tesseract backend through pytesseract: a slower, model-free fallback and a second opinion.

Needs the ``tesseract`` binary and its ``chi_sim`` traineddata (Debian: tesseract-ocr, tesseract-ocr-chi-sim).
Each call runs one tesseract process limited to ``Settings.ocr_threads`` OpenMP threads; nothing is kept on ``self``
between calls, so one engine serves many threads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from pipeline.config import OcrConfig, Settings
from pipeline.errors import ModelError, StageError
from pipeline.ocr.base import OcrLine, nfkc

REQUIRED_LANG = "chi_sim"


@lru_cache(maxsize=4)
def installed_languages(cmd: str) -> frozenset[str]:
    """Languages the tesseract binary ``cmd`` has traineddata for; empty when the binary is missing."""
    if shutil.which(cmd) is None:
        return frozenset()
    try:
        out = subprocess.run([cmd, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    lines = (out.stdout + out.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and " " not in line.strip())


_NO_SPACE_AFTER = set("([{:$")
_NO_SPACE_BEFORE = set(")]},.:;%")


def join_words(words: Sequence[str]) -> str:
    """Join tesseract's words. It splits Chinese into single characters, so a space goes only between two ASCII
    words (``Invoice No. 123``), never next to CJK or full-width text (``合同金额:¥1,200,000.00``)."""
    out = ""
    for word in words:
        prev, nxt = (out[-1], word[0]) if out else ("", "")
        if out and prev.isascii() and nxt.isascii() and prev not in _NO_SPACE_AFTER and nxt not in _NO_SPACE_BEFORE:
            out += " "
        out += word
    return out


def group_lines(data: dict, min_score: float = 0.0) -> list[OcrLine]:
    """OCR lines from pytesseract's ``image_to_data`` dict: words grouped by (block, paragraph, line) in its order.

    Confidence is the character-weighted mean of the word confidences, scaled from 0-100 to [0, 1].
    """
    groups: dict[tuple[int, int, int, int], list[int]] = {}
    for i, text in enumerate(data["text"]):
        if not str(text).strip() or float(data["conf"][i]) < 0:
            continue
        key = (data["page_num"][i], data["block_num"][i], data["par_num"][i], data["line_num"][i])
        groups.setdefault(key, []).append(i)
    lines = []
    for idx in groups.values():
        words = [str(data["text"][i]).strip() for i in idx]
        weights = [len(w) for w in words]
        score = sum(float(data["conf"][i]) * w for i, w in zip(idx, weights)) / (100.0 * sum(weights))
        score = min(1.0, max(0.0, score))
        if score < min_score:
            continue
        x0 = min(data["left"][i] for i in idx)
        y0 = min(data["top"][i] for i in idx)
        x1 = max(data["left"][i] + data["width"][i] for i in idx)
        y1 = max(data["top"][i] + data["height"][i] for i in idx)
        points = ((float(x0), float(y0)), (float(x1), float(y0)), (float(x1), float(y1)), (float(x0), float(y1)))
        lines.append(OcrLine(points=points, text=nfkc(join_words(words)), score=score))
    return lines


def _gray(image: np.ndarray):
    from PIL import Image

    if image.dtype != np.uint8:
        raise ValueError(f"OCR expects a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        return Image.fromarray(image)
    import cv2

    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return Image.fromarray(cv2.cvtColor(image, code))


class TesseractEngine:
    name = "tesseract"

    def __init__(self, settings: Settings | None = None, config: OcrConfig | None = None) -> None:
        import pytesseract

        self.settings = settings or Settings()
        self.config = config or OcrConfig()
        cmd = self.settings.tesseract_cmd
        if shutil.which(cmd) is None:
            raise ModelError(f"the tesseract binary {cmd!r} is not on PATH; apt-get install tesseract-ocr "
                             "or set EVIDENCE_TESSERACT_CMD")
        have = installed_languages(cmd)
        wanted = [lang for lang in self.settings.tesseract_lang.split("+") if lang]
        missing = [lang for lang in {REQUIRED_LANG, *wanted} if lang not in have]
        if missing:
            prefix = os.environ.get("TESSDATA_PREFIX", "tesseract's tessdata folder")
            raise ModelError(f"tesseract has no traineddata for {', '.join(sorted(missing))} in {prefix}; "
                             "apt-get install tesseract-ocr-chi-sim (and tesseract-ocr-eng)")
        # Tesseract parallelises with OpenMP; the pipeline scales by processes, so cap it (read by each child process).
        os.environ.setdefault("OMP_THREAD_LIMIT", str(self.settings.ocr_threads))
        self._pytesseract = pytesseract
        self._lang = "+".join(wanted)
        self.version = str(pytesseract.get_tesseract_version())

    @classmethod
    def is_available(cls) -> bool:
        try:
            import pytesseract  # noqa: F401
        except ImportError:
            return False
        return REQUIRED_LANG in installed_languages(Settings().tesseract_cmd)

    def _data(self, image: np.ndarray, psm: int) -> dict:
        pt = self._pytesseract
        try:
            return pt.image_to_data(_gray(image), lang=self._lang, config=f"--psm {psm}", output_type=pt.Output.DICT)
        except pt.TesseractError as exc:
            raise StageError("ocr", f"tesseract failed: {exc}") from exc

    def __call__(self, image: np.ndarray) -> list[OcrLine]:
        return group_lines(self._data(image, 3), self.config.min_text_score)

    def detect(self, image: np.ndarray) -> list[tuple[tuple[float, float], ...]]:
        return [line.points for line in group_lines(self._data(image, 3))]

    def recognize(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        out = []
        for crop in crops:
            lines = group_lines(self._data(crop, 7))
            if not lines:
                out.append(("", 0.0))
                continue
            chars = sum(len(line.text) for line in lines) or 1
            score = sum(line.score * len(line.text) for line in lines) / chars
            out.append(("".join(line.text for line in lines), score))
        return out

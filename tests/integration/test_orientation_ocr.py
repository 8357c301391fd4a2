"""The orientation stage on rendered Chinese pages with the real RapidOCR detector and 0/180 classifier."""

from __future__ import annotations

import statistics
import time

import cv2
import numpy as np
import pytest

from pipeline.ocr.base import get_engine
from pipeline.ocr.orientation import Orienter

pytestmark = pytest.mark.integration

# How the page is found -> the clockwise turn that makes it upright.
FOUND_AS = {0: None, 90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


def _page(seed: int) -> tuple[np.ndarray, str]:
    """A rendered A4 contract page (BGR) and its title line."""
    try:
        from scripts.synth.text_page import render_contract_page
    except ImportError:  # the generator is not there: a plain page of the same kind
        return _plain_page(seed)
    page = render_contract_page(seed=seed, dpi=150)
    return page.bgr(), page.lines[0].text


def _plain_page(seed: int) -> tuple[np.ndarray, str]:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 26, index=2)
    rng = np.random.default_rng(seed)
    chars = ("甲乙双方根据中华人民共和国民法典有关法律法规的规定"
             "本着平等自愿诚实信用原则经友好协商达成如下协议")
    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    draw.text((480, 120), "技术服务合同", font=ImageFont.truetype(
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 40, index=2), fill="black")
    for i in range(30):
        line = "".join(rng.choice(list(chars), 36))
        draw.text((140, 220 + 44 * i), line, font=font, fill=(20, 20, 20))
    return np.ascontiguousarray(np.asarray(img)[:, :, ::-1]), "技术服务合同"


def _skewed(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)  # counter-clockwise on screen
    return cv2.warpAffine(image, m, (w, h), borderValue=(255, 255, 255))


@pytest.fixture(scope="module")
def engine():
    return get_engine("rapidocr")


@pytest.fixture(scope="module")
def orienter(engine):
    return Orienter(engine, max_skew=8.0)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("skew", [0.0, 2.5])
def test_rotated_and_skewed_pages_are_turned_upright(orienter, rotation, skew):
    page, _ = _page(seed=rotation + int(skew * 10))
    source = _skewed(page, skew) if skew else page
    if FOUND_AS[rotation] is not None:
        source = cv2.rotate(source, FOUND_AS[rotation])
    result = orienter(source)
    assert result.rotation == rotation
    assert result.skew == pytest.approx(skew, abs=0.15)
    h, w = result.image.shape[:2]
    assert h > w  # portrait again


def test_small_skew_is_left_alone(orienter):
    page, _ = _page(seed=3)
    result = orienter(_skewed(page, 0.2))
    assert result.rotation == 0 and result.skew == 0.0
    assert result.image.shape == page.shape


def test_blank_page_is_returned_as_it_is(orienter):
    blank = np.full((1200, 900, 3), 250, np.uint8)
    result = orienter(blank)
    assert (result.rotation, result.skew) == (0, 0.0)
    assert np.array_equal(result.image, blank)


def test_upside_down_skewed_page_reads_after_orientation(orienter, engine):
    page, title = _page(seed=7)
    source = cv2.rotate(_skewed(page, -3.0), cv2.ROTATE_180)
    result = orienter(source)
    assert (result.rotation, result.skew) == (180, pytest.approx(-3.0, abs=0.15))
    top = result.image[: result.image.shape[0] // 6]
    text = "".join(line.text for line in engine(top))
    assert title in text


def test_orientation_is_cheap(orienter):
    page, _ = _page(seed=11)
    sideways = cv2.rotate(_skewed(page, 1.5), cv2.ROTATE_90_CLOCKWISE)
    orienter(sideways)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        orienter(sideways)
        times.append(time.perf_counter() - start)
    # ~0.2 s on one idle core for an A4 page at 150-200 dpi; the bound leaves room for a busy CI machine
    assert statistics.median(times) < 1.5

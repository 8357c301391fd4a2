"""The OCR backends' pure pre- and post-processing, without model weights."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from pipeline.config import OcrConfig
from pipeline.ocr import geometry, ppocr
from pipeline.ocr.tesseract import group_lines, join_words
from scripts.synth.common import amount_upper as amount_in_words


def quad(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def rotated(q, degrees, center=(800, 1100)):
    m = cv2.getRotationMatrix2D(center, degrees, 1.0)
    return (q @ m[:, :2].T + m[:, 2]).astype(np.float32)


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize("h,w,side,expected", [
    (2339, 1654, 1600, (1600, 1120)),
    (2339, 1654, 768, (768, 544)),
    (100, 300, 1600, (96, 288)),  # never enlarged, only rounded to multiples of 32
    (10, 10, 1600, (32, 32)),
])
def test_det_input_size_caps_long_side_and_rounds_to_32(h, w, side, expected):
    assert ppocr.det_input_size(h, w, side) == expected


def test_det_blob_is_nchw_in_minus_one_to_one():
    image = np.full((50, 80, 3), 255, np.uint8)
    image[:, :40] = 0
    blob = ppocr.det_blob(image, (64, 96))
    assert blob.shape == (1, 3, 64, 96) and blob.dtype == np.float32
    assert blob.min() == pytest.approx(-1.0) and blob.max() == pytest.approx(1.0)


def test_order_quad_is_clockwise_from_top_left():
    shuffled = np.array([[10, 20], [0, 0], [10, 0], [0, 20]], dtype=np.float32)
    assert geometry.order_quad(shuffled).tolist() == [[0, 0], [10, 0], [10, 20], [0, 20]]


def test_db_boxes_finds_each_text_blob_and_scales_to_the_page():
    prob = np.zeros((100, 200), np.float32)
    prob[20:30, 10:150] = 0.9
    prob[60:72, 40:120] = 0.8
    found = ppocr.db_boxes(prob, (400, 800), OcrConfig())
    assert len(found) == 2
    boxes = sorted((q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max()) for q, _ in found)
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = sorted(boxes, key=lambda b: b[1])
    # scaled by 4 and grown by the unclip margin, the boxes contain the blobs
    assert ax0 <= 40 and ax1 >= 596 and ay0 <= 80 and ay1 >= 116
    assert by0 <= 240 and by1 >= 284 and bx0 <= 160 and bx1 >= 476
    assert all(0.5 < score <= 1.0 for _, score in found)


def test_db_boxes_drops_faint_and_tiny_regions():
    prob = np.zeros((100, 200), np.float32)
    prob[20:30, 10:150] = 0.35  # above the pixel threshold, below the box threshold
    prob[50:51, 50:52] = 0.9  # speck
    assert ppocr.db_boxes(prob, (100, 200), OcrConfig()) == []


# ---------------------------------------------------------------- reading order


def test_reading_order_lines_top_to_bottom_boxes_left_to_right():
    quads = [quad(900, 100, 1400, 130), quad(100, 300, 800, 330), quad(100, 102, 600, 128), quad(100, 200, 1400, 230)]
    assert geometry.reading_order(quads) == [2, 0, 3, 1]


def test_reading_order_keeps_lines_of_a_skewed_page_together():
    # A right-aligned heading above a left-aligned line; turned 3 degrees the heading's centre sinks below the
    # line's centre in raw y, but the reading order must still be heading first.
    lines = [quad(1000, 100, 1450, 130)] + [quad(150, 100 + 41 * k, 1450, 130 + 41 * k) for k in range(1, 6)]
    lines.insert(2, quad(150, 141, 700, 171))
    skewed = [rotated(q, -3) for q in lines]  # clockwise turn: right side lower
    order = geometry.reading_order(skewed)
    assert order[0] == 0 and order.index(1) < order.index(3)
    assert geometry.page_angle(skewed) == pytest.approx(math.radians(3), abs=0.005)


def test_reading_order_of_nothing_is_empty():
    assert geometry.reading_order([]) == []


# ---------------------------------------------------------------- crops and batches


def test_crop_quad_slices_axis_aligned_boxes():
    image = np.arange(100 * 200 * 3, dtype=np.uint32).reshape(100, 200, 3).astype(np.uint8)
    crop = geometry.crop_quad(image, quad(10, 20, 110, 50))
    assert crop.shape == (30, 100, 3)
    assert np.array_equal(crop, image[20:50, 10:110])


def test_crop_quad_straightens_a_rotated_line():
    image = np.full((400, 600, 3), 255, np.uint8)
    cv2.rectangle(image, (100, 180), (500, 220), (0, 0, 0), -1)
    m = cv2.getRotationMatrix2D((300, 200), 10, 1.0)
    turned = cv2.warpAffine(image, m, (600, 400), borderValue=(255, 255, 255))
    q = rotated(quad(100, 180, 500, 220), 10, (300, 200))
    crop = geometry.crop_quad(turned, geometry.order_quad(q))
    assert crop.shape[1] == pytest.approx(400, abs=3) and crop.shape[0] == pytest.approx(40, abs=3)
    assert crop[5:-5, 5:-5].mean() < 30  # the black bar fills the straightened crop


def test_crop_quad_turns_vertical_text_to_horizontal():
    image = np.zeros((300, 100, 3), np.uint8)
    crop = geometry.crop_quad(image, quad(10, 10, 40, 250))
    assert crop.shape[1] > crop.shape[0]


def test_is_blank():
    assert geometry.is_blank(np.full((30, 200, 3), 250, np.uint8))
    assert geometry.is_blank(np.zeros((3, 200, 3), np.uint8))
    text = np.full((30, 200, 3), 255, np.uint8)
    text[10:20, ::7] = 0
    assert not geometry.is_blank(text)


def test_plan_batches_groups_only_crops_of_nearly_the_same_width():
    ratios = [30.0, 1.0, 12.0, 2.0, 29.0, 11.0, 1.05, 1.08, 1.09]
    batches = ppocr.plan_batches(ratios, 3)
    assert batches == [[1, 6, 7], [8], [3], [5, 2], [4, 0]]
    assert sorted(i for b in batches for i in b) == list(range(len(ratios)))
    assert ppocr.plan_batches(ratios, 8, max_pad=100.0) == [[1, 6, 7, 8, 3, 5, 2, 4], [0]]
    assert ppocr.plan_batches([], 8) == []


def test_rec_blob_pads_to_the_widest_crop_of_the_batch():
    crops = [np.full((24, 48, 3), 255, np.uint8), np.zeros((24, 240, 3), np.uint8)]
    blob = ppocr.rec_blob(crops)
    assert blob.shape == (2, 3, 48, 480)
    assert blob[0, :, :, :96].min() == pytest.approx(1.0)  # white crop, scaled to 96 columns
    assert np.all(blob[0, :, :, 96:] == 0.0)  # right padding
    assert blob[1].max() == pytest.approx(-1.0)
    assert ppocr.rec_blob(crops, min_ratio=320 / 48)[:1].shape[3] == 480
    assert ppocr.rec_blob(crops[:1], min_ratio=320 / 48).shape[3] == 320


def test_rec_blob_text_fill_shrinks_the_sequence_and_pads_rows_with_the_edge():
    crop = np.full((30, 300, 3), 255, np.uint8)
    crop[12:18] = 0
    blob = ppocr.rec_blob([crop], text_fill=0.5)
    assert blob.shape == (1, 3, 48, 240)  # 24 rows high -> 240 columns instead of 480
    assert blob[0, 0, 0, 0] == pytest.approx(1.0) and blob[0, 0, -1, 0] == pytest.approx(1.0)
    assert blob[0, 0, 24, 10] == pytest.approx(-1.0)
    assert ppocr.rec_blob([crop], width_scale=0.5).shape[3] == 240


def one_hot(steps, classes=4, p=0.9):
    preds = np.full((1, len(steps), classes), 0.02, np.float32)
    for t, c in enumerate(steps):
        preds[0, t, c] = p
    return preds


def test_ctc_decode_merges_repeats_and_drops_blanks():
    charset = ["", "0", "1", "元"]
    steps = [1, 1, 0, 1, 2, 2, 0, 0, 3]  # "0 0" separated by a blank stays two zeros
    preds = one_hot(steps)
    preds[0, 4, 2] = 0.5
    (reading,) = ppocr.ctc_decode(preds, charset)
    assert reading.text == "001元"
    assert reading.score == pytest.approx((0.9 + 0.9 + 0.5 + 0.9) / 4)
    assert reading.spans == ((0, 1), (3, 3), (4, 5), (8, 8))


def test_ctc_decode_all_blank_is_empty_with_zero_score():
    preds = np.zeros((2, 5, 3), np.float32)
    preds[:, :, 0] = 1.0
    assert [tuple(r[:2]) for r in ppocr.ctc_decode(preds, ["", "a", "b"])] == [("", 0.0), ("", 0.0)]


def test_crowded_groups_finds_touching_characters_and_widens_to_wide_neighbours():
    charset = ["", "额", "为", "1", "2", "0", "元", " "]
    #        额 _ _ 为 _ 1 2 0 _ 0 元 _  (1, 2 and 0 touch: too few steps for them)
    steps = [1, 0, 0, 2, 0, 3, 4, 5, 0, 5, 6, 0]
    (reading,) = ppocr.ctc_decode(one_hot(steps, len(charset)), charset)
    assert reading.text == "额为1200元"
    groups = ppocr.crowded_groups(reading)
    assert groups == [(1, 6)]  # from 为 to 元: cut in the clear gaps around CJK characters
    left, right = ppocr.group_steps(reading.spans, 1, 6, len(steps))
    assert left == pytest.approx(2.0) and right == pytest.approx(12.0)


def test_crowded_groups_ignores_spaces_and_separated_characters():
    charset = ["", "条", " ", "服", "a"]
    (reading,) = ppocr.ctc_decode(one_hot([1, 2, 3, 0, 4, 0, 4], len(charset)), charset)
    assert reading.text == "条 服aa"
    assert ppocr.crowded_groups(reading) == []


def test_splice_replaces_the_reread_stretch_when_its_ends_agree():
    line = ppocr.Reading("金额为120元整", 0.9)
    again = ppocr.Reading("为1200元", 0.95)
    merged = ppocr.splice(line, 2, 6, again)
    assert merged.text == "金额为1200元整"
    assert merged.score == pytest.approx((0.9 * 3 + 0.95 * 6) / 9)
    assert ppocr.splice(line, 2, 6, ppocr.Reading("内1200元", 0.95)) is None
    assert ppocr.splice(line, 2, 6, ppocr.Reading("", 0.0)) is None
    assert ppocr.splice(ppocr.Reading("号：12", 0.9), 1, 3, ppocr.Reading(":12", 0.9)).text == "号:12"


def test_as_bgr_accepts_gray_and_bgra_and_rejects_other_types():
    assert geometry.as_bgr(np.zeros((5, 6), np.uint8)).shape == (5, 6, 3)
    assert geometry.as_bgr(np.zeros((5, 6, 4), np.uint8)).shape == (5, 6, 3)
    with pytest.raises(ValueError):
        geometry.as_bgr(np.zeros((5, 6, 3), np.float32))


# ---------------------------------------------------------------- tesseract output


def test_join_words_spaces_only_between_latin_words():
    assert join_words(["合", "同", "金", "额", ":", "¥1,200,000.00"]) == "合同金额:¥1,200,000.00"
    assert join_words(["Invoice", "No.", "123"]) == "Invoice No. 123"
    assert join_words(["代码", "9111", "法定"]) == "代码9111法定"


def test_group_lines_groups_words_boxes_and_scales_confidence():
    data = {
        "page_num": [1, 1, 1, 1, 1], "block_num": [1, 1, 1, 1, 2], "par_num": [1, 1, 1, 1, 1],
        "line_num": [1, 1, 1, 2, 1], "text": ["", "甲方", "公司", "乙方", " "],
        "conf": [-1, 90, 70, 50, 95], "left": [0, 10, 60, 10, 0], "top": [0, 5, 6, 40, 0],
        "width": [0, 40, 40, 40, 5], "height": [0, 20, 20, 20, 5],
    }
    lines = group_lines(data)
    assert [line.text for line in lines] == ["甲方公司", "乙方"]
    assert lines[0].score == pytest.approx(0.8)
    assert lines[0].points == ((10.0, 5.0), (100.0, 5.0), (100.0, 26.0), (10.0, 26.0))
    assert [line.text for line in group_lines(data, min_score=0.6)] == ["甲方公司"]


# ---------------------------------------------------------------- synthetic pages


@pytest.mark.parametrize("amount,words", [
    (1_200_000, "壹佰贰拾万元整"), (100_500.5, "壹拾万零伍佰元伍角"), (1001, "壹仟零壹元整"),
    (20_300_400, "贰仟零叁拾万零肆佰元整"), (112.2, "壹佰壹拾贰元贰角"), (7894.25, "柒仟捌佰玖拾肆元贰角伍分"),
    (1_000_000.01, "壹佰万元零壹分"), (100_000_000, "壹亿元整"),
])
def test_amount_in_words(amount, words):
    assert amount_in_words(amount) == words

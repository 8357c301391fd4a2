"""Pure geometry of the orientation stage: rotation bookkeeping, line angles, skew search. No model weights."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from pipeline.ocr.orientation import (
    CLS_SHAPE,
    deskew_matrix,
    is_sideways,
    line_geometry,
    line_pieces,
    map_points,
    profile_skew,
    quarter_matrix,
    rotate_quarter,
    turned_line_crop,
    upright_matrix,
    upside_down_score,
)


def _box(cx: float, cy: float, length: float, thick: float, angle_ccw: float) -> np.ndarray:
    """A text-line rectangle tilted ``angle_ccw`` degrees counter-clockwise on screen (y down)."""
    return cv2.boxPoints(((cx, cy), (length, thick), -angle_ccw)).astype(np.float64)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_quarter_matrix_follows_the_pixels_of_rotate_quarter(rotation):
    image = np.zeros((30, 50), np.uint8)
    image[7, 41] = 255
    turned = rotate_quarter(image, rotation)
    y, x = np.argwhere(turned == 255)[0]
    assert map_points(quarter_matrix(image.shape, rotation), [(41, 7)])[0] == pytest.approx((x, y))


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_turning_back_restores_the_image(rotation):
    image = np.arange(12 * 20, dtype=np.uint8).reshape(12, 20)
    assert np.array_equal(rotate_quarter(rotate_quarter(image, rotation), (360 - rotation) % 360), image)


def test_bad_rotation_is_refused():
    with pytest.raises(ValueError):
        rotate_quarter(np.zeros((4, 4), np.uint8), 45)
    with pytest.raises(ValueError):
        quarter_matrix((4, 4), 45)


@pytest.mark.parametrize("angle", [0.0, 2.5, -4.0, 7.9, 90.0, -60.0])
def test_line_geometry_measures_length_thickness_and_angle(angle):
    length, thick, measured = line_geometry(_box(200, 100, 300, 24, angle))
    assert length == pytest.approx(300, abs=1)
    assert thick == pytest.approx(24, abs=1)
    expected = 90.0 if abs(angle) == 90 else angle
    assert measured == pytest.approx(expected, abs=0.2)


def test_sideways_pages_have_vertical_lines():
    horizontal = [_box(300, 50 + 40 * i, 400, 20, 1.0) for i in range(6)]
    vertical = [_box(50 + 40 * i, 300, 400, 20, 89.0) for i in range(6)]
    squares = [_box(500, 500, 30, 30, 0.0)] * 20  # single characters say nothing
    assert is_sideways(horizontal + squares) is False
    assert is_sideways(vertical + squares) is True
    assert is_sideways(vertical[:2] + squares) is None


def _rows_of_points(angle: float, rows: int = 25, width: int = 900, seed: int = 0) -> np.ndarray:
    """Ink-like points along text rows tilted ``angle`` degrees counter-clockwise, plus some noise."""
    rng = np.random.default_rng(seed)
    xs = rng.uniform(0, width, rows * 400)
    row = rng.integers(0, rows, xs.size)
    ys = 60 + 45 * row + rng.uniform(0, 18, xs.size) - xs * math.tan(math.radians(angle))
    noise = rng.uniform(0, width, (800, 2))
    return np.vstack([np.stack([xs, ys], 1), noise]).astype(np.float32)


@pytest.mark.parametrize("angle", [0.0, 0.4, 2.5, -3.3, 6.0])
def test_profile_skew_finds_the_row_angle(angle):
    assert profile_skew(_rows_of_points(angle), max_skew=8.0) == pytest.approx(angle, abs=0.1)


def test_profile_skew_needs_enough_ink():
    assert profile_skew(np.zeros((10, 2), np.float32), max_skew=8.0) is None


def test_deskew_canvas_holds_every_corner():
    shape = (400, 300)
    m, (h, w) = deskew_matrix(shape, 6.0)
    corners = map_points(m, [(0, 0), (299, 0), (299, 399), (0, 399)])
    assert corners[:, 0].min() >= -0.5 and corners[:, 0].max() <= w - 0.5
    assert corners[:, 1].min() >= -0.5 and corners[:, 1].max() <= h - 0.5


def test_deskew_matrix_levels_a_tilted_line():
    m, _ = deskew_matrix((400, 600), 3.0)
    line = _box(300, 200, 400, 10, 3.0)
    assert line_geometry(map_points(m, line))[2] == pytest.approx(0.0, abs=0.05)


def test_upright_matrix_is_the_quarter_turn_without_skew():
    assert np.allclose(upright_matrix((30, 50), 90), quarter_matrix((30, 50), 90))


def test_upright_matrix_turns_then_levels():
    shape = (600, 400)
    line = _box(200, 300, 300, 12, 90 + 2.0)  # a line of a page turned 90 degrees counter-clockwise, tilted 2 degrees
    mapped = map_points(upright_matrix(shape, 90, 2.0), line)
    assert line_geometry(mapped)[2] == pytest.approx(0.0, abs=0.05)


def test_turned_line_crop_reads_left_to_right():
    page = np.full((200, 300, 3), 255, np.uint8)
    page[50:70, 40:60] = 0  # the line's first character is black, the rest grey
    page[50:70, 60:240] = 128
    sideways = rotate_quarter(page, 270)  # the page as found: turned 90 degrees counter-clockwise
    quad = map_points(quarter_matrix(page.shape, 270), [(40, 50), (240, 50), (240, 70), (40, 70)])
    crop = turned_line_crop(sideways, quad, 90)
    assert crop.shape[1] > 3 * crop.shape[0]
    assert crop[:, :10].mean() < 40 and crop[:, -40:].mean() > 100


def test_line_pieces_have_the_classifier_aspect():
    crop = np.zeros((30, 30 * 20, 3), np.uint8)
    pieces = line_pieces(crop, max_pieces=2)
    assert len(pieces) == 2
    assert all(p.shape[1] == 30 * CLS_SHAPE[1] // CLS_SHAPE[0] for p in pieces)
    assert len(line_pieces(np.zeros((30, 60, 3), np.uint8))) == 1


def test_upside_down_score_sums_the_votes():
    assert upside_down_score(np.array([[0.9, 0.1], [0.2, 0.8], [0.1, 0.9]])) > 0
    assert upside_down_score(np.array([[0.99, 0.01], [0.4, 0.6]])) < 0

"""Red-ink suppression on synthetic pages: black print under a red ring survives, the ring goes, other pages stay."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.ocr.redink import paper_colour, red_mask, reddish_boxes, suppress_red_ink

RED = (38, 28, 208)  # BGR seal ink
PINK = (150, 110, 235)  # a faint pinkish seal


def _page(paper=(255, 255, 255), size=(400, 600)) -> np.ndarray:
    """A page with three black text-like bars (BGR)."""
    page = np.empty(size + (3,), np.uint8)
    page[:] = paper
    for y in (150, 200, 250):
        page[y:y + 12, 60:540:1] = 0
        page[y:y + 12, 60:540:16] = paper  # gaps between "characters"
    return page


def _stamp_ring(page: np.ndarray, ink=RED, strength: float = 0.95, centre=(300, 200)) -> tuple[np.ndarray, np.ndarray]:
    """Multiply a red ring with a bar through it onto the page, as ink does; returns (page, ink coverage mask)."""
    alpha = np.zeros(page.shape[:2], np.float32)
    cv2.circle(alpha, centre, 110, 1.0, 14)
    cv2.line(alpha, (centre[0] - 60, centre[1] + 40), (centre[0] + 60, centre[1] + 40), 1.0, 10)
    alpha *= strength
    filt = np.array(ink, np.float32) / 255.0
    factor = 1.0 - alpha[..., None] * (1.0 - filt)
    return (page.astype(np.float32) * factor + 0.5).astype(np.uint8), alpha > 0.5 * strength


def _text_mask(page: np.ndarray) -> np.ndarray:
    return page.max(axis=2) < 60


def test_black_text_under_a_red_ring_survives():
    clean = _page()
    text = _text_mask(clean)
    sealed, ring = _stamp_ring(clean)
    out = suppress_red_ink(sealed)
    under = text & ring
    assert under.sum() > 100
    assert out[under].max() < 60  # still black where the ring covers text
    assert out[text].mean() < 20


def test_red_ink_on_paper_turns_into_paper():
    clean = _page()
    sealed, ring = _stamp_ring(clean)
    out = suppress_red_ink(sealed)
    ink_only = ring & ~_text_mask(clean)
    assert sealed[ink_only][:, 1].mean() < 100  # the green channel shows the ink before...
    assert out[ink_only].min(axis=1).mean() > 235  # ...and paper after
    assert red_mask(out).sum() < 0.01 * ink_only.sum()


def test_grey_page_is_unchanged():
    page = _page(paper=(200, 200, 200))
    page[50:100, 100:500] = 128  # a grey block and a gradient
    page[300:350] = np.linspace(80, 250, page.shape[1]).astype(np.uint8)[None, :, None]
    assert np.array_equal(suppress_red_ink(page), page)


def test_faint_pink_seal_is_removed():
    clean = _page()
    sealed, ring = _stamp_ring(clean, ink=PINK, strength=0.5)
    out = suppress_red_ink(sealed)
    ink_only = ring & ~_text_mask(clean)
    assert red_mask(sealed)[ink_only].mean() > 0.9
    assert out[ink_only].min(axis=1).mean() > 240
    assert out[_text_mask(clean)].mean() < 20


@pytest.mark.parametrize("paper", [(214, 236, 216), (240, 224, 205)], ids=["green", "blue"])
def test_tinted_paper_keeps_its_colour_and_loses_the_seal(paper):
    clean = _page(paper=paper)
    sealed, ring = _stamp_ring(clean)
    out = suppress_red_ink(sealed)
    far = np.zeros(ring.shape, bool)
    far[:, :120] = True  # left of the seal
    assert np.abs(out[far].astype(int) - sealed[far].astype(int)).max() <= 1
    ink_only = ring & ~_text_mask(clean)
    assert np.abs(out[ink_only].astype(int) - np.array(paper)).mean() < 12  # paper colour, not white, not red
    assert out[_text_mask(clean) & ring].max() < 60


def test_blue_print_is_not_ink():
    page = _page()
    page[300:320, 60:540] = (200, 60, 20)  # blue stamp-like print (BGR)
    assert not red_mask(page).any()
    assert np.array_equal(suppress_red_ink(page), page)


def test_regions_limit_the_change():
    sealed, _ = _stamp_ring(_page(), centre=(150, 200))
    sealed, _ = _stamp_ring(sealed, centre=(450, 200))
    out = suppress_red_ink(sealed, regions=[(0, 0, 300, 400)])
    assert red_mask(out[:, :300]).sum() < 50
    assert np.array_equal(out[:, 300:], sealed[:, 300:])


def test_reddish_boxes_find_each_seal():
    sealed, _ = _stamp_ring(_page(size=(400, 1200)), centre=(200, 200))
    sealed, _ = _stamp_ring(sealed, centre=(1000, 200))
    boxes = sorted(reddish_boxes(sealed))
    assert len(boxes) == 2
    assert boxes[0][0] <= 90 and boxes[0][2] >= 310 and boxes[1][0] <= 890 and boxes[1][2] >= 1110


def test_paper_colour_sees_through_text_and_a_solid_red_blob():
    page = _page(paper=(214, 236, 216))
    cv2.circle(page, (300, 200), 90, RED, -1)  # a large solid blob of ink, like a seal's star in a crop
    paper = paper_colour(page)
    assert np.abs(paper[200, 300] - (214, 236, 216)).max() < 8
    assert np.abs(paper[205, 100] - (214, 236, 216)).max() < 8


def test_non_bgr_input_is_refused():
    with pytest.raises(ValueError):
        suppress_red_ink(np.zeros((10, 10), np.uint8))

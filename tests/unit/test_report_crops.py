"""Crop planning: nearby boxes share a crop, every crop lies inside its page and holds its boxes, six at most."""

import cv2
import numpy as np
from hypothesis import given, strategies as st

from pipeline.report.crops import MAX_WIDTH, CropStore, crop_rect, encode_crop, plan_crops
from pipeline.types import BBox, Page, PageKind, Provenance, Region

P = Provenance(stage="test")
PAGES = {("a.pdf", i): Page(file_id="a.pdf", index=i, width=1654, height=2339, dpi=200, kind=PageKind.digital,
                            provenance=P) for i in range(3)}


def reg(y, page=0, x=100, w=300, h=40, file_id="a.pdf"):
    return Region(file_id=file_id, page=page, bbox=BBox(x0=x, y0=y, x1=x + w, y1=y + h))


def test_nearby_boxes_share_a_crop_and_far_ones_do_not():
    plans, rest = plan_crops([reg(100), reg(300), reg(2000), reg(150, page=1)], PAGES)
    assert [(p.page, len(p.boxes)) for p in plans] == [(0, 2), (0, 1), (1, 1)] and rest == []


def test_a_repeated_region_is_shown_once():
    plans, _ = plan_crops([reg(100), reg(100)], PAGES)
    assert len(plans) == 1 and len(plans[0].boxes) == 1


def test_past_six_crops_the_regions_are_listed_and_unknown_pages_too():
    regions = [reg(100 + 1000 * (i % 3), page=i // 3) for i in range(8)] + [reg(10, file_id="gone.pdf")]
    plans, rest = plan_crops(regions, PAGES)
    assert len(plans) == 6
    assert rest == regions[6:]


def test_a_whole_page_box_takes_the_small_boxes_on_it():
    page = Region(file_id="a.pdf", page=0, bbox=BBox(x0=0, y0=0, x1=1654, y1=2339))
    plans, _ = plan_crops([page, reg(100), reg(2200)], PAGES)
    assert len(plans) == 1 and plans[0].rect == (0, 0, 1654, 2339)


@given(st.floats(0, 1600), st.floats(0, 2300), st.floats(1, 1654), st.floats(1, 2339))
def test_a_crop_holds_its_box_and_lies_inside_the_page(x, y, w, h):
    box = BBox(x0=x, y0=y, x1=min(1654, x + w), y1=min(2339, y + h))
    x0, y0, x1, y1 = crop_rect(box, 1654, 2339, 200)
    assert 0 <= x0 < x1 <= 1654 and 0 <= y0 < y1 <= 2339
    assert x0 <= box.x0 and y0 <= box.y0 and x1 >= int(box.x1) and y1 >= int(box.y1)
    assert x1 - x0 >= min(1654, 800) - 1


def test_encoded_crop_is_a_jpeg_of_at_most_the_maximum_width():
    image = np.full((2339, 1654, 3), 255, np.uint8)
    cv2.putText(image, "X", (200, 200), cv2.FONT_HERSHEY_SIMPLEX, 3, (0, 0, 0), 5)
    jpeg, w, h, scale = encode_crop(image, (0, 0, 1654, 400))
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (h, w, 3) and w == MAX_WIDTH and abs(scale - MAX_WIDTH / 1654) < 1e-9
    assert decoded.min() < 100  # the ink is there


def test_the_store_encodes_each_rectangle_once():
    calls = []

    def images(page):
        calls.append(page.index)
        return np.zeros((page.height, page.width, 3), np.uint8)

    store = CropStore(images, PAGES)
    (plan,) = plan_crops([reg(100)], PAGES)[0]
    assert store(plan) is store(plan) and calls == [0] and len(store.crops) == 1
    assert CropStore(None, PAGES)(plan) is None

"""Page images for the report: turned upright as the reader turned them, found in folders and archives, and None (not
an exception) for a file that is missing, changed or unreadable."""

import io
import zipfile

import cv2
import numpy as np
import pytest

from pipeline.ingest import Ingestor
from pipeline.ocr.orientation import deskew_matrix, map_points, upright_matrix
from pipeline.report.pages import PageImages, upright
from pipeline.types import Page, PageKind, Provenance, SourceFile

P = Provenance(stage="test")


def _dot_image(h=300, w=500, at=(400, 60)):
    image = np.full((h, w, 3), 255, np.uint8)
    cv2.circle(image, at, 4, (0, 0, 0), -1)
    return image


def _dark_centre(image):
    ys, xs = np.nonzero(image.min(axis=2) < 128)
    return xs.mean(), ys.mean()


@pytest.mark.parametrize("rotation, skew", [(0, 0.0), (90, 0.0), (180, 0.0), (270, 0.0), (90, 2.5), (0, -1.65)])
def test_a_source_point_lands_where_the_readers_matrix_maps_it(rotation, skew):
    image = _dot_image()
    turned = image.shape[:2] if rotation in (0, 180) else image.shape[1::-1]
    h, w = deskew_matrix(turned, skew)[1] if skew else turned
    out = upright(image, rotation, skew, (w, h))
    assert out.shape[:2] == (h, w)
    (expected,) = map_points(upright_matrix(image.shape[:2], rotation, skew), [(400, 60)])
    got = _dark_centre(out)
    assert abs(got[0] - expected[0]) < 1.0 and abs(got[1] - expected[1]) < 1.0


def test_the_recorded_page_size_wins_over_a_canvas_from_a_rounded_skew():
    out = upright(_dot_image(), 0, 1.0, (520, 330))
    assert out.shape[:2] == (330, 520)


def _png(w=400, h=300):
    ok, buf = cv2.imencode(".png", _dot_image(h, w, (50, 50)))
    return buf.tobytes()


def _page(file_id, w=400, h=300, rotation=0):
    return Page(file_id=file_id, index=0, width=w, height=h, dpi=200, kind=PageKind.scanned, rotation=rotation,
                provenance=P)


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "C1").mkdir()
    (tmp_path / "C1" / "scan.png").write_bytes(_png())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("回单/slip.png", _png(200, 100))
    (tmp_path / "slips.zip").write_bytes(buf.getvalue())
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    return tmp_path


def test_files_in_folders_and_zip_members_are_found_and_turned(folder):
    images = PageImages(folder, Ingestor())
    scan = images(_page("C1/scan.png", w=300, h=400, rotation=90))
    assert scan.shape == (400, 300, 3)
    x, y = _dark_centre(scan)
    assert abs(x - (300 - 1 - 50)) < 1.5 and abs(y - 50) < 1.5  # turned 90 degrees clockwise
    assert images(_page("slips.zip/回单/slip.png", w=200, h=100)).shape == (100, 200, 3)
    images.close()


def test_missing_unreadable_outside_or_changed_files_give_none(folder):
    changed = SourceFile(id="C1/scan.png", name="scan.png", sha256="0" * 64, size=1, media_type="image/png")
    with PageImages(folder, Ingestor(), sources=[changed]) as images:
        assert images(_page("C1/scan.png")) is None
        assert images(_page("gone.png")) is None
        assert images(_page("bad.png")) is None
        assert images(_page("../outside.png")) is None
        assert images(_page("slips.zip/missing.png")) is None
        assert images(Page(file_id="slips.zip/回单/slip.png", index=3, width=1, height=1, dpi=200,
                           kind=PageKind.scanned, provenance=P)) is None


def test_a_single_file_root_serves_its_own_name(folder):
    with PageImages(folder / "C1" / "scan.png", Ingestor()) as images:
        assert images(_page("scan.png")) is not None
        assert images(_page("other.png")) is None


def test_pages_are_cached(folder):
    with PageImages(folder, Ingestor()) as images:
        page = _page("C1/scan.png")
        assert images(page) is images(page)


def test_many_threads_get_the_same_pages(folder):
    from concurrent.futures import ThreadPoolExecutor

    pages = [_page("C1/scan.png", w=300, h=400, rotation=90), _page("slips.zip/回单/slip.png", w=200, h=100)] * 20
    with PageImages(folder, Ingestor(), cache_pages=1) as images:  # a tiny cache: pages are rendered again and again
        with ThreadPoolExecutor(max_workers=8) as pool:
            shapes = list(pool.map(lambda p: images(p).shape, pages))
    assert shapes == [(400, 300, 3), (100, 200, 3)] * 20

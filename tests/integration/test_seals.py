"""The seal stage with the real RapidOCR recogniser on a generated acceptance certificate (seed-fixed, drawn in
memory by the synthetic generator) and, where present, on the real seal crops (never copied into the repo)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.seals import SealStage
from pipeline.types import PageKind, Page, Provenance, SealType

REALDATA = Path("/work/shared/realdata")


@pytest.fixture(scope="module")
def stage():
    from pipeline.ocr.base import available_engines, get_engine

    if "rapidocr" not in available_engines():
        pytest.skip("rapidocr not installed")
    return SealStage(get_engine("rapidocr"))


def _page(img: np.ndarray, dpi: float = 200) -> Page:
    return Page(file_id="t", index=0, width=img.shape[1], height=img.shape[0], dpi=dpi, kind=PageKind.scanned,
                provenance=Provenance(stage="test"))


def _drawn_page(spec_kwargs: list[dict], dpi: float = 200) -> np.ndarray:
    from scripts.synth.seals import SealSpec, render_seal, stamp

    page = np.full((int(297 / 25.4 * dpi), int(210 / 25.4 * dpi), 3), 246, np.uint8)
    rng = np.random.default_rng(3)
    for k, kw in enumerate(spec_kwargs):
        seal = render_seal(SealSpec(**kw, rotation_deg=0.0, ink_strength=0.95, partial=0.0), dpi, rng)
        page, _ = stamp(page, seal, (400 + 700 * k, 1200))
    return page


def test_reads_official_and_finance_seals(stage):
    img = _drawn_page([dict(type="official", owner="北京市瑞辰软件有限公司"),
                       dict(type="finance", owner="深圳市衡启新材料股份有限公司")])
    seals = stage(img, _page(img))
    assert [s.type for s in seals] == [SealType.official, SealType.finance]
    assert seals[0].owner == "北京市瑞辰软件有限公司"
    assert all(s.texts and s.provenance.stage == "seals" for s in seals)


def test_reads_invoice_seal_tax_id(stage):
    img = _drawn_page([dict(type="invoice", shape="oval", owner="北京市瑞辰软件有限公司", code="91110108MA80BK4A3L")])
    (seal,) = stage(img, _page(img))
    assert seal.type == SealType.invoice and seal.shape.value == "oval"


@pytest.mark.skipif(not (REALDATA / "seals").is_dir(), reason="realdata not mounted")
def test_real_official_seal_crop(stage):
    img = cv2.imread(str(REALDATA / "seals" / "ctools__CROP_gongzhang_sichuan_wanrong.png"))
    seals = stage(img, _page(img, 150))
    assert any(s.type == SealType.official for s in seals)
    labels = json.loads((REALDATA / "labels" / "seals" / "ctools__CROP_gongzhang_sichuan_wanrong.png.json").read_text())
    assert labels["seals"][0]["type"] == "official"

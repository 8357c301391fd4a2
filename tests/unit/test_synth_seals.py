"""Procedural seals: every type renders, deterministically, and stamping multiplies ink onto the page."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.synth.seals import SealSpec, render_seal, stamp  # noqa: E402

SPECS = [
    SealSpec("official", "深圳市云帆智能科技有限公司", code="4403051234567"),
    SealSpec("finance", "深圳市云帆智能科技有限公司"),
    SealSpec("finance", "杭州启明软件有限公司", shape="square"),
    SealSpec("contract", "上海澜舟信息技术有限公司"),
    SealSpec("invoice", "广州市鼎泰电子科技有限公司", shape="oval", code="91440101MA5CXXXX1L"),
    SealSpec("supervision", "国家税务总局北京市税务局", shape="oval"),
    SealSpec("supervision", "四川国家税务总局监制", shape="oval"),
    SealSpec("legal_rep", "周文静", shape="square", code="3205081234567"),
    SealSpec("legal_rep", "张伟", shape="square", negative=True),
    SealSpec("bank", "中国工商银行股份有限公司深圳南山支行"),
    SealSpec("bank", "招商银行股份有限公司", shape="oval"),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.type}-{s.shape}")
def test_every_seal_renders_red_ink_deterministically(spec):
    a = render_seal(spec, 150, np.random.default_rng(1))
    b = render_seal(spec, 150, np.random.default_rng(1))
    assert a.dtype == np.uint8 and a.shape[2] == 4
    assert np.array_equal(a, b)
    ink = a[..., 3] > 64
    assert 0.03 < ink.mean() < 0.8
    r, g, bl = (a[..., i][ink].mean() for i in range(3))
    assert r > 150 and g < 90 and bl < 90


def test_label_uses_fields_md_names():
    assert SPECS[0].label() == {"type": "official", "shape": "round", "owner": "深圳市云帆智能科技有限公司",
                                "code": "4403051234567"}
    with pytest.raises(ValueError):
        SealSpec("stamp", "x")
    with pytest.raises(ValueError):
        SealSpec("official", "x", shape="hexagon")


def test_stamp_multiplies_and_keeps_text_dark():
    page = np.full((400, 400, 3), 255, np.uint8)
    page[190:210, 50:350] = 0  # a black text bar under the seal
    seal = render_seal(SealSpec("official", "深圳市云帆智能科技有限公司", rotation_deg=0, partial=0, ink_strength=1.0),
                       150, np.random.default_rng(0))
    out, box = stamp(page, seal, (200, 200), None, 1.0)
    assert out[190:210, 50:350].max() == 0  # black stays black
    x0, y0, x1, y1 = box
    assert 0 <= x0 < x1 <= 400 and 0 <= y0 < y1 <= 400
    inked = out[y0:y1, x0:x1]
    assert (inked[..., 2].astype(int) - inked[..., 1]).max() > 100  # red ink on white


def test_stamp_off_the_edge_is_clipped():
    page = np.full((300, 300, 3), 255, np.uint8)
    seal = render_seal(SealSpec("official", "深圳市云帆智能科技有限公司"), 150, np.random.default_rng(0))
    _, box = stamp(page, seal, (300, 150), None)
    assert box[2] == 300 and box[0] > 150
    _, none = stamp(page, seal, (2000, 150), None)
    assert none is None

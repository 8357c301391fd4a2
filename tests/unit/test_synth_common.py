"""Amounts in words and unified social credit codes of the synthetic generator."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.synth.common import amount_upper, make_uscc, uscc_check_char, uscc_valid, with_wrong_check  # noqa: E402


@pytest.mark.parametrize(("amount", "words"), [
    ("1200000", "壹佰贰拾万元整"),
    ("100500.50", "壹拾万零伍佰元伍角"),
    ("7018.83", "柒仟零壹拾捌元捌角叁分"),
    ("1000.05", "壹仟元零伍分"),
    ("0.05", "伍分"),
    ("0", "零元整"),
    ("10000500", "壹仟万零伍佰元整"),
    ("100000000", "壹亿元整"),
    ("110000", "壹拾壹万元整"),
    ("1010.10", "壹仟零壹拾元壹角"),
    ("634600", "陆拾叁万肆仟陆佰元整"),
])
def test_amount_upper_examples(amount, words):
    assert amount_upper(amount) == words


@pytest.mark.parametrize(("amount", "words"), [  # as printed on the real invoices in shared/realdata
    ("25254.62", "贰万伍仟贰佰伍拾肆圆陆角贰分"),
    ("7894.25", "柒仟捌佰玖拾肆圆贰角伍分"),
    ("1500.00", "壹仟伍佰圆整"),
    ("112.20", "壹佰壹拾贰圆贰角"),
    ("52.70", "伍拾贰圆柒角"),
    ("1598.83", "壹仟伍佰玖拾捌圆捌角叁分"),
])
def test_amount_upper_matches_real_invoices(amount, words):
    assert amount_upper(amount, yuan="圆") == words


def test_amount_upper_prefix_and_negative():
    assert amount_upper(66600, prefix="人民币") == "人民币陆万陆仟陆佰元整"
    with pytest.raises(ValueError):
        amount_upper(-1)


@pytest.mark.parametrize("code", ["91510100MA61WHB260", "91140105MA0LLW8Q1D", "91441600707924573M",
                                  "91120118MA06APGQXE", "92440300L08175019R", "91450000MA5PT09H3P"])
def test_real_codes_pass_the_check(code):
    assert uscc_valid(code)
    assert uscc_check_char(code[:17]) == code[17]


def test_generated_codes_are_valid_and_wrong_check_fails():
    rng = np.random.default_rng(3)
    for _ in range(200):
        code = make_uscc(rng, "440300")
        assert len(code) == 18 and code.startswith("91440300")
        assert uscc_valid(code)
        assert not uscc_valid(with_wrong_check(code))
    assert not uscc_valid("91440300MA5X")
    assert not uscc_valid(None)

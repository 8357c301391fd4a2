"""Property-based tests of the normalisers (pipeline.extract.normalize)."""

from __future__ import annotations

from datetime import date as Date
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from pipeline.extract import normalize as n
from scripts.synth.common import amount_upper as synth_upper, make_uscc, with_wrong_check

D = "零壹贰叁肆伍陆柒捌玖"


def words(v: Decimal, yuan: str = "圆", zheng: str = "整") -> str:
    """An independent number-to-words writer: read the number digit by digit, 4-digit sections, 零 for gaps."""
    fen_total = int(v * 100)
    integer, jiao, fen = divmod(fen_total, 100)[0], fen_total // 10 % 10, fen_total % 10
    s = str(integer)
    out, zero = [], False
    n_digits = len(s)
    for i, ch in enumerate(s):
        pos = n_digits - 1 - i
        d = int(ch)
        unit = ["", "拾", "佰", "仟"][pos % 4]
        if d == 0:
            zero = True
        else:
            if zero and out:
                out.append("零")
            zero = False
            out.append(D[d] + unit)
        if pos % 4 == 0 and pos > 0:
            section = s[max(0, i - 3):i + 1]
            if int(section):
                out.append("万" if pos % 8 == 4 else "亿")
            elif pos % 8 == 0 and integer >= 10 ** pos:
                out.append("亿")
    text = "".join(out) if integer else ""
    if text:
        text += yuan
    if not jiao and not fen:
        return (text or "零" + yuan) + zheng
    if jiao:
        text += D[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += D[fen] + "分"
    return text


money = st.decimals(min_value=0, max_value=Decimal("99999999999.99"), places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=400)
@given(money)
def test_amount_upper_parses_the_synth_generator(v):
    assert n.amount_upper(synth_upper(v)) == f"{v:.2f}"
    assert n.amount_upper(synth_upper(v, yuan="圆", prefix="人民币")) == f"{v:.2f}"


@settings(max_examples=400)
@given(money, st.sampled_from(["元", "圆"]), st.sampled_from(["整", "正"]))
def test_amount_upper_parses_an_independent_generator(v, yuan, zheng):
    assert n.amount_upper(words(v, yuan, zheng)) == f"{v:.2f}"


@pytest.mark.parametrize("text,value", [
    ("壹拾万零伍佰元伍角", "100500.50"), ("伍分", "0.05"), ("壹仟元零伍分", "1000.05"), ("零元整", "0.00"),
    ("壹亿零伍万圆整", "100050000.00"), ("价税合计(大写) ⊗贰佰叁拾肆圆零伍分", "234.05"), ("叁角", "0.30"),
    ("壹万零壹圆整", "10001.00"), ("玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分", "999999999999.99"),
])
def test_amount_upper_examples(text, value):
    assert n.amount_upper(text) == value


def test_amount_upper_rejects_plain_text():
    assert n.amount_upper("合同编号") is None and n.amount_upper("") is None


@pytest.mark.parametrize("text", ["伍拾痢万肆仟圆整", "痢万肆仟圆整", "痢拾捌万肆仟圆整", "痢圆整", "伍拾捌万肆仟痢整"])
def test_upper_words_with_a_misread_character_are_not_read(text):
    # the longest run alone ("万肆仟圆整") would read 4000 for 584000
    assert n.amount_upper(text) is None and n.upper_text(text) is None


@pytest.mark.parametrize("text,figure,want", [
    ("伍拾痢万肆仟圆整", "584000.00", "伍拾捌万肆仟圆整"), ("壹佰零痢万圆整", "1020000.00", "壹佰零贰万圆整"),
    ("壹佰痢贰万圆整", "1020000.00", "壹佰零贰万圆整"), ("人民币贰佰捌痢元整", "280.00", "人民币贰佰捌拾元整"),
    ("伍拾痢万肆仟圆整", "500000.00", None),  # the figures disagree with the readable characters
    ("伍拾捌万肆仟圆整", "584000.00", None),  # nothing to mend
    ("伍痢痢万肆仟圆整", "584000.00", None),  # two characters misread
])
def test_repair_upper_examples(text, figure, want):
    assert n.repair_upper(text, figure) == want


@settings(max_examples=300)
@given(st.decimals(min_value=1, max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False),
       st.integers(0, 40), st.sampled_from("痢疯率王"))
def test_repair_upper_never_reads_a_wrong_amount(v, at, junk):
    """One character of the words misread: mended to the words as printed, or left unread - never another amount."""
    printed = synth_upper(v)
    i = at % len(printed)
    damaged = printed[:i] + junk + printed[i + 1:]
    mended = n.repair_upper(damaged, f"{v:.2f}")
    assert mended is None or n.amount_upper(mended) == f"{v:.2f}"
    assert n.amount_upper(damaged) in (None, f"{v:.2f}")  # unread, or read right (only 整 lost)


def test_text_mends_words_ocr_cannot_mean():
    assert n.text("质量追溯管理系统建设项日") == "质量追溯管理系统建设项目"


@settings(max_examples=300)
@given(money, st.sampled_from(["¥", "￥", "", "人民币"]), st.booleans(), st.booleans(), st.booleans())
def test_amount_formats(v, sign, comma, yuan, fullwidth):
    s = f"{v:,.2f}" if comma else f"{v:.2f}"
    if fullwidth:
        s = s.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789,."})
    text = sign + s + ("元" if yuan else "")
    assert n.amount(text) == f"{v:.2f}"


def test_amount_after_a_misread_currency_sign():
    assert n.amount("(小)V584000.00") == "584000.00" and n.amount("半67185.84") == "67185.84"
    assert n.amount("Y536365.00") == "536365.00"


@given(st.integers(min_value=1, max_value=99999))
def test_amount_wan(k):
    assert n.amount(f"{k}万元") == f"{k * 10000}.00"


CN = "〇一二三四五六七八九"


def cn_num(k: int) -> str:
    if k < 10:
        return CN[k][0] if k else "〇"
    tens, ones = divmod(k, 10)
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[ones] if ones else "")


@settings(max_examples=300)
@given(st.dates(min_value=Date(1990, 1, 1), max_value=Date(2099, 12, 31)), st.integers(0, 7))
def test_date_formats(d, style):
    forms = [
        f"{d.year}年{d.month}月{d.day}日", f"{d.year}年{d.month:02d}月{d.day:02d}日", d.isoformat(),
        f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month:02d}.{d.day:02d}",
        "".join(CN[int(c)] for c in str(d.year)) + f"年{cn_num(d.month)}月{cn_num(d.day)}日",
        f"{d.year} 年 {d.month} 月 {d.day} 日", f"开票日期:{d.year}年{d.month:02d}月{d.day:02d}日",
    ]
    assert n.date(forms[style]) == d.isoformat()


@pytest.mark.parametrize("text,value", [
    ("2024年O3月O5日", "2024-03-05"), ("2024年03月0５日", "2024-03-05"), ("2024-13-05", None), ("合同", None),
    ("20240305", "2024-03-05"), ("2024年l2月3l日", "2024-12-31"),
])
def test_date_ocr_damage(text, value):
    assert n.date(text) == value


@settings(max_examples=200)
@given(st.integers(0, 2**32 - 1))
def test_uscc_valid_and_ocr_repair(seed):
    import numpy as np

    code = make_uscc(np.random.default_rng(seed))
    assert n.uscc_valid(code) and n.tax_id(code.lower()) == code
    assert not n.uscc_valid(with_wrong_check(code))
    damaged = code.replace("0", "O").replace("1", "I")
    assert n.tax_id(damaged) == code
    assert n.tax_id(" ".join(code[i:i + 6] for i in range(0, 18, 6))) == code


@given(st.text(alphabet="北京市科技有限公司()（） 　", min_size=1, max_size=20))
def test_company_is_nfkc_without_spaces(name):
    out = n.company(name)
    assert out is None or (" " not in out and "（" not in out and "　" not in out)


def test_company_brackets():
    assert n.company("北京 某某（深圳）科技有限公司") == "北京某某(深圳)科技有限公司"


@given(st.from_regex(r"[0-9]{4}( ?[0-9]{4}){3,5}", fullmatch=True))
def test_bank_account_digits_only(s):
    assert n.bank_account(s) == s.replace(" ", "")


def test_invoice_code_and_number():
    assert n.invoice_code("发票代码:051002304404") == "051002304404"
    assert n.invoice_number("No 57138055") == "57138055"
    assert n.invoice_number("发票号码:25322000000622032799") == "25322000000622032799"
    assert n.invoice_number("No 004727035100191160") is None  # number and code run together: not a number
    assert n.invoice_number_as_printed("No 004727035100191160") == "004727035100191160"
    assert n.invoice_number_as_printed("No 57138055") == "57138055"
    assert n.tax_rate("13%") == "13%" and n.tax_rate("免税") == "免税" and n.tax_rate("***") is None

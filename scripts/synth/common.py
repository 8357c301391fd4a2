"""Value helpers shared by the document generators: amounts in words (大写), unified social credit codes with a valid
GB 32100 check character, money and date formatting. Pure functions, no randomness except where an rng is passed."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

DIGITS_UPPER = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_SECTIONS = ("", "万", "亿", "万亿")

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 alphabet (no I, O, S, V, Z)
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code (positions 9-17 of the USCC)


def money(value: Decimal | float | int | str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def fmt_amount(value) -> str:
    """FIELDS.md amount format: "1200000.00"."""
    return f"{money(value):.2f}"


def fmt_money(value, comma: bool = True) -> str:
    """As printed: "1,200,000.00" (comma=True) or "1200000.00"."""
    v = money(value)
    return f"{v:,.2f}" if comma else f"{v:.2f}"


def _integer_upper(n: int) -> str:
    if n == 0:
        return ""
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out, pending_zero = "", False
    for section in range(len(groups) - 1, -1, -1):
        g = groups[section]
        for pos in range(3, -1, -1):
            d = g // 10**pos % 10
            if d == 0:
                pending_zero = bool(out)
                continue
            if pending_zero:
                out += "零"
                pending_zero = False
            out += DIGITS_UPPER[d] + _UNITS[pos]
        if g:
            out += _SECTIONS[section]
    return out


def amount_upper(value, yuan: str = "元", zheng: str = "整", prefix: str = "") -> str:
    """Chinese financial capitals. ``yuan`` is 元 (contracts, bank slips) or 圆 (VAT invoices).

    1200000 -> 壹佰贰拾万元整; 100500.50 -> 壹拾万零伍佰元伍角; 7018.83 -> 柒仟零壹拾捌元捌角叁分; 0.05 -> 伍分;
    1000.05 -> 壹仟元零伍分. A result with 角 but no 分 ends without 整 (as VAT invoices print it)."""
    v = money(value)
    if v < 0:
        raise ValueError(f"negative amount {v}")
    fen_total = int(v * 100)
    integer, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    text = _integer_upper(integer)
    if text:
        text += yuan
    if jiao == 0 and fen == 0:
        return prefix + (text or "零" + yuan) + zheng
    if jiao:
        text += DIGITS_UPPER[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += DIGITS_UPPER[fen] + "分"
    return prefix + text


# ----------------------------------------------------------------------------------------------------------------------
# unified social credit code (统一社会信用代码), GB 32100-2015


def uscc_check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("need the first 17 characters")
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17.upper(), _USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    def val(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10

    c = 11 - sum(val(ch) * w for ch, w in zip(first8.upper(), _ORG_WEIGHTS)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_valid(code: str | None) -> bool:
    if not code or len(code) != 18 or any(c not in USCC_CHARS for c in code.upper()):
        return False
    return uscc_check_char(code[:17]) == code[17].upper()


def make_uscc(rng: np.random.Generator, region_code: str = "440300", kind: str = "91") -> str:
    """A syntactically valid 18-character code: ``kind`` (91 = enterprise registered with SAMR), 6-digit division code,
    9-character organisation code with its GB 11714 check, GB 32100 check character. Usually the newer "MA" style."""
    letters = "ABCDEFGHJKLMNPQRTUWXY"
    if rng.random() < 0.7:
        body = "MA" + "".join(str(rng.integers(0, 10)) if rng.random() < 0.6 else str(rng.choice(list(letters)))
                              for _ in range(6))
    else:
        body = "".join(str(rng.integers(0, 10)) for _ in range(8))
    org = body + org_code_check_char(body)
    first17 = kind + region_code + org
    if any(c not in USCC_CHARS for c in first17):  # org check char is always in the alphabet; body letters too
        raise AssertionError(first17)
    return first17 + uscc_check_char(first17)


def with_wrong_check(code: str) -> str:
    """The same code with a wrong final character (for scenarios: a tax id that fails its check digit)."""
    good = code[17]
    alt = USCC_CHARS[(USCC_CHARS.index(good) + 7) % 31]
    return code[:17] + alt


# ----------------------------------------------------------------------------------------------------------------------
# dates


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def cn_date_short(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None

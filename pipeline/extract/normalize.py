"""Pure normalisers from printed text to the FIELDS.md value formats. Each returns ``None`` when the text holds no valid
value; none raises on bad input.

amounts "1200000.00"; amounts in words (大写) parsed by our own parser; dates YYYY-MM-DD; company names NFKC without
spaces; unified social credit codes (GB 32100) with their check character; invoice codes and numbers; bank accounts.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = [
    "nfkc", "amount", "amount_upper", "repair_upper", "date", "company", "tax_id", "uscc_valid", "uscc_check_char",
    "invoice_code", "invoice_number", "invoice_number_as_printed", "bank_account", "digits", "tax_rate", "text",
]


def nfkc(s: str | None) -> str:
    return unicodedata.normalize("NFKC", s or "")


_OCR_WORDS = {"项日": "项目"}  # OCR confusions that make no word: 日 for 目 in 项目


def text(s: str | None) -> str | None:
    """A free text: NFKC, spaces and label punctuation at the ends removed, a few impossible OCR words mended."""
    out = re.sub(r"\s+", "", nfkc(s)).strip(":;,.、")
    for wrong, right in _OCR_WORDS.items():
        out = out.replace(wrong, right)
    return out or None


# -- amounts ---------------------------------------------------------------------------------------------------------

_AMOUNT_RE = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|-?\d+(?:\.\d{1,2})?")


def amount(s: str | None) -> str | None:
    """"¥1,200,000.00", "￥ 1200000元", "120万元", full-width digits -> "1200000.00"."""
    t = nfkc(s).replace(" ", "").replace("，", ",")
    t = re.sub(r"[¥￥Y]|人民币|RMB|CNY", "", t)
    m = _AMOUNT_RE.search(t)
    if not m:
        return None
    try:
        v = Decimal(m.group(0).replace(",", ""))
    except InvalidOperation:
        return None
    rest = t[m.end():m.end() + 2]
    if rest.startswith("万"):
        v *= 10000
    elif rest.startswith("亿"):
        v *= 100000000
    return f"{v.quantize(Decimal('0.01')):.2f}"


_UPPER_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_UPPER_DIGITS.update({c: i for i, c in enumerate("〇一二三四五六七八九")})
_UPPER_DIGITS.update({"两": 2, "貮": 2, "贠": 1, "参": 3, "陸": 6, "伍": 5, "O": 0, "o": 0})
_OCR_UPPER = str.maketrans({"查": "壹", "萱": "壹", "冬": "叁", "叄": "叁", "任": "仟", "扒": "捌", "圓": "圆", "園": "圆"})
_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_UPPER_CHARS = set(_UPPER_DIGITS) | set(_SMALL_UNITS) | set("万萬亿億圆元角分整正")
_UPPER_RUN = re.compile("[" + "".join(sorted(_UPPER_CHARS)) + "]+")


def _integer(s: str) -> int | None:
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in _UPPER_DIGITS:
            digit = _UPPER_DIGITS[ch]
        elif ch in _SMALL_UNITS:
            section += (1 if digit is None else digit) * _SMALL_UNITS[ch]
            digit = None
        elif ch in "万萬":
            section += digit or 0
            total += section * 10000 if section else 0
            if not section:
                total *= 10000
            section, digit = 0, None
        elif ch in "亿億":
            section += digit or 0
            total = (total + section) * 100000000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LEADS = set("币写额")  # what may stand right before the words: 人民币, (大写), 金额
_UNITS = "拾十佰百仟千万萬亿億圆元角分"  # words never start with one: a digit before it was lost


def _damaged(t: str, runs: list[re.Match]) -> bool:
    """Words with a character OCR misread inside them ("伍拾痢万肆仟圆整"): two runs of 大写 characters one CJK character
    apart, or a run that starts with a unit (拾 佰 仟 万 亿 圆: its digit was misread) right after a CJK character
    other than 币 / 写 / 额. Taking the longest run of such text would read a wrong amount (4000 for 584000)."""
    for a, b in zip(runs, runs[1:]):
        if b.start() - a.end() == 1 and _CJK.match(t[a.end()]):
            return True
    for r in runs:
        before = t[r.start() - 1] if r.start() > 0 else ""
        if r.group(0)[0] in _UNITS and before and _CJK.match(before) and before not in _LEADS:
            return True
    return False


def amount_upper(s: str | None) -> str | None:
    """"壹拾万零伍佰元伍角" -> "100500.50"; "人民币肆仟圆整" -> "4000.00"; "伍分" -> "0.05". None if no such text, or if
    a character inside the words was misread (:func:`repair_upper` may mend it against the figures)."""
    t = re.sub(r"\s+", "", nfkc(s)).translate(_OCR_UPPER)
    t = re.sub(r"^.*?[:：]", "", t) if re.search(r"[:：]", t) else t
    runs = list(_UPPER_RUN.finditer(t))
    if not runs or _damaged(t, runs):
        return None
    t = max((r.group(0) for r in runs), key=len)
    if not any(c in t for c in "圆元角分") and not any(c in t for c in "拾佰仟万亿"):
        return None
    t = re.sub(r"[圆元]{2,}", "元", t.rstrip("整正"))  # "伍万捌仟元圆整" as some contracts print it
    m = re.fullmatch(r"(?:(.*?)[圆元])?(?:零?([^角分零])角)?(?:零?([^角分])分)?", t)
    if not m:
        return None
    yuan_part, jiao, fen = m.groups()
    if yuan_part is None and not (jiao or fen):
        return None
    integer = _integer(yuan_part) if yuan_part else 0
    if integer is None:
        return None
    try:
        j = _UPPER_DIGITS[jiao] if jiao else 0
        f = _UPPER_DIGITS[fen] if fen else 0
    except KeyError:
        return None
    return f"{integer}.{j}{f}"


def upper_text(s: str | None) -> str | None:
    """The 大写 words as printed (with a 人民币 prefix if printed), without marks such as ⊗ or labels; None unless the
    words parse as an amount."""
    t = re.sub(r"\s+", "", nfkc(s)).translate(_OCR_UPPER)
    runs = list(_UPPER_RUN.finditer(t))
    if not runs or _damaged(t, runs):
        return None
    m = max(runs, key=lambda r: len(r.group(0)))
    if amount_upper(m.group(0)) is None:
        return None
    prefix = "人民币" if t[:m.start()].endswith("人民币") else ""
    return prefix + m.group(0)


_REPAIR_CHARS = "零壹贰叁肆伍陆柒捌玖拾佰仟万亿"
_ILL_FORMED = re.compile(r"[壹贰叁肆伍陆柒捌玖][零壹贰叁肆伍陆柒捌玖]|零零|[拾佰仟万亿圆元][拾佰仟]|([万亿])\1")


def _well_formed(t: str) -> bool:
    """No two digits in a row (only 零 before a digit), no small unit without its digit: the parser alone is lenient
    (it reads 壹佰伍贰万 as 1020000), a repair must not be."""
    runs = list(_UPPER_RUN.finditer(t))
    if not runs or _damaged(t, runs):
        return False
    w = max((r.group(0) for r in runs), key=len)
    return not _ILL_FORMED.search(w) and all(part.count("万") <= 1 for part in re.split("亿", w))


def repair_upper(s: str | None, figure: str | None) -> str | None:
    """Words with one misread character mended against the figures: the 大写 text (as :func:`upper_text`) when exactly
    one 大写 character in place of the damaged one makes the words read ``figure``; else None. Every other character
    must be readable, so the figures only choose between readings, they never stand in for the words."""
    if not s or not figure:
        return None
    t = re.sub(r"\s+", "", nfkc(s)).translate(_OCR_UPPER)
    runs = list(_UPPER_RUN.finditer(t))
    if not runs or not _damaged(t, runs):
        return None
    spots = [a.end() for a, b in zip(runs, runs[1:]) if b.start() - a.end() == 1 and _CJK.match(t[a.end()])]
    spots += [r.start() - 1 for r in runs if r.start() > 0 and r.group(0)[0] in _UNITS
              and _CJK.match(t[r.start() - 1]) and t[r.start() - 1] not in _LEADS]
    if len(set(spots)) != 1:
        return None
    i = spots[0]
    mended = {c: t[:i] + c + t[i + 1:] for c in _REPAIR_CHARS}
    fits = [c for c, m in mended.items() if _well_formed(m) and amount_upper(m) == figure]
    return upper_text(mended[fits[0]]) if len(fits) == 1 else None


# -- dates -----------------------------------------------------------------------------------------------------------

_CN_DATE_DIGITS = {"〇": "0", "零": "0", "O": "0", "o": "0", "Ο": "0", "一": "1", "二": "2", "三": "3", "四": "4",
                   "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}


def _cn_number(s: str) -> str:
    """二〇二四 -> 2024; 十二 -> 12; 二十五 -> 25; 三十一 -> 31."""
    if "十" in s:
        a, _, b = s.partition("十")
        return str((int(_CN_DATE_DIGITS.get(a, "1")) if a else 1) * 10 + (int(_CN_DATE_DIGITS.get(b, "0")) if b else 0))
    return "".join(_CN_DATE_DIGITS.get(c, c) for c in s)


_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[年\-/.,_]\s*(\d{1,2})\s*[月\-/.,_]\s*(\d{1,2})(?!\d)")
_DATE_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")
_CN_DATE_RE = re.compile(r"([〇零一二三四五六七八九Oo]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")


def date(s: str | None) -> str | None:
    """"2024年3月5日", "2024-03-05", "2024/3/5", "2024.03.05", "二〇二四年三月五日", OCR-damaged "2024年03月O5日",
    "2024 年3 月5日" -> "2024-03-05"."""
    t = nfkc(s)
    m = _CN_DATE_RE.search(t)
    if m:
        y, mo, d = (_cn_number(g) for g in m.groups())
    else:
        t = t.replace(" ", "")
        t = re.sub(r"(?<=[\d年月])[Oo]|[Oo](?=[\d月日])", "0", t)
        t = re.sub(r"(?<=[\d年月])[lI|]|[lI|](?=[\d月日])", "1", t)
        m = _DATE_RE.search(t) or _DATE_COMPACT.search(t)
        if not m:
            return None
        y, mo, d = m.groups()
    try:
        y_, mo_, d_ = int(y), int(mo), int(d)
    except ValueError:
        return None
    import datetime as _dt

    try:
        return _dt.date(y_, mo_, d_).isoformat()
    except ValueError:
        return None


# -- names and codes -------------------------------------------------------------------------------------------------


def company(s: str | None) -> str | None:
    """NFKC (full-width brackets become half-width), spaces and label punctuation dropped."""
    t = re.sub(r"\s+", "", nfkc(s))
    t = re.sub(r"^(名称|名\s*称|购买方|销售方|甲方|乙方|付款人|收款人|户名)[:：]?", "", t).strip(":;,、._-")
    if not re.search(r"[\u4e00-\u9fff]{2}|[A-Za-z]{3}", t):
        return None  # "_", "1", a stray mark: not a name
    return t


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_OCR_FIX = str.maketrans({"O": "0", "I": "1", "S": "5", "Z": "2", "V": "U"})


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17.upper(), _USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_valid(code: str | None) -> bool:
    """GB 32100-2015: 18 characters of the alphabet and a matching check character."""
    if not code or len(code) != 18 or any(c not in USCC_CHARS for c in code.upper()):
        return False
    return uscc_check_char(code[:17]) == code[17].upper()


_TAXID_RE = re.compile(r"[0-9A-Z]{15,20}")


def tax_id(s: str | None) -> str | None:
    """An 18-character USCC (or a 15/17/20-character older taxpayer id), upper case. Characters outside the GB 32100
    alphabet (O I S Z V, OCR confusions) are mapped to their look-alikes only when that makes the check character
    valid."""
    t = re.sub(r"[\s\-]", "", nfkc(s)).upper()
    cands = _TAXID_RE.findall(t)
    if not cands:
        return None
    code = max(cands, key=lambda c: (len(c) == 18, len(c)))
    if len(code) == 18 and not uscc_valid(code):
        fixed = code.translate(_OCR_FIX)
        if uscc_valid(fixed):
            return fixed
    return code


def digits(s: str | None) -> str:
    return re.sub(r"\D", "", nfkc(s).replace("O", "0").replace("o", "0"))


def invoice_code(s: str | None) -> str | None:
    m = re.search(r"(?<!\d)(\d{10}|\d{12})(?!\d)", re.sub(r"\s", "", nfkc(s)))
    return m.group(1) if m else None


def invoice_number(s: str | None) -> str | None:
    """An 8-digit (paper, e-invoice) or 20-digit (数电票) number."""
    m = re.search(r"(?<!\d)(\d{20}|\d{8})(?!\d)", re.sub(r"\s", "", nfkc(s)))
    return m.group(1) if m else None


def invoice_number_as_printed(s: str | None) -> str | None:
    """An 8/20-digit number, else the digit run as printed (9-19 digits), so that the format check (X-07) sees a
    malformed number instead of a missing one. The invoice spec tries it only when no well-formed number is printed
    (OCR may run the number and the code into one run: "No 004727035100191160")."""
    t = re.sub(r"\s", "", nfkc(s))
    m = re.search(r"(?<!\d)(\d{20}|\d{8})(?!\d)", t) or re.search(r"(?<!\d)(\d{9,19})(?!\d)", t)
    return m.group(1) if m else None


def bank_account(s: str | None) -> str | None:
    t = re.sub(r"[\s\-]", "", nfkc(s))
    m = re.search(r"\d{8,32}", t)
    return m.group(0) if m else None


def tax_rate(s: str | None) -> str | None:
    t = re.sub(r"\s", "", nfkc(s))
    if "免税" in t:
        return "免税"
    if "不征税" in t:
        return "不征税"
    m = re.search(r"(\d{1,2}(?:\.\d+)?)%", t)
    if m:
        return f"{m.group(1)}%"
    m = re.fullmatch(r"0?\.(\d{2})", t)
    return f"{int(m.group(1))}%" if m else None


def conclusion(s: str | None) -> str | None:
    """验收结论: passed | failed."""
    t = re.sub(r"\s", "", nfkc(s))
    if re.search(r"不合格|不通过|未通过|不同意|整改", t):
        return "failed"
    if re.search(r"合格|通过|同意验收", t):
        return "passed"
    return None

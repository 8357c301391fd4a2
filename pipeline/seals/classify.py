"""Seal classification from the words read on it and its shape: type, owner and code, each with the evidence.

Type words decide first (FIELDS.md seal types): 监制章 -> supervision, 发票专用章 -> invoice, 财务专用章 -> finance,
合同专用章 -> contract, bank words (银行 in the name, 回单/业务/转讫 titles) -> bank. A square seal of two to four
characters ending in 印 is a legal representative's name seal. A round seal with no type words (or 公章) is the
official seal; anything else is ``other``. Pure functions, no engine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from pipeline.extract.normalize import tax_id
from pipeline.seals.detect import Candidate
from pipeline.seals.read import SealText
from pipeline.types import Provenance, Seal, SealShape, SealType

TYPE_WORDS: tuple[tuple[str, SealType], ...] = (
    ("全国统一发票监制章", SealType.supervision),
    ("发票监制章", SealType.supervision),
    ("监制章", SealType.supervision),
    ("发票专用章", SealType.invoice),
    ("财务专用章", SealType.finance),
    ("合同专用章", SealType.contract),
    ("电子回单专用章", SealType.bank),
    ("回单专用章", SealType.bank),
    ("业务专用章", SealType.bank),
    ("转讫", SealType.bank),
)
# shorter fragments that still tell the type when OCR drops a character
TYPE_FRAGMENTS: tuple[tuple[str, SealType], ...] = (
    ("监制", SealType.supervision), ("发票监", SealType.supervision), ("全国统", SealType.supervision),
    ("国家税务总局", SealType.supervision), ("税务局", SealType.supervision), ("税务总", SealType.supervision),
    ("家税务", SealType.supervision), ("家税", SealType.supervision), ("省税务", SealType.supervision),
    ("市税务", SealType.supervision), ("务局", SealType.supervision),
    ("发票专", SealType.invoice), ("票专用", SealType.invoice), ("业务专", SealType.bank),
    ("财务专", SealType.finance), ("务专用", SealType.finance), ("合同专", SealType.contract),
    ("同专用", SealType.contract), ("回单", SealType.bank),
)
# a bank's name; 支行 / 分行 also when the name was unrolled from the wrong place (份有限公司北京海淀支行中国工)
BANK_NAME = re.compile(r"银行|行股份有限|信用社|农商行|农村商业|支行|分行")
# a company's organisation form (有限公司, 股份有限, 有限责任), possibly read without its end
COMPANY = re.compile(r"公司$|有限")
CODE = re.compile(r"[0-9A-Z]{10,20}")
_NOT_NAME = re.compile(r"[^\u4e00-\u9fff()（）A-Za-z0-9]")
# An organisation's registered name is written in Chinese characters: no Latin letters, no Arabic numerals
# (企业名称登记管理规定). Read at the ends of a name along the rim they are the serial number or the tax id running
# into it (three digits before a company's name and five after it, on a real invoice seal), not the owner's.
_LATIN_ENDS = re.compile(r"^[0-9A-Za-z]+|[0-9A-Za-z]+$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
STAGE = "seals"
GREY_TYPE_CONFIDENCE = 0.5  # a seal found on a page without colour: its type is never more certain than this


def _find(text: str, table) -> tuple[str, SealType] | None:
    for word, t in table:
        if word in text:
            return word, t
    return None


_LEAD = {"财": SealType.finance, "务": SealType.finance, "合": SealType.contract, "同": SealType.contract,
         "发": SealType.invoice, "票": SealType.invoice, "回": SealType.bank, "单": SealType.bank}


def _before_zhuanyong(text: str) -> tuple[str, SealType] | None:
    """专用 (special-purpose) read with one of the two characters before it: 财勇专用 -> finance."""
    i = text.find("专用")
    if i < 0:
        return None
    for ch in text[max(0, i - 2):i]:
        if ch in _LEAD:
            return "专用", _LEAD[ch]
    return None


def _find_fuzzy(text: str) -> tuple[str, SealType] | None:
    """A type word of four or more characters read with one character wrong (财勇专用章 for 财务专用章)."""
    for word, t in TYPE_WORDS:
        n = len(word)
        if n < 4:
            continue
        need = n - 1 if n <= 5 else n - 3  # 全国统一发票监制章 read as 全国统一发录监书章
        for i in range(0, max(0, len(text) - n) + 1):
            if sum(a == b for a, b in zip(word, text[i:i + n])) >= need:
                return word, t
    return None


TITLE_UNREAD = "round, title not read"  # the evidence of a round seal typed official though its title was seen


def _title_unread(by_role: dict[str, list[SealText]]) -> bool:
    """Words were seen under the centre (the reader found ink in the title box) but none of them is a type word:
    nothing legible was read, or something other than digits (the end of a serial) and seal-less words."""
    for t in by_role.get("bottom", []):
        if not t.text or len(re.sub(r"[\W\d_]", "", t.text)) >= 2 or re.search(r"[\u4e00-\u9fff]", t.text):
            return True  # (a single Chinese character among digits, 30分0: a title crossed by a voucher's figures)
    return False


def clean_name(text: str) -> str:
    return _NOT_NAME.sub("", text)


def classify(cand: Candidate, texts: Sequence[SealText], engine: str | None = None) -> Seal:
    """The :class:`Seal` for a detected candidate and the words read on it."""
    by_role: dict[str, list[SealText]] = {}
    for t in texts:
        by_role.setdefault(t.role, []).append(t)
    all_text = "".join(t.text for t in texts if t.role != "layout")
    arc = max(by_role.get("arc", []), key=lambda t: len(t.text), default=None)
    evidence = [f"shape:{cand.shape.value}"]
    stype, tconf, owner, oconf, code = SealType.other, 0.3, None, 0.0, None

    centre_text = "".join(t.text for t in by_role.get("centre", []))
    hit = (_find(all_text, TYPE_WORDS) or _find_fuzzy(all_text) or _find(all_text, TYPE_FRAGMENTS)
           or _before_zhuanyong(all_text))
    if cand.cross_page:
        evidence.append("cross-page slice")
        stype, tconf = SealType.official, 0.4
    elif cand.shape == SealShape.square:
        stype, tconf, owner, oconf, code = _square(by_role, hit)
    elif hit is not None and hit[1] == SealType.supervision and "财政" in all_text:
        # 财政票据监制章 (江苏省财政厅监制): the finance bureau's seal on a fiscal receipt, not the tax
        # administration's 全国统一发票监制章
        stype, tconf = SealType.other, 0.6
        evidence.append("words:财政 (fiscal receipt seal)")
    elif hit is not None and not (hit[0] not in dict(TYPE_WORDS) and arc is not None and BANK_NAME.search(arc.text)):
        # (a fragment such as 务专用 does not outweigh a bank's name along the rim: 7业务专用 under 中国建设银行...)
        word, stype = hit
        tconf = 0.95 if word in dict(TYPE_WORDS) else 0.75
        evidence.append(f"words:{word}")
    elif cand.shape == SealShape.oval and arc is not None and _title_pieces(arc.text):
        # pieces of 全国统一发票监制章 along the top (an e-invoice prints its title across it): 全统, 监全统, 统发
        stype, tconf = SealType.supervision, 0.6
        evidence.append("words:全国统一发票监制章 (pieces)")
    elif arc is not None and BANK_NAME.search(arc.text):
        stype, tconf = SealType.bank, 0.8
        evidence.append("words:银行")
    elif cand.shape == SealShape.oval and CODE.search(centre_text.upper()):
        stype, tconf = SealType.invoice, 0.7
        evidence.append("tax id in the centre")
    elif cand.shape == SealShape.oval and "电子" in centre_text:
        stype, tconf = SealType.bank, 0.6
        evidence.append("words:电子(回单)")
    elif cand.shape == SealShape.oval and _bureau_line(by_role):
        # a line across the middle ending in 局 (湖北省税务局 read as 湖生者悦写局 on a fax): the provincial bureau
        # under 国家税务总局 on a supervision seal whose title along the top was not read
        stype, tconf = SealType.supervision, 0.5
        evidence.append("bureau line (...局)")
    elif cand.shape == SealShape.oval and "专用" in centre_text:
        # a title across the middle (电子回单专用章, 业务专用章 read as 专用章, 专用意): a bank's seal, whose name along
        # the top was not read; an invoice seal has its tax id in the middle and its title below it
        stype, tconf = SealType.bank, 0.5
        evidence.append("title in the centre")
    elif cand.shape == SealShape.round and _title_unread(by_role):
        # words under the centre that are not (or not legibly) type words: it may be a finance or contract seal
        stype, tconf = SealType.official, 0.45
        evidence.append(TITLE_UNREAD)
    elif cand.shape == SealShape.round:
        stype, tconf = SealType.official, 0.85 if arc is not None else 0.5
        evidence.append("round, no type words")
    elif (cand.shape == SealShape.oval and arc is not None and COMPANY.search(clean_name(arc.text))
          and any("专用" in t.text for t in by_role.get("bottom", []))):
        # a company's name and a special-purpose title (…专用章) whose kind was not read, on an oval: not its
        # official seal (公章 carry no title); the oval 专用章 a company carries is its invoice seal (广州市雅恒数据服务
        # 有限公司 over (夏型专用章 on a photographed invoice, its tax id half read)
        stype, tconf = SealType.invoice, 0.5
        evidence.append("company name and 专用章 on an oval")
    elif (cand.shape == SealShape.oval and arc is not None and clean_name(arc.text).endswith("公司")
          and max(cand.fit.a, cand.fit.b) < 1.3 * min(cand.fit.a, cand.fit.b)):
        # a company name and nothing else on a nearly round outline: a round seal fitted badly (partial, cropped)
        stype, tconf = SealType.official, 0.5
        evidence.append("company name only, nearly round")
    elif cand.shape == SealShape.oval and arc is not None and COMPANY.search(clean_name(arc.text)):
        # a company's name on an oval and no bank name: the oval seal a company carries is its invoice seal
        # (发票专用章), whose tax id and title were not read (象信息技术有限公司 over 1m章; 1每各科技股份有限 on a fax)
        stype, tconf = SealType.invoice, 0.5
        evidence.append("company name on an oval")
    elif cand.shape == SealShape.oval and arc is not None:
        stype, tconf = SealType.other, 0.5

    if stype == SealType.supervision or "words:财政 (fiscal receipt seal)" in evidence:
        owner, oconf, as_read = _supervision_owner(by_role)
        if as_read != owner:  # the reading taken for a listed bureau's name: what was read stays in the evidence
            evidence.append(f"bureau read:{as_read}")
    elif cand.shape != SealShape.square and arc is not None:
        owner = clean_name(arc.text)
        for word, _ in TYPE_WORDS:
            owner = owner.replace(word, "")
        owner = _LATIN_ENDS.sub("", owner) if _CJK.search(owner) else owner
        owner = owner or None
        oconf = arc.score if owner else 0.0
        if stype == SealType.bank and owner is None:
            oconf = 0.0
    if stype == SealType.invoice:  # the seller's tax id, read as extraction reads one (OCR look-alikes mended)
        code = tax_id("".join(t.text for t in by_role.get("centre", [])))
    elif code is None and cand.shape != SealShape.square:
        digits = "".join(re.sub(r"\D", "", t.text) for t in by_role.get("arc_bottom", []))
        code = digits if len(digits) >= 8 else None
    if not cand.colour and not cand.cross_page:
        # a greyscale or fax page: seal ink cannot be told from print under it, and the title is often lost
        tconf = min(tconf, GREY_TYPE_CONFIDENCE)
        evidence.append("no colour")
    if owner:
        evidence.append(f"owner:{owner}")
    for t in texts:  # the name as the recogniser's best path read it, when the lexicon decoding (names.py) mended it
        if t.read is not None and t.role in ("arc", "grid"):
            evidence.append(f"lexicon:{t.read}")
    conf = cand.confidence * (0.6 + 0.4 * tconf)
    return Seal(type=stype, shape=cand.shape, owner=owner, code=code, bbox=cand.bbox, page=cand.page,
                confidence=round(min(1.0, conf), 3), type_confidence=round(tconf, 3),
                owner_confidence=round(float(oconf), 3),
                texts=tuple(f"{t.role}:{t.text}" for t in texts) + tuple(evidence), cross_page=cand.cross_page,
                provenance=Provenance(stage=STAGE, engine=engine))


def _square(by_role: dict[str, list[SealText]], hit) -> tuple[SealType, float, str | None, float, str | None]:
    grid = max(by_role.get("grid", []), key=lambda t: len(t.text), default=None)
    strip = "".join(t.text for t in by_role.get("strip", []))
    code = re.sub(r"\D", "", strip) or None
    if code is not None and len(code) < 6:
        code = None
    # two columns of characters and no type words: a personal name seal (2x2) whose characters were not read (one
    # stamped across a company seal's rim reads as 病参于4N4nIF6); a finance square has three
    two_columns = any(t.text == "2 columns" for t in by_role.get("layout", []))
    if grid is None:
        return (SealType.legal_rep, 0.5, None, 0.0, code) if two_columns else (SealType.other, 0.3, None, 0.0, code)
    text = clean_name(grid.text)
    if hit is not None and hit[1] != SealType.supervision:
        word, stype = hit
        cut = _word_start(text, word)  # the owner's name comes first, the type words last
        owner = (text[:cut] if cut is not None else text.replace(word, "")) or None
        return stype, 0.9, owner, grid.score, code
    if two_columns:
        face = "".join(_CJK.findall(text))
        if len(face) == 4:
            # a 2x2 name seal's four characters, read right column first: a name of three and 印, or of two and
            # 之印. The name is taken by position, so a misread 印 (廖子涵仰, 陈海峰咖) does not end up in it; the
            # face's words are Chinese, so Latin letters and digits read from noise are dropped first. A third
            # character 印 is a seal of three (a name of two and 印) whose 印 stands alone in its column, drawn
            # tall, and was cut in two like the other column's two characters, each half read as 印 (the pale real
            # name seal)
            name = face[:2] if face[2] in "之印" else face[:3]
            return SealType.legal_rep, 0.9 if "印" in face[2:] else 0.7, name, grid.score, code
    name = text
    for suffix in ("之印", "印"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if 2 <= len(name) <= 4 and not BANK_NAME.search(name):
        return SealType.legal_rep, 0.9 if len(name) < len(text) else 0.7, name, grid.score, code
    if two_columns:
        return SealType.legal_rep, 0.5, None, 0.0, code
    return SealType.other, 0.4, text or None, grid.score * 0.5, code


_TITLE_CHARS = set("全国统一发票监制章")
_BUREAU_LINE = re.compile(r"[\u4e00-\u9fff]{3,}局$")


def _bureau_line(by_role: dict[str, list[SealText]]) -> bool:
    """A line across the middle or below it of four or more characters ending in 局 (a tax bureau's name)."""
    return any(_BUREAU_LINE.search(clean_name(t.text)) for role in ("centre", "bottom") for t in by_role.get(role, []))


def _title_pieces(text: str) -> bool:
    """A short reading made (mostly) of characters of the supervision seal's title."""
    text = clean_name(text)
    hits = sum(ch in _TITLE_CHARS for ch in text)
    return 2 <= len(text) <= 7 and hits >= 2 and hits >= 0.6 * len(text)


def _word_start(text: str, word: str) -> int | None:
    """Where ``word`` (or a reading of it with up to two wrong characters, or its 专用 part) starts in ``text``."""
    i = text.find(word)
    if i >= 0:
        return i
    n = len(word)
    for i in range(0, max(0, len(text) - n + 2)):
        if sum(a == b for a, b in zip(word, text[i:i + n])) >= max(2, n - 2):
            return i
    i = text.find("专用")
    return max(0, i - 2) if i >= 0 else None


def _supervision_owner(by_role: dict[str, list[SealText]]) -> tuple[str | None, float, str | None]:
    """The words of a supervision seal other than its title: the centre line, then the bottom line or arc. Returns
    the owner, its confidence and the words as read (the owner, unless they were taken for a listed bureau's name)."""
    parts: list[str] = []
    scores: list[float] = []
    for role in ("centre", "bottom", "arc_bottom"):
        if role == "arc_bottom" and len(parts) >= 2:
            continue  # old-style seals print the second line along the bottom rim; new-style ones in the middle
        for t in by_role.get(role, []):
            text = clean_name(t.text)
            for word in ("全国统一发票监制章", "发票监制章", "监制章"):
                text = text.replace(word, "")
            if sum(ch in _TITLE_CHARS for ch in text) >= 0.6 * len(text):
                continue  # a piece of the title read again (统一发票监)
            if _INVOICE_TITLE.search(text):
                continue  # the e-invoice's red title printed across the seal (增值税专用发票), not the seal's words
            if len(text) >= 2 and not any(text in p or p in text for p in parts):
                parts.append(text)
                scores.append(t.score)
    if not parts:
        return None, 0.0, None
    # a new-style seal names the provincial bureau under 国家税务总局, which an e-invoice's red title (增值税专用发票)
    # often covers or which is read with a character wrong: the bureau's line decides, the fixed words are restored
    owner, score = "".join(parts), float(min(scores))
    for text, line_score in zip(parts, scores):
        bureau = _BUREAU.search(text)
        if bureau:
            owner, score = "国家税务总局" + bureau.group(1) + "税务局", float(line_score)
            break
    known = tax_bureau(owner)  # the name of a bureau on the list the reading stands for
    return (known[0], min(score, known[1]), owner) if known else (owner, score, owner)


BUREAU_RATIO = 60.0  # a reading is taken for a tax bureau's name when this similar to it (rapidfuzz ratio, 0-100)...
BUREAU_MARGIN = 5.0  # ...and this much more similar than to any other bureau's name whose region it shows
BUREAU_FORMED = 90.0  # a reading in a bureau name's pattern is taken for another name only when this similar (one
# character of the region off: 国家税务总局西壮族自治区税务局); else it is kept as read (苏州工业园区's own bureau)


def tax_bureau(text: str) -> tuple[str, float] | None:
    """The tax bureau's name (names.TAX_BUREAUS) a supervision seal's reading stands for, and how sure (0-1), or None.

    The seal's two lines are read by the page's OCR engine, around the red title printed across them, and often
    with characters lost or wrong (四川家税务总局监, 国杰税务总员天津市胜经局). The fixed words are few, so the region
    decides: a bureau is a candidate only when at least two thirds of its region's characters (and two or more)
    appear in the reading in order, and is taken when it is the most similar by BUREAU_RATIO and BUREAU_MARGIN. A
    reading already in a bureau name's pattern must be BUREAU_FORMED similar (a bureau not on the list keeps its
    name)."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import LCSseq

    from pipeline.seals.names import TAX_BUREAUS

    if not text:
        return None
    least = BUREAU_FORMED if _BUREAU_NAME.fullmatch(text) else BUREAU_RATIO
    chars = set(text)
    scored = sorted(((fuzz.ratio(text, name), name) for name, core in TAX_BUREAUS.items()
                     if len(chars.intersection(core)) >= 2  # cheap first
                     # the region's characters in the reading in order: the longest common subsequence
                     and LCSseq.similarity(core, text) >= max(2, math.ceil(2 * len(core) / 3))), reverse=True)
    if not scored or scored[0][0] < least:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < BUREAU_MARGIN:
        return None
    return scored[0][1], scored[0][0] / 100


# a bureau's name as printed, whatever the region (kept as read): 国家税务总局X税务局, X国家税务总局监制, X地方税务局监制
_BUREAU_NAME = re.compile(r"国家税务总局[\u4e00-\u9fff]{2,12}税务局|[\u4e00-\u9fff]{2,12}(?:国家税务总局|国家税务局|地方税务局)监制")


_INVOICE_TITLE = re.compile(r"增值|值税|税专|普通|电子")
# the provincial or municipal bureau on a new-style supervision seal: 江苏省税务局, 深圳市税务局, 黑龙江省税务局
# (one of its last characters may be misread: 上海市税务隔, 四川省位务局)
_BUREAU = re.compile(r"([\u4e00-\u9fff]{2,3}(?:省|市|自治区))(?:税务|[\u4e00-\u9fff]务局)")

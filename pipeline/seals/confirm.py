"""A seal's owner confirmed by the names its own document prints.

A reviewer reads a worn seal knowing whose it should be: the contract beside it names party A, the invoice its seller,
the bank slip the payer's bank, the voucher its 核算单位. :func:`confirm_owners` does the same with the recogniser's
lattice (ocr/lattice.py): each name the document prints that a seal of that type could carry (the fields of
:data:`CANDIDATE_FIELDS`; for a company's seal also the company names on its lines, :func:`printed_names`) is aligned
to the seal's lattice, and the seal's owner becomes that name only when the recogniser all but read it:

- at least ``confirm_seen`` of its characters got probability >= ``SEEN_PROB`` (ocr/lattice.py) where they align
  (the share rules/facts.seal_match asks before it calls a seal a party's, so confirming never makes a match the
  rules would not);
- none of the characters it did not see was read as another with ``OTHER_PROB`` (ocr/lattice.py) or more (a
  confident other character is what a different name looks like: 北京市锐棱… is not 北京市锐凌…);
- its mean log-likelihood ratio against the free reading is >= ``confirm_llr`` (misread true names scored -0.01 to
  -1.2 on the generated seals, the nearest other name on the same document -1.84: a bank branch of another city);
- the reading has at most ``MAX_LEFTOVER`` characters outside the aligned stretch (a name the arc only contains,
  中国农业银行股份有限公司 on a branch's seal, is not the seal's owner), type words and a name seal's 之印 aside;
- no second name of the document passes as well.

A bank's name with its branch (招商银行股份有限公司深圳南山支行) offers the bank's own name too, since an e-receipt's
oval seal may carry only that, unless the reading shows two consecutive characters of the branch's words.

What was read stays in the seal's texts (``owner read:``) with the field that confirmed it, so the report shows both;
the lattice is kept, so the rules still verify other names against the reading itself. A seal without a lattice (no
name read) and a cross-page slice are left as they are.

A supervision seal (全国统一发票监制章) belongs to the tax bureau where the seller is registered, which the seller's
unified social credit code names (its 3rd-4th characters, the province of GB/T 2260; the cities with their own plan
by their first four). :func:`confirm_bureau` takes that bureau (国家税务总局湖北省税务局) when the seal's own name
was not read whole (classify.tax_bureau found none) but its bottom line, where the new-style seal prints the region,
shows a character of that region and no other region's name: 发湖西税联 and 湖生者悦写局 for 湖北省税务局 on a
scan and a fax.
The old style's bottom line (国家税务总局监制) holds no region character, so it is never taken for the new.

An ``other`` oval (none of its words read) at the top centre of an invoice is at the supervision seal's place and is
typed so (:func:`supervision_by_place`, at type confidence 0.5), before the bureau is looked for.

A round seal typed official though its title was seen and not read is, on an accounting voucher, taken for the
company's finance seal (:func:`finance_on_voucher`, at type confidence 0.5): 财务专用章 is the titled seal a
company's accounts carry (a finance seal on a voucher whose title is crossed by its figures).

An invoice seal prints its owner's unified social credit code across its middle: :func:`confirm_by_code` takes the
seller's name and code when the code read there is the invoice's seller_tax_id but for a character or two, and the
arc reads no other name (淘客上海)餐饮服务有限公司 with the seller's code read whole: 阔客(上海)餐饮服务有限公司).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

from pipeline.config import SealConfig
from pipeline.extract.normalize import uscc_valid
from pipeline.ocr.lattice import SEEN_PROB, best_path, spot
from pipeline.seals.classify import TITLE_UNREAD, TYPE_WORDS
from pipeline.seals.names import TAX_BUREAUS
from pipeline.types import DocType, Document, Field, Page, Seal, SealShape, SealType

MAX_LEFTOVER = 1  # characters of the reading outside the aligned name

_ORGANISATION = ("party_a_name", "party_b_name", "seller_name", "buyer_name", "payer_name", "payee_name")
# the fields (FIELDS.md) whose values a seal of each type may carry
CANDIDATE_FIELDS: dict[SealType, tuple[str, ...]] = {
    SealType.official: _ORGANISATION,
    SealType.finance: _ORGANISATION,
    SealType.contract: _ORGANISATION,
    SealType.invoice: _ORGANISATION,
    SealType.other: _ORGANISATION,
    SealType.bank: ("payer_bank", "payee_bank", "party_b_bank_name"),
    SealType.legal_rep: ("party_a_legal_rep", "party_b_legal_rep"),
}
# words of a seal that are not its owner's name: the type words, and a name seal's 之印 / 印
_NOT_NAME = tuple(sorted({w for w, _ in TYPE_WORDS} | {"之印", "印", "章"}, key=len, reverse=True))


# a bank's name with its branch: the bank's own name is offered too (an e-receipt's oval seal may carry only that,
# 招商银行股份有限公司 on a slip of 招商银行股份有限公司深圳南山支行)
_BRANCH = re.compile(r"^(.+?银行(?:股份有限公司|有限责任公司|有限公司))(.+(?:支行|分行|营业部))$")


# a company's name as printed on a line (a voucher's 核算单位, a signature block)
_COMPANY = re.compile(r"[\u4e00-\u9fff()]{2,40}?(?:有限责任公司|股份有限公司|有限公司|公司)")


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _shows(read: str | None, words: str) -> bool:
    """Whether two consecutive characters of ``words`` stand in ``read``."""
    return bool(read) and any(words[i:i + 2] in read for i in range(len(words) - 1))


def _leftover(text: str) -> int:
    for word in _NOT_NAME:
        text = text.replace(word, "")
    return sum(ch.isalnum() for ch in text)


def printed_names(lines: Iterable[str]) -> tuple[str, ...]:
    """The company names printed on a document's lines (after a label's colon: 核算单位：北京市禾舟机器人有限公司)."""
    out: dict[str, None] = {}
    for line in lines:
        for name in _COMPANY.findall(re.split(r"[:：]", _key(line))[-1]):
            out.setdefault(name)
    return tuple(out)


def confirm_owner(seal: Seal, fields: Iterable[Field], config: SealConfig | None = None,
                  printed: Iterable[str] = ()) -> Seal:
    """``seal`` with its owner confirmed by one of ``fields`` (a document's fields) or, for a company's seal, of the
    company names ``printed`` on its pages (:func:`printed_names`), or ``seal`` itself."""
    config = config or SealConfig()
    lattice = seal.owner_lattice
    wanted = CANDIDATE_FIELDS.get(seal.type, ())
    if not lattice or seal.cross_page or not wanted:
        return seal
    names: dict[str, str] = {}  # value -> the first field printing it
    for f in fields:
        if f.name in wanted and f.value and len(_key(f.value)) >= 2:
            names.setdefault(_key(f.value), f.name)
            head = _BRANCH.match(_key(f.value)) if seal.type == SealType.bank else None
            if head and not _shows(seal.owner, head.group(2)):  # unless the reading shows the branch's words
                names.setdefault(head.group(1), f.name)
    if wanted == _ORGANISATION:
        for name in printed:
            names.setdefault(_key(name), "page text")
    if not names or (seal.owner and _key(seal.owner) in names):
        return seal
    passed = []
    for value, field in names.items():
        sp = spot(lattice, value)
        if not sp.support or sp.score < config.confirm_llr or sp.supported() < config.confirm_seen:
            continue
        if sp.contradicted()[0]:
            continue
        first, last = sp.span
        outside = best_path(lattice[:first])[0] + best_path(lattice[last + 1:])[0]
        if _leftover(outside) > MAX_LEFTOVER:
            continue
        passed.append((sp, value, field))
    if len(passed) != 1:
        return seal
    sp, value, field = passed[0]
    seen = sum(p >= SEEN_PROB for p in sp.support)
    evidence = (f"owner read:{seal.owner or ''}",
                f"owner confirmed by {field}: log-ratio {sp.score:.2f}, {seen}/{len(sp.support)} characters seen")
    return seal.model_copy(update={
        "owner": value,
        # the name's per-character likelihood against the recogniser's own best reading (1.0: it read exactly this)
        "owner_confidence": round(max(seal.owner_confidence, math.exp(sp.score)), 3),
        "texts": seal.texts + evidence})


# GB/T 2260 province codes: the 3rd-4th characters of a unified social credit code (18 characters: the registering
# authority and type, then the 6-digit region code); the cities with their own plan (计划单列市) have their own
# tax bureau. Regions are named by their characters in names.TAX_BUREAUS (广西壮族: 国家税务总局广西壮族自治区税务局)
PROVINCE_CODES = {"11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
                  "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
                  "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西壮族", "46": "海南",
                  "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
                  "63": "青海", "64": "宁夏回族", "65": "新疆维吾尔"}
PLAN_CITIES = {"2102": "大连", "3302": "宁波", "3502": "厦门", "3702": "青岛", "4403": "深圳"}
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}(\d{6})[0-9A-HJ-NPQRTUWXY]{9}[0-9A-HJ-NPQRTUWXY]")
# the new-style bureau of each region (国家税务总局湖北省税务局), and every region's distinctive characters
_NEW_STYLE = {core: name for name, core in TAX_BUREAUS.items() if name.startswith("国家税务总局")}
_CORES = frozenset(TAX_BUREAUS.values())


def seller_bureau(fields: Iterable[Field]) -> tuple[str, str, str] | None:
    """(the tax bureau's name, its region's characters, the field) for the seller's unified social credit code among
    ``fields``, or None."""
    for f in fields:
        m = _USCC.fullmatch(_key(f.value or "").upper()) if f.name == "seller_tax_id" else None
        if m:
            code = m.group(1)
            core = PLAN_CITIES.get(code[:4]) or PROVINCE_CODES.get(code[:2])
            if core in _NEW_STYLE:
                return _NEW_STYLE[core], core, f.name
    return None


def confirm_bureau(seal: Seal, fields: Iterable[Field]) -> Seal:
    """A supervision seal whose bureau was not read whole, given the seller's bureau (:func:`seller_bureau`) when its
    bottom line shows a character of the seller's region and the seal's reading names no other region."""
    if seal.type != SealType.supervision or seal.cross_page or (seal.owner or "") in TAX_BUREAUS:
        return seal
    found = seller_bureau(fields)
    if found is None:
        return seal
    name, core, field = found
    bottom = "".join(t.split(":", 1)[1] for t in seal.texts if t.startswith("bottom:"))
    read = "".join(t.split(":", 1)[1] for t in seal.texts if t.startswith(("centre:", "bottom:", "arc_bottom:")))
    if not any(ch in bottom for ch in core) or any(c != core and c in read for c in _CORES):
        return seal
    evidence = (f"owner read:{seal.owner or ''}",
                f"owner confirmed by {field}: region {core}, {''.join(ch for ch in core if ch in bottom)} read")
    return seal.model_copy(update={"owner": name, "texts": seal.texts + evidence})


# An invoice seal (发票专用章) prints its owner's unified social credit code across its middle. When the code read
# there is the invoice's own seller_tax_id (a valid code) but for at most MAX_CODE_MISREAD of its 18 characters, the
# seal is the seller's (two taxpayers' codes share their first 8 characters at most, the region; the 9 of the
# organisation code and the check character differ): its owner becomes the seller's name and its code the seller's
# code, unless its arc reads another name (MISMATCH_OTHERS or more of the name's unseen characters, and half of them,
# read as other characters with OTHER_PROB: what rules/facts.seal_match calls evidence of other words).
MAX_CODE_MISREAD = 2
MISMATCH_OTHERS = 2


def confirm_by_code(seal: Seal, fields: Iterable[Field]) -> Seal:
    """An invoice seal whose centre code is the seller's (see MAX_CODE_MISREAD) with the seller's name and code."""
    if seal.type != SealType.invoice or seal.cross_page or not seal.code:
        return seal
    values: dict[str, str] = {}
    for f in fields:
        if f.value and f.name in ("seller_name", "seller_tax_id"):
            values.setdefault(f.name, _key(f.value))
    name, tax_id = values.get("seller_name"), values.get("seller_tax_id", "").upper()
    code = _key(seal.code).upper()
    if not name or not uscc_valid(tax_id) or len(code) != len(tax_id):
        return seal
    misread = sum(a != b for a, b in zip(code, tax_id))
    if misread > MAX_CODE_MISREAD or (misread == 0 and _key(seal.owner or "") == name):
        return seal
    if seal.owner_lattice:
        others, unseen = spot(seal.owner_lattice, name).contradicted()
        if others >= MISMATCH_OTHERS and others >= 0.5 * unseen:
            return seal
    evidence = (f"owner read:{seal.owner or ''}", f"code read:{seal.code}",
                f"owner confirmed by seller_tax_id: {len(code) - misread}/{len(code)} characters of the code read")
    return seal.model_copy(update={"owner": name, "code": tax_id, "texts": seal.texts + evidence})


# Every Chinese VAT invoice (paper, e-invoice PDF, 数电票) prints its supervision seal at the top centre, in or by the
# title; the seller's invoice seal sits at the bottom right. An oval on an invoice typed ``other`` (nothing of its
# words read: fewer than PLACE_MAX_READ Chinese characters as its owner) whose centre lies in the middle
# PLACE_ACROSS of the page's text across and its top PLACE_DOWN down is taken for the supervision seal, at
# PLACE_CONFIDENCE (generated invoices: supervision seals at 0.48-0.54 across and 0.06-0.15 down the extent of their
# fields, the sellers' seals at 0.79-0.92 and 1.02-1.2).
PLACE_ACROSS = (0.3, 0.7)
PLACE_DOWN = 0.25
PLACE_CONFIDENCE = 0.5
PLACE_MAX_READ = 4  # Chinese characters read as its owner: a legible name is whose it is, not its place


def supervision_by_place(seal: Seal, page: Page, doc_type: DocType | None) -> Seal:
    """An ``other`` oval at the supervision seal's place on an invoice (see PLACE_ACROSS) typed supervision."""
    if (doc_type != DocType.invoice or seal.type != SealType.other or seal.shape != SealShape.oval
            or seal.cross_page or len(page.lines) < 3):
        return seal
    if len(re.findall(r"[\u4e00-\u9fff]", seal.owner or "")) >= PLACE_MAX_READ:
        return seal  # a name read on it that is no bureau's (a company's, a platform's 浙江省电子发票...综合服务平台)
    x0, y0 = min(t.bbox.x0 for t in page.lines), min(t.bbox.y0 for t in page.lines)
    x1, y1 = max(t.bbox.x1 for t in page.lines), max(t.bbox.y1 for t in page.lines)
    cx = ((seal.bbox.x0 + seal.bbox.x1) / 2 - x0) / max(1.0, x1 - x0)
    cy = ((seal.bbox.y0 + seal.bbox.y1) / 2 - y0) / max(1.0, y1 - y0)
    if not (PLACE_ACROSS[0] <= cx <= PLACE_ACROSS[1] and cy <= PLACE_DOWN):
        return seal
    evidence = f"place: an oval at the top centre of an invoice ({cx:.2f} across, {cy:.2f} down its text)"
    return seal.model_copy(update={"type": SealType.supervision, "type_confidence": PLACE_CONFIDENCE,
                                   "texts": seal.texts + (evidence,)})


# a round company seal whose title was seen but not read (classify: "round, title not read", typed official at 0.45)
# on an accounting voucher is taken for the finance seal (财务专用章) at VOUCHER_CONFIDENCE: the titled seal a
# company's accounts carry. An official seal has no title to see; a contract seal belongs on the contract.
VOUCHER_CONFIDENCE = 0.5


def finance_on_voucher(seal: Seal, doc_type: DocType | None) -> Seal:
    """A round seal with an unread title on an accounting voucher typed finance (see VOUCHER_CONFIDENCE)."""
    if (doc_type != DocType.voucher or seal.type != SealType.official or TITLE_UNREAD not in seal.texts
            or seal.cross_page):
        return seal
    return seal.model_copy(update={"type": SealType.finance, "type_confidence": VOUCHER_CONFIDENCE,
                                   "texts": seal.texts + ("place: a titled round seal on a voucher",)})


def _typed_by_place(seal: Seal, page: Page, doc_type: DocType | None) -> Seal:
    return finance_on_voucher(supervision_by_place(seal, page, doc_type), doc_type)


def confirm_owners(document: Document, config: SealConfig | None = None) -> Document:
    """The document with every seal's owner confirmed by the document's own fields where the reading allows (and a
    seal whose type was not read typed by its place: an invoice's unread oval at the supervision seal's place, a
    voucher's round seal with an unread title)."""
    config = config or SealConfig()
    if not config.confirm_owner or not any(p.seals for p in document.pages):
        return document
    printed = printed_names(line.text for p in document.pages for line in p.lines)
    pages = []
    changed = False
    for page in document.pages:
        seals = tuple(confirm_by_code(confirm_bureau(confirm_owner(_typed_by_place(s, page, document.doc_type),
                                                                   document.fields, config, printed),
                                                     document.fields), document.fields)
                      for s in page.seals)
        changed |= any(a is not b for a, b in zip(seals, page.seals))
        pages.append(page.model_copy(update={"seals": seals}) if seals != page.seals else page)
    return document.model_copy(update={"pages": tuple(pages)}) if changed else document


__all__ = ["CANDIDATE_FIELDS", "confirm_bureau", "confirm_by_code", "confirm_owner", "confirm_owners",
           "finance_on_voucher", "printed_names", "seller_bureau", "supervision_by_place"]

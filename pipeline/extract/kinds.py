"""Invoice kind and copy type from the printed title and copy label (FIELDS.md invoice_kind / copy_type)."""

from __future__ import annotations

import re

_KINDS = (  # first match wins: most specific titles first
    (r"铁路电子客票", "railway"),
    (r"通行费", "toll"),
    (r"电子发票[(（]?增值税专用发票", "digital_special"),
    (r"电子发票[(（]?普通发票", "digital_normal"),
    (r"增.?税电子专用发票", "vat_e_special"),
    (r"增.?税电子普通发票", "vat_e_normal"),
    (r"增.?税专用发票|专用发票", "vat_special"),
    (r"增.?税普通发票|普通发票", "vat_normal"),
)


# traditional forms OCR sometimes reads for the simplified characters of the titles and copy names
_TRADITIONAL = str.maketrans({"稅": "税", "電": "电", "發": "发", "專": "专", "聯": "联", "記": "记", "帳": "账"})


def invoice_kind(text: str) -> str | None:
    t = re.sub(r"\s+", "", text).translate(_TRADITIONAL)
    for pattern, kind in _KINDS:
        if re.search(pattern, t):
            return kind
    return "other" if "发票" in t else None


_COPIES = (  # the copy's name, also with a character lost or misread (票联, 扣联, 账联)
    (r"[抵扺][扣和]联|扣联", "deduction_copy"),
    (r"发[票禁祟栗粟]联|票联", "invoice_copy"),
    (r"记[账帐]联|[账帐]联|此联不作.?报销", "bookkeeping_copy"),  # 此联不作报销、扣税凭证使用: the 记账联's note
)


def copy_type(text: str) -> str | None:
    t = re.sub(r"\s+", "", text).translate(_TRADITIONAL)
    for pattern, kind in _COPIES:
        if re.search(pattern, t):
            return kind
    return None


def page_copy_text(page) -> str:
    """The page's text plus the copy label printed down the right margin one character per line (第三联 发票联 ...)."""
    edge = sorted((l for l in page.lines if l.bbox.x0 > 0.85 * page.width and len(l.text.strip()) <= 3),
                  key=lambda l: l.bbox.y0)
    return page.text + "\n" + "".join(l.text.strip() for l in edge)


def kind_and_copy(head: str, page) -> tuple[str | None, str | None]:
    """Invoice kind from the title text and copy type from the page (paper VAT invoices only). A paper invoice whose
    title was not read but that is a 抵扣联 is a special invoice: only those have a deduction copy."""
    kind = invoice_kind(head)
    if kind not in (None, "other", "vat_special", "vat_normal"):
        return kind, None
    copy = copy_type(page_copy_text(page)) if page is not None else None
    if copy == "deduction_copy" and kind in (None, "other"):
        kind = "vat_special"
    return kind, copy

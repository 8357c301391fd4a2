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


def invoice_kind(text: str) -> str | None:
    t = re.sub(r"\s+", "", text)
    for pattern, kind in _KINDS:
        if re.search(pattern, t):
            return kind
    return "other" if "发票" in t else None


_COPIES = ((r"[抵扺][扣和]联", "deduction_copy"), (r"发[票禁祟栗粟]联", "invoice_copy"), (r"记[账帐]联", "bookkeeping_copy"))


def copy_type(text: str) -> str | None:
    t = re.sub(r"\s+", "", text)
    for pattern, kind in _COPIES:
        if re.search(pattern, t):
            return kind
    return None


def page_copy_text(page) -> str:
    """The page's text plus the copy label printed down the right margin one character per line (第三联 发票联 ...)."""
    edge = sorted((l for l in page.lines if l.bbox.x0 > 0.85 * page.width and len(l.text.strip()) <= 3),
                  key=lambda l: l.bbox.y0)
    return page.text + "\n" + "".join(l.text.strip() for l in edge)

"""Page classification and grouping: ``Classifier(config)(pages) -> list[DocumentSpan]``.

Each page is scored per document type from weighted keywords (data: pipeline/extract/specs/doc_types.yaml), title
keywords (top quarter, tall lines) counting more. Pages are then grouped: a page continues the document before it unless
it opens a new one (a title of its own type, another type, or an invoice with another invoice number), so a contract
over several pages is one document, a PDF of 29 invoices is 29, and a contract followed by its acceptance certificate
splits in two. Invoices get their kind and copy type. Built once, pure per call, safe from any thread."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from pipeline.extract.kinds import kind_and_copy
from pipeline.types import DocType, Page

DEFAULT_CONFIG = Path(__file__).resolve().parent / "extract" / "specs" / "doc_types.yaml"
_PAGE_NO = re.compile(r"第(\d+)页[/,]?共(\d+)页|(\d+)/(\d+)页?$")
_INV_NO = re.compile(r"(?:发票号码|No\.?)[:：]?(\d{8}|\d{20})(?!\d)")


class ClassifyConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title_weight: float = 4.0
    min_score: float = 3.0
    types: dict[DocType, dict[str, float]]

    @classmethod
    def load(cls, path: Path | str = DEFAULT_CONFIG) -> "ClassifyConfig":
        return cls(**yaml.safe_load(Path(path).read_text(encoding="utf-8"))["classify"])


@dataclass(frozen=True)
class PageClass:
    doc_type: DocType
    confidence: float
    title: bool  # the page's own title names its type: it opens a document
    scores: dict[str, float]
    page_no: int | None  # "第2页共3页" -> 2
    invoice_number: str | None


@dataclass(frozen=True)
class DocumentSpan:
    doc_type: DocType
    confidence: float
    pages: tuple[int, ...]  # indices into the pages given
    invoice_kind: str | None = None
    copy_type: str | None = None


class Classifier:
    def __init__(self, config: ClassifyConfig | None = None) -> None:
        self.config = config or ClassifyConfig.load()
        self._rules = {t: [(re.compile(k), w) for k, w in kw.items()] for t, kw in self.config.types.items()}

    def page(self, page: Page) -> PageClass:
        lines = [(re.sub(r"\s+", "", l.text), l) for l in page.lines if l.text.strip()]
        heights = sorted(l.bbox.height for _, l in lines) or [1.0]
        median = heights[len(heights) // 2]
        top = [t for t, l in lines if l.bbox.y1 < page.height * 0.28 and l.bbox.height >= 1.15 * median]
        scores: dict[str, float] = {}
        titled: dict[str, float] = {}
        for t, rules in self._rules.items():
            s = tt = 0.0
            for rx, w in rules:
                if any(rx.search(x) for x, _ in lines):
                    s += w
                if w >= 3 and any(rx.search(x) for x in top):  # title words (weight 3+) count in a title
                    tt += w * (self.config.title_weight - 1)
            scores[t], titled[t] = s + tt, tt
        best = max(scores, key=scores.get)
        total = sum(scores.values())
        if scores[best] < self.config.min_score:
            return PageClass(DocType.other, 0.5, False, scores, _page_no(lines), None)
        text = "\n".join(t for t, _ in lines)
        m = _INV_NO.search(text)
        conf = scores[best] / total if total else 0.0
        return PageClass(DocType(best), round(min(1.0, 0.5 + conf / 2), 3), titled[best] > 0, scores,
                         _page_no(lines), m.group(1) if m else None)

    def __call__(self, pages: tuple[Page, ...] | list[Page]) -> list[DocumentSpan]:
        classes = [self.page(p) for p in pages]
        groups: list[list[int]] = []
        for i, c in enumerate(classes):
            if groups and self._continues(classes[groups[-1][0]], classes[groups[-1][-1]], c):
                groups[-1].append(i)
            else:
                groups.append([i])
        spans = []
        for g in groups:
            typed = [classes[i] for i in g if classes[i].doc_type != DocType.other] or [classes[g[0]]]
            t = typed[0].doc_type
            conf = sum(c.confidence for c in typed) / len(typed)
            kind = copy = None
            if t == DocType.invoice:
                kind, copy = kind_and_copy("".join(l.text for l in pages[g[0]].lines), pages[g[0]])
            spans.append(DocumentSpan(t, round(conf, 3), tuple(g), kind, copy))
        return spans

    @staticmethod
    def _continues(first: PageClass, prev: PageClass, c: PageClass) -> bool:
        if c.page_no is not None:
            return c.page_no > 1 and (prev.page_no is None or c.page_no == prev.page_no + 1)
        if c.doc_type == DocType.other:
            return True  # a page with no type of its own (an annex, a signature page) continues the document
        if c.doc_type != first.doc_type:
            return False
        if c.doc_type == DocType.invoice:
            return c.invoice_number is None or c.invoice_number == first.invoice_number
        return not c.title


def _page_no(lines) -> int | None:
    for t, _ in lines[-6:]:
        m = _PAGE_NO.search(t)
        if m:
            a = m.group(1) or m.group(3)
            return int(a)
    return None

"""The reviewer's report: one self-contained HTML file (inline CSS, no script, no external URL), UTF-8.

Order of reading: the header; the verdict with its reasons, the recognised total and the estimated subsidy; the
contracts table; the findings, contract by contract and then the submission-level ones, each scope with its fails
first, then reviews, then standing reviews, then the passes folded away; file errors; unassigned documents; the
documents read.

A finding shows its rule, status and message, the table of the values it compared, and crops of the pages its evidence
lies on with the boxes drawn over them (numbered after the observation rows they belong to). Crop images are base64
JPEG data URIs, each embedded once in a hidden SVG store and shown with ``<use>``, so a crop under several findings
costs its bytes once; the boxes are SVG shapes over it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from html import escape

from pipeline.report.crops import Crop, CropPlan, CropStore, plan_crops
from pipeline.report.pages import PageImages
from pipeline.report.style import CSS
from pipeline.types import (
    Assessment,
    ContractAssessment,
    Finding,
    FindingStatus,
    Page,
    Region,
    Report,
)

VERDICTS = {
    "eligible": "Eligible · 符合条件",
    "needs_review": "Needs review · 需人工复核",
    "not_eligible": "Not eligible · 不符合条件",
}
STATUS = {"fail": "FAIL 不通过", "review": "REVIEW 待复核", "standing": "STANDING 常规复核", "pass": "PASS 通过"}
GROUPS = (("fail", "Fails · 不通过"), ("review", "Reviews · 待复核"), ("standing", "Standing reviews · 常规人工复核"))


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def money(value: str | None) -> str:
    """A decimal string with thousands separators; an em dash for none."""
    if value is None:
        return "—"
    try:
        return f"{Decimal(value):,.2f}"
    except InvalidOperation:
        return _e(value)


def _kind(f: Finding) -> str:
    if f.status == FindingStatus.review:
        return "standing" if f.standing else "review"
    return f.status.value


def _region_text(r: Region) -> str:
    b = r.bbox
    return f"{r.file_id} p.{r.page + 1} [{b.x0:.0f}, {b.y0:.0f}, {b.x1:.0f}, {b.y1:.0f}]"


class _Renderer:
    def __init__(self, report: Report, images: PageImages | None) -> None:
        self.report = report
        self.pages: dict[tuple[str, int], Page] = {
            (p.file_id, p.index): p for d in report.submission.documents for p in d.pages
        }
        self.store = CropStore(images, self.pages)

    # -- the page -------------------------------------------------------------------------------------------------
    def render(self) -> str:
        r, a = self.report, self.report.assessment
        body = [self.header(), self.verdict(a)]
        if a is not None and a.contracts:
            body.append(self.contracts(a.contracts))
        body.append(self.findings())
        if r.errors:
            body.append(self.errors())
        if a is not None and a.unassigned:
            items = "".join(f"<li>{_e(d)}</li>" for d in a.unassigned)
            body.append(f'<section id="unassigned"><h2>Unassigned documents · 未归属文件</h2><ul>{items}</ul></section>')
        body.append(self.documents())
        store = "".join(
            f'<image id="{c.id}" width="{c.width}" height="{c.height}" '
            f'href="data:image/jpeg;base64,{base64.b64encode(c.jpeg).decode()}"/>'
            for c in self.store.crops.values()
        )
        title = f"Evidence report · {r.submission.id}"
        return (
            '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
            f'<svg class="store" width="0" height="0" aria-hidden="true"><defs>{store}</defs></svg>'
            + "".join(body)
            + "</body></html>\n"
        )

    def header(self) -> str:
        r, a = self.report, self.report.assessment
        rows = [
            ("Programme · 项目", f"{a.programme} (pack {a.pack_version})" if a else "no rule pack run"),
            ("Pipeline", f"{r.pipeline_version} · schema {r.schema_version}"
                         + (f" · OCR {r.ocr_engine}" if r.ocr_engine else "")),
            ("Generated at · 生成时间", r.generated_at.isoformat(timespec="seconds")),
            ("Files · 文件", f"{len(r.submission.files)} files, {len(r.submission.documents)} documents, "
                            f"{len(self.pages)} pages"),
        ]
        dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
        return f'<header><h1>{_e(r.submission.id)}</h1><dl class="meta">{dl}</dl></header>'

    def verdict(self, a: Assessment | None) -> str:
        counts = {k: sum(1 for f in self.report.findings if _kind(f) == k) for k in STATUS}
        tally = " · ".join(f'<span class="badge {k}">{n} {_e(STATUS[k])}</span>' for k, n in counts.items())
        if a is None:
            return (f'<section id="verdict" class="verdict none"><h2>No verdict</h2>'
                    f"<p>No rule pack was run on this submission; the documents read are listed below.</p>"
                    f'<p class="tally">{tally}</p></section>')
        reasons = "".join(f"<li>{_e(x)}</li>" for x in a.reasons)
        amounts = (f'<p class="amounts"><span>Recognised total · 认定金额 <b>{money(a.recognised_total)}</b></span>'
                   f"<span>Estimated subsidy · 预计补贴 <b>{money(a.subsidy)}</b></span></p>")
        return (f'<section id="verdict" class="verdict {a.verdict.value}" data-verdict="{a.verdict.value}">'
                f"<h2>{_e(VERDICTS.get(a.verdict.value, a.verdict.value))}</h2>"
                f"{f'<ul class=reasons>{reasons}</ul>' if reasons else ''}{amounts}"
                f'<p class="tally">{tally}</p></section>')

    def contracts(self, contracts: Iterable[ContractAssessment]) -> str:
        head = ("Contract", "Contract no. · 合同编号", "Documents", "Contract total", "Invoiced (counted)",
                "Paid (counted)", "Eligible items", "Recognised · 认定", "Excluded by", "Verdict", "Grouping")
        rows = []
        for c in contracts:
            docs = "<br>".join(_e(d) for d in c.documents)
            grouping = f"{_e(c.grouping)} {c.grouping_confidence:.0%}"
            rows.append(
                f'<tr class="{c.verdict.value}" data-contract="{_e(c.id)}">'
                f'<td><a href="#scope-{_e(c.id)}">{_e(c.id)}</a>'
                f"</td><td>{_e(c.contract_number or '—')}</td><td class=docs>{docs}</td>"
                f"<td class=num>{money(c.contract_total)}</td>"
                f"<td class=num>{money(c.invoice_total)}<br><small>({money(c.invoice_total_counted)})</small></td>"
                f"<td class=num>{money(c.paid_total)}<br><small>({money(c.paid_total_counted)})</small></td>"
                f"<td class=num>{money(c.eligible_items)}</td><td class=num><b>{money(c.recognised)}</b></td>"
                f"<td>{_e(', '.join(c.excluded_by)) or '—'}</td>"
                f'<td><span class="badge {c.verdict.value}">{_e(c.verdict.value)}</span>'
                f"{''.join(f'<div class=why>{_e(x)}</div>' for x in c.reasons)}</td>"
                f'<td title="{_e("; ".join(c.grouping_reasons))}">{grouping}</td></tr>'
            )
        th = "".join(f"<th>{_e(h)}</th>" for h in head)
        return (f'<section id="contracts"><h2>Contracts · 合同</h2><div class="scroll"><table class="contracts">'
                f"<thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>")

    # -- findings -------------------------------------------------------------------------------------------------
    def findings(self) -> str:
        findings = self.report.findings
        a = self.report.assessment
        order = [c.id for c in a.contracts] if a else []
        order += sorted({f.contract for f in findings if f.contract and f.contract not in order})
        scopes = [(c, f"Contract {c}", [f for f in findings if f.contract == c]) for c in order]
        scopes.append((None, "Submission · 申报整体", [f for f in findings if f.contract is None]))
        numbers = {c.id: c.contract_number for c in (a.contracts if a else ())}
        parts = []
        for cid, title, items in scopes:
            if not items:
                continue
            if numbers.get(cid):
                title += f" · {numbers[cid]}"
            groups = []
            for kind, label in GROUPS:
                chosen = [f for f in items if _kind(f) == kind]
                if chosen:
                    groups.append(f'<h4 class="{kind}">{_e(label)} ({len(chosen)})</h4>'
                                  + "".join(self.finding(f) for f in chosen))
            passed = [f for f in items if _kind(f) == "pass"]
            if passed:
                groups.append(f'<details class="passes"><summary>Passes · 通过 ({len(passed)})</summary>'
                              + "".join(self.finding(f) for f in passed) + "</details>")
            anchor = f"scope-{cid}" if cid else "scope-submission"
            parts.append(f'<section class="scope" id="{_e(anchor)}"><h3>{_e(title)}</h3>{"".join(groups)}</section>')
        if not parts:
            parts.append("<p>No findings.</p>")
        return f'<section id="findings"><h2>Findings · 审查结果</h2>{"".join(parts)}</section>'

    def finding(self, f: Finding) -> str:
        kind = _kind(f)
        score = ""
        if f.score is not None or f.threshold is not None:
            score = f'<span class="score">score {_e(f.score)} / threshold {_e(f.threshold)}</span>'
        attrs = f'data-rule="{_e(f.rule_id)}" data-status="{f.status.value}" data-contract="{_e(f.contract or "")}"'
        return (f'<article class="finding {kind}" {attrs}><div class="head"><span class="badge {kind}">'
                f'{_e(STATUS[kind])}</span><b class="rule">{_e(f.rule_id)}</b>{score}</div>'
                f'<p class="msg">{_e(f.message)}</p>{self.observations(f)}{self.evidence(f)}</article>')

    def observations(self, f: Finding) -> str:
        if not f.observations:
            return ""
        rows = []
        for i, o in enumerate(f.observations, 1):
            conf = "" if o.confidence is None else f"{o.confidence:.2f}"
            where = f"p.{o.region.page + 1}" if o.region else ""
            rows.append(f"<tr><td class=n>{i}</td><td>{_e(o.label)}</td><td class=val>{_e(o.value) or '—'}</td>"
                        f"<td>{_e(o.source)}</td><td>{_e(o.document)}</td><td>{_e(o.field)}</td><td>{where}</td>"
                        f"<td class=num>{conf}</td></tr>")
        return ('<table class="obs"><thead><tr><th>#</th><th>Observation</th><th>Value · 值</th><th>Source</th>'
                "<th>Document</th><th>Field</th><th>Page</th><th>Conf.</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>")

    def evidence(self, f: Finding) -> str:
        if not f.evidence:
            return ""
        plans, rest = plan_crops(f.evidence, self.pages)
        labels: dict[tuple[str, int, tuple[float, ...]], list[int]] = {}
        for i, o in enumerate(f.observations, 1):
            if o.region is not None:
                b = o.region.bbox
                labels.setdefault((o.region.file_id, o.region.page, (b.x0, b.y0, b.x1, b.y1)), []).append(i)
        figures = "".join(self.figure(p, labels) for p in plans)
        more = ""
        if rest:
            items = "".join(f"<li>{_e(_region_text(r))}</li>" for r in rest)
            more = f'<details class="more"><summary>{len(rest)} more regions</summary><ul>{items}</ul></details>'
        return f'<div class="crops">{figures}</div>{more}'

    def figure(self, plan: CropPlan, labels: dict) -> str:
        caption = f"{plan.file_id} · page {plan.page + 1}"
        crop = self.store(plan)
        if crop is None:
            boxes = "; ".join(_region_text(Region(file_id=plan.file_id, page=plan.page, bbox=b)) for b in plan.boxes)
            return (f'<figure class="crop missing"><div class="noimg">page image unavailable · 无法显示页面图像'
                    f"<br><small>{_e(boxes)}</small></div><figcaption>{_e(caption)}</figcaption></figure>")
        shapes = "".join(self.shape(crop, plan, b, labels) for b in plan.boxes)
        return (f'<figure class="crop"><svg viewBox="0 0 {crop.width} {crop.height}" width="{crop.width}" '
                f'height="{crop.height}" role="img" aria-label="{_e(caption)}"><use href="#{crop.id}"/>{shapes}</svg>'
                f"<figcaption>{_e(caption)}</figcaption></figure>")

    @staticmethod
    def shape(crop: Crop, plan: CropPlan, box, labels: dict) -> str:
        s, (ox, oy) = crop.scale, crop.rect[:2]

        def pt(x: float, y: float) -> str:
            return f"{(x - ox) * s:.1f},{(y - oy) * s:.1f}"

        if box.polygon:
            outline = f'<polygon points="{" ".join(pt(x, y) for x, y in box.polygon)}"/>'
        else:
            outline = (f'<rect x="{(box.x0 - ox) * s:.1f}" y="{(box.y0 - oy) * s:.1f}" '
                       f'width="{max(1.0, box.width * s):.1f}" height="{max(1.0, box.height * s):.1f}"/>')
        numbers = labels.get((plan.file_id, plan.page, (box.x0, box.y0, box.x1, box.y1)))
        if numbers:
            x, y = (box.x0 - ox) * s, max(11.0, (box.y0 - oy) * s - 2)
            outline += f'<text x="{x:.1f}" y="{y:.1f}">{",".join(map(str, numbers))}</text>'
        return outline

    # -- the rest -------------------------------------------------------------------------------------------------
    def errors(self) -> str:
        rows = "".join(
            f"<tr><td>{_e(e.file)}</td><td>{_e(e.error)}</td><td>{_e(e.stage)}</td>"
            f"<td>{'' if e.page is None else e.page + 1}</td><td>{_e(e.message)}</td></tr>"
            for e in self.report.errors
        )
        return (f'<section id="errors"><h2>File errors · 无法处理的文件 ({len(self.report.errors)})</h2>'
                f'<table class="errors"><thead><tr><th>File</th><th>Error</th><th>Stage</th><th>Page</th>'
                f"<th>Message</th></tr></thead><tbody>{rows}</tbody></table></section>")

    def documents(self) -> str:
        rows = []
        for d in self.report.submission.documents:
            kinds = ", ".join(sorted({p.kind.value for p in d.pages}))
            turned = [f"p.{p.index + 1} {p.rotation}°" for p in d.pages if p.rotation]
            found = sum(1 for f in d.fields if f.value is not None)
            rows.append(f"<tr><td>{_e(d.id)}</td><td>{_e(d.doc_type.value)} {d.doc_type_confidence:.2f}</td>"
                        f"<td>{len(d.pages)} ({_e(kinds)}{'; ' + _e(', '.join(turned)) if turned else ''})</td>"
                        f"<td>{found}/{len(d.fields)}</td><td>{len(d.seals)}</td></tr>")
        return (f'<section id="documents"><details><summary><h2>Documents read · 文件 ({len(rows)})</h2></summary>'
                '<table class="docs"><thead><tr><th>Document</th><th>Type</th><th>Pages</th><th>Fields found</th>'
                f"<th>Seals</th></tr></thead><tbody>{''.join(rows)}</tbody></table></details></section>")


def render_html(report: Report, images: PageImages | None) -> str:
    """The report as one self-contained HTML page; without ``images`` (or where a page cannot be drawn) evidence is
    listed by file, page and box instead of shown."""
    return _Renderer(report, images).render()

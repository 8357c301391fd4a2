"""The batch summary: one CSV row per submission, for a spreadsheet or a batch job.

Columns are :data:`COLUMNS`, in that order. The file is UTF-8 with a byte-order mark (Excel on Chinese Windows reads a
BOM-less CSV as GBK), the header written once: :func:`write_summary_csv` can append to a summary it wrote earlier.
Rule lists name a contract-scoped finding ``rule:contract`` (``BJ-10:C2;BJ-13``), sorted, joined by ``;``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from pipeline.types import Finding, FindingStatus, Report

COLUMNS = (
    "submission",
    "programme",
    "verdict",
    "recognised_total",
    "subsidy",
    "contracts",
    "contracts_excluded",
    "fails",
    "reviews",
    "failing_rules",
    "review_rules",
    "documents",
    "file_errors",
    "pipeline_version",
    "generated_at",
)


def _rules(findings: Iterable[Finding]) -> str:
    names = {f.rule_id if f.contract is None else f"{f.rule_id}:{f.contract}" for f in findings}
    return ";".join(sorted(names))


def summary_row(report: Report) -> dict[str, str | int]:
    """The summary of one report, keyed by :data:`COLUMNS`; programme, verdict and amounts are empty when no rule pack
    was run. ``reviews`` counts reviews that are not standing (the ones that hold the verdict back)."""
    a = report.assessment
    fails = [f for f in report.findings if f.status == FindingStatus.failed]
    reviews = [f for f in report.findings if f.status == FindingStatus.review and not f.standing]
    return {
        "submission": report.submission.id,
        "programme": a.programme if a else "",
        "verdict": a.verdict.value if a else "",
        "recognised_total": a.recognised_total if a else "",
        "subsidy": a.subsidy if a else "",
        "contracts": len(a.contracts) if a else 0,
        "contracts_excluded": sum(1 for c in a.contracts if c.excluded_by) if a else 0,
        "fails": len(fails),
        "reviews": len(reviews),
        "failing_rules": _rules(fails),
        "review_rules": _rules(reviews),
        "documents": len(report.submission.documents),
        "file_errors": len(report.errors),
        "pipeline_version": report.pipeline_version,
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
    }


def write_summary_csv(reports: Iterable[Report], path: Path, append: bool = False) -> Path:
    """Write one row per report to ``path`` (UTF-8 with BOM, header first). With ``append`` and an existing non-empty
    file, rows are added under its header, which must be this module's header."""
    path = Path(path)
    existing = append and path.exists() and path.stat().st_size > 0
    if existing:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
        if tuple(header or ()) != COLUMNS:
            raise ValueError(f"{path}: cannot append, its header is {header}, not {list(COLUMNS)}")
    with path.open("a" if existing else "w", encoding="utf-8" if existing else "utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\r\n")
        if not existing:
            writer.writeheader()
        for report in reports:
            writer.writerow(summary_row(report))
    return path

"""Run the rule packs over the scenario submissions and compare with their expected findings, verdicts and amounts.

    python scripts/check_scenarios.py                      # every scenario, full pipeline (OCR included)
    python scripts/check_scenarios.py --only bj_clean,sz_clean
    python scripts/check_scenarios.py --reports DIR        # reuse report JSONs (DIR/<scenario>.json) from
                                                           # `evidence check`/`analyze --json`: rules only, no OCR
    python scripts/check_scenarios.py --reports DIR --reextract   # ... and classify + extract again from their pages
    python scripts/check_scenarios.py --save-reports DIR   # keep the pipeline's reports for later --reports runs

Prints one row per scenario (expected vs got: fails, non-standing reviews, verdict, recognised total, subsidy) and the
differences; the totals go in docs/rules.md. Exit status 1 when any scenario differs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.rules import RuleEngine, load_intake, load_pack  # noqa: E402
from pipeline.types import Finding, Report  # noqa: E402

SCENARIOS = Path(__file__).resolve().parent.parent / "fixtures" / "scenarios"


def expected_of(manifest: dict) -> dict:
    exp = manifest["expected"]
    return {
        "fail": sorted({(f["rule_id"], f["contract"]) for f in exp["fail"]}, key=str),
        "review": sorted({(f["rule_id"], f["contract"]) for f in exp["review"] if not f.get("standing")}, key=str),
        "standing": sorted({(f["rule_id"], f["contract"]) for f in exp["review"] if f.get("standing")}, key=str),
        "verdict": exp["verdict"],
        "recognised_total": exp["recognised_total"],
        "subsidy": exp["subsidy"],
        "contracts": {c["contract_number"]: (c["id"], c["recognised"], c["verdict"], tuple(sorted(c["excluded_by"])))
                      for c in exp["contracts"]},
    }


def got_of(findings: tuple[Finding, ...], assessment, id_map: dict[str, str]) -> dict:
    def cid(c):
        return None if c is None else id_map.get(c, c)

    return {
        "fail": sorted({(f.rule_id, cid(f.contract)) for f in findings if f.status == "fail"}, key=str),
        "review": sorted({(f.rule_id, cid(f.contract)) for f in findings if f.status == "review" and not f.standing},
                         key=str),
        "standing": sorted({(f.rule_id, cid(f.contract)) for f in findings if f.status == "review" and f.standing},
                           key=str),
        "verdict": assessment.verdict.value,
        "recognised_total": assessment.recognised_total,
        "subsidy": assessment.subsidy,
        "contracts": {c.contract_number: (cid(c.id), c.recognised, c.verdict.value, tuple(sorted(c.excluded_by)))
                      for c in assessment.contracts},
    }


def target_counts(exp: dict, got: dict) -> dict:
    """The issue's targets: expected findings found (fail, review, standing review), unexpected fails and reviews."""
    want = {(k, f) for k in ("fail", "review", "standing") for f in exp[k]}
    have = {(k, f) for k in ("fail", "review", "standing") for f in got[k]}
    return {"expected": len(want), "found": len(want & have),
            "unexpected_fail": len(set(got["fail"]) - set(exp["fail"])),
            "unexpected_review": len({("review", f) for f in got["review"]} - want)}


def compare(folder: Path, report: Report) -> tuple[dict, dict, list[str]]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    intake = load_intake(folder / "manifest.json")
    engine = RuleEngine(load_pack(manifest["programme"]))
    findings, assessment, _ = engine.assess(report.submission.documents, intake)
    exp = expected_of(manifest)
    # the pipeline's own contract ids (ungrouped submissions) map to the expected ones by contract number
    id_map = {c.id: exp["contracts"].get(c.contract_number, (c.id,))[0] for c in assessment.contracts}
    got = got_of(findings, assessment, id_map)
    diffs = []
    for key in ("fail", "review", "standing"):
        missing, extra = set(exp[key]) - set(got[key]), set(got[key]) - set(exp[key])
        if missing:
            diffs.append(f"{key} missing: {sorted(missing, key=str)}")
        if extra:
            diffs.append(f"{key} unexpected: {sorted(extra, key=str)}")
    for key in ("verdict", "recognised_total", "subsidy"):
        if exp[key] != got[key]:
            diffs.append(f"{key}: expected {exp[key]}, got {got[key]}")
    if exp["contracts"] != got["contracts"]:
        diffs.append(f"contracts: expected {exp['contracts']}, got {got['contracts']}")
    return exp, got, diffs


def reextract(report: Report) -> Report:
    """Classification and extraction again over the saved pages (text and seals as read): no OCR."""
    from pipeline.extract import DocumentStage

    stage = DocumentStage()
    by_file: dict[str, list] = {}
    for d in report.submission.documents:
        by_file.setdefault(d.file_id, []).append(d)
    docs = []
    for file_id, parts in by_file.items():
        pages = tuple(sorted((p for d in parts for p in d.pages), key=lambda p: p.index))
        raw = parts[0].model_copy(update={"id": file_id, "pages": pages, "fields": (), "signals": ()})
        docs.extend(stage(raw))
    return report.model_copy(update={"submission": report.submission.model_copy(update={"documents": tuple(docs)})})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma-separated scenario names")
    ap.add_argument("--reports", type=Path, help="folder of saved report JSONs (<scenario>.json): rules only")
    ap.add_argument("--reextract", action="store_true", help="with --reports: classify and extract again")
    ap.add_argument("--save-reports", type=Path, help="save each pipeline report here")
    ap.add_argument("--scenarios", type=Path, default=SCENARIOS)
    args = ap.parse_args(argv)
    names = sorted(p.name for p in args.scenarios.iterdir() if (p / "manifest.json").is_file())
    if args.only:
        names = [n for n in names if n in set(args.only.split(","))]
    pipeline = None
    rows, bad = [], 0
    totals = {"expected": 0, "found": 0, "unexpected_fail": 0, "unexpected_review": 0}
    for name in names:
        folder = args.scenarios / name
        t0 = time.perf_counter()
        if args.reports:
            report = Report.model_validate_json((args.reports / f"{name}.json").read_text(encoding="utf-8"))
            if args.reextract:
                report = reextract(report)
        else:
            if pipeline is None:
                from pipeline.run import Pipeline

                pipeline = Pipeline()
            report = pipeline.analyze([folder], exclude=("manifest.json", "labels/*"))
            if args.save_reports:
                args.save_reports.mkdir(parents=True, exist_ok=True)
                (args.save_reports / f"{name}.json").write_text(report.model_dump_json(), encoding="utf-8")
        exp, got, diffs = compare(folder, report)
        for k, v in target_counts(exp, got).items():
            totals[k] += v
        seconds = time.perf_counter() - t0
        bad += bool(diffs)
        rows.append((name, len(exp["fail"]), len(exp["review"]), exp["verdict"], got["verdict"],
                     exp["recognised_total"], got["recognised_total"], "ok" if not diffs else "DIFF", seconds))
        print(f"{name:40s} {'ok' if not diffs else 'DIFF'} {seconds:6.1f}s", flush=True)
        for d in diffs:
            print(f"    {d}", flush=True)
    print(f"\n{len(names) - bad}/{len(names)} scenarios exactly as expected (findings, verdict, amounts)")
    print(f"expected findings found: {totals['found']}/{totals['expected']}; unexpected fails: "
          f"{totals['unexpected_fail']}; unexpected reviews: {totals['unexpected_review']}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

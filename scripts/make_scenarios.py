"""Write the scenario submissions (documents, labels, manifest.json with the expected findings) and the reference data
the programme offices publish (provider/product catalogue, enterprise lists, register of funded projects).

    python scripts/make_scenarios.py --out fixtures/scenarios                  # all scenarios + fixtures/reference
    python scripts/make_scenarios.py --out fixtures/scenarios --only sz_clean  # one (or a comma list)
    python scripts/make_scenarios.py --table                                   # the markdown table of docs/scenarios.md

The same code writes the same bytes. The reference files are always written in full (they are computed from every
scenario's plan, which is cheap; only the selected scenarios are rendered).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.synth.scenarios import BY_NAME, SCENARIOS, plan, reference, write  # noqa: E402


def table(plans) -> str:
    rows = ["| scenario | programme | fault | fail | review (non-standing) | verdict | recognised total | subsidy |",
            "|---|---|---|---|---|---|---:|---:|"]
    for p in plans:
        e = p.expected

        def ids(items):
            return ", ".join(f"{f['rule_id']}" + (f" ({f['contract']})" if f["contract"] else "") for f in items) \
                or "—"

        rows.append(f"| `{p.scenario.name}` | {p.scenario.programme} | {p.scenario.fault} | {ids(e['fail'])} | "
                    f"{ids([r for r in e['review'] if not r['standing']])} | {e['verdict']} | "
                    f"{e['recognised_total']} | {e['subsidy']} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("fixtures/scenarios"))
    ap.add_argument("--reference", type=Path, default=None, help="default: <out>/../reference")
    ap.add_argument("--only", default="", help="comma-separated scenario names")
    ap.add_argument("--table", action="store_true", help="print the scenario table (markdown) and exit")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        ap.error(f"unknown scenarios {unknown}; valid: {sorted(BY_NAME)}")
    plans = [plan(s) for s in SCENARIOS]
    if args.table:
        print(table(plans))
        return 0
    ref_dir = args.reference or args.out.parent / "reference"
    ref_dir.mkdir(parents=True, exist_ok=True)
    for name, data in reference(plans).items():
        (ref_dir / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for p in plans:
        if names and p.scenario.name not in names:
            continue
        m = write(p, args.out)
        e = m["expected"]
        print(f"{p.scenario.name:40s} {len(m['files']):3d} files  {e['verdict']:13s} {e['recognised_total']:>11s} "
              f"{e['subsidy']:>11s}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

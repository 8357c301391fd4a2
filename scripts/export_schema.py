"""Write the report's JSON Schema to docs/report.schema.json (or check that it is up to date).

    python scripts/export_schema.py            # rewrite the file
    python scripts/export_schema.py --check    # exit 1 when the file differs from the model
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.report.schema import schema_json  # noqa: E402

TARGET = ROOT / "docs" / "report.schema.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when the file is stale")
    parser.add_argument("--out", type=Path, default=TARGET, help=f"where to write (default {TARGET.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    text = schema_json()
    current = args.out.read_text(encoding="utf-8") if args.out.exists() else None
    if args.check:
        if current != text:
            print(f"{args.out} is stale: run python scripts/export_schema.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Outputs for people and batch jobs, from a :class:`pipeline.types.Report`.

- ``report.json``: the report itself (``Report.model_dump_json``), described by ``docs/report.schema.json``
  (:mod:`pipeline.report.schema`);
- ``report.html``: one self-contained page for a reviewer, with crops of the evidence (:mod:`pipeline.report.html`,
  page images from :mod:`pipeline.report.pages`);
- ``summary.csv``: one row per submission (:mod:`pipeline.report.csv`).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.report.csv import COLUMNS, summary_row, write_summary_csv
from pipeline.report.html import render_html
from pipeline.report.pages import PageImages
from pipeline.report.schema import report_schema
from pipeline.types import Report

__all__ = ["COLUMNS", "PageImages", "render_html", "report_schema", "summary_row", "write_outputs", "write_summary_csv"]


def write_outputs(report: Report, out_dir: Path, images: PageImages | None) -> dict[str, Path]:
    """Write report.json, report.html and summary.csv (one row) into ``out_dir`` (created if needed); their paths by
    kind: ``json``, ``html``, ``csv``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "html": out_dir / "report.html", "csv": out_dir / "summary.csv"}
    paths["json"].write_text(report.model_dump_json(indent=1), encoding="utf-8")
    paths["html"].write_text(render_html(report, images), encoding="utf-8")
    write_summary_csv([report], paths["csv"])
    return paths

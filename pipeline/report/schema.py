"""The JSON Schema of :class:`pipeline.types.Report`, generated from the pydantic model (never written by hand).

``docs/report.schema.json`` is this schema as :func:`schema_json` prints it; ``scripts/export_schema.py`` rewrites it
and a unit test fails when it is stale. The schema describes the JSON that ``Report.model_dump_json`` writes
(serialization mode), under JSON Schema draft 2020-12.
"""

from __future__ import annotations

import json

from pipeline.types import SCHEMA_VERSION, Report

SCHEMA_ID = f"urn:evidence-pipeline:report:{SCHEMA_VERSION}"
DRAFT = "https://json-schema.org/draft/2020-12/schema"  # an identifier of the dialect; nothing is fetched


def report_schema() -> dict:
    """The JSON Schema of a report, with ``$id``, ``title`` and ``version`` (= ``pipeline.types.SCHEMA_VERSION``)."""
    schema = Report.model_json_schema(mode="serialization")
    head = {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "Evidence pipeline report",
        "version": SCHEMA_VERSION,
        "description": "One submission read by the evidence pipeline: its files, documents, pages, text lines, seals "
        "and fields; the rule pack's findings and assessment when a pack was run; and the files that could not be "
        "read.",
    }
    return head | {k: v for k, v in schema.items() if k not in ("title", "description")}


def schema_json() -> str:
    """The schema as written to docs/report.schema.json: indented, UTF-8 characters kept, a final newline."""
    return json.dumps(report_schema(), indent=1, ensure_ascii=False) + "\n"

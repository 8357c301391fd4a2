"""The report's JSON Schema: generated from the model, committed up to date, and real reports validate against it."""

import json

import pytest

from pipeline.report.schema import report_schema, schema_json
from pipeline.types import SCHEMA_VERSION
from tests.conftest import REPO
from tests.unit.test_report_csv import make_report

SCHEMA_FILE = REPO / "docs" / "report.schema.json"


def test_committed_schema_is_up_to_date():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_json(), (
        "docs/report.schema.json is stale: run python scripts/export_schema.py")


def test_schema_names_itself_and_its_version():
    schema = report_schema()
    assert schema["version"] == SCHEMA_VERSION and SCHEMA_VERSION in schema["$id"]
    assert schema["title"] and schema["type"] == "object" and "Finding" in schema["$defs"]


def test_a_report_validates_and_a_broken_one_does_not():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(report_schema(), format_checker=jsonschema.FormatChecker())
    jsonschema.Draft202012Validator.check_schema(report_schema())
    data = json.loads(make_report().model_dump_json())
    assert list(validator.iter_errors(data)) == []
    data["findings"][0]["status"] = "maybe"
    data["submission"]["documents"][0]["pages"][0]["rotation"] = 45
    assert len(list(validator.iter_errors(data))) == 2

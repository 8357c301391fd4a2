"""The outputs of a real scenario: pipeline, then the Beijing rule pack, then report.json, report.html, summary.csv.
Every failing finding with evidence shows it; the JSON validates against the committed schema; the HTML loads in a
real headless Chromium (Debian package ``chromium``) when one is installed."""

import csv
import json
import shutil
import subprocess

import cv2
import numpy as np
import pytest

from pipeline.ingest import collect
from pipeline.report import PageImages, write_outputs
from pipeline.report.schema import report_schema
from pipeline.rules import RuleEngine, load_intake, load_pack
from pipeline.run import Pipeline
from tests.conftest import FIXTURES
from tests.unit.test_report_html import Parsed

pytestmark = pytest.mark.integration

SCENARIO = FIXTURES / "scenarios" / "bj_finance_seal_acceptance"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("chromium-headless-shell")


@pytest.fixture(scope="module")
def report():
    pipeline = Pipeline()
    files, _ = collect([SCENARIO], exclude=("manifest.json", "labels/*"))
    analysed = pipeline.analyze_files(files, SCENARIO.name)
    intake = load_intake(SCENARIO / "manifest.json")
    findings, assessment, _ = RuleEngine(load_pack("beijing-2024")).assess(analysed.submission.documents, intake)
    return analysed.model_copy(update={"findings": findings, "assessment": assessment}), pipeline


@pytest.fixture(scope="module")
def outputs(report, tmp_path_factory):
    report, pipeline = report
    with PageImages.for_report(SCENARIO, report, pipeline.ingest) as images:
        return write_outputs(report, tmp_path_factory.mktemp("report"), images)


@pytest.fixture(scope="module")
def parsed(outputs):
    return Parsed(outputs["html"].read_text(encoding="utf-8"))


def test_every_failing_finding_with_evidence_shows_a_crop_of_it(report, parsed):
    report, _ = report
    with_evidence = {(f.rule_id, f.contract or "") for f in report.findings if f.status == "fail" and f.evidence}
    shown = {(a["rule"], a["contract"]): a for a in parsed.articles if a["status"] == "fail"}
    for key in with_evidence:
        assert shown[key]["crops"], key
    assert any(a["crops"] for a in parsed.articles)  # the scenario has evidence to show at all


def test_crops_are_non_empty_images_of_the_pages(parsed):
    assert parsed.images
    for crop_id, data in parsed.images.items():
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and min(image.shape[:2]) >= 16 and image.shape[1] <= 640, crop_id
        assert image.std() > 8, crop_id  # text or a seal, not blank paper


def test_verdict_in_html_and_csv_agree_with_the_assessment(report, outputs, parsed):
    report, _ = report
    assert parsed.verdict == report.assessment.verdict.value
    with outputs["csv"].open(encoding="utf-8-sig", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["verdict"] == report.assessment.verdict.value and row["submission"] == SCENARIO.name
    assert int(row["fails"]) == sum(1 for f in report.findings if f.status == "fail")


def test_report_json_validates_against_the_schema(outputs):
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads(outputs["json"].read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(report_schema(), format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(data)][:3] == []


def test_html_size_is_reasonable(outputs):
    assert outputs["html"].stat().st_size < 4 * 1024**2


def _chromium(*args, cwd):
    # root in a container: Chromium's sandbox needs namespaces it may not get; the page is our own file
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           "--user-data-dir=" + str(cwd / "profile"), *args]
    return subprocess.run(cmd, capture_output=True, timeout=120, cwd=cwd)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (apt-get install chromium)")
def test_html_renders_in_headless_chromium(outputs, report, tmp_path):
    report, _ = report
    url = outputs["html"].resolve().as_uri()
    dom = _chromium("--dump-dom", url, cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    text = dom.stdout.decode("utf-8")
    assert f'data-verdict="{report.assessment.verdict.value}"' in text and report.submission.id in text
    shot = tmp_path / "shot.png"
    run = _chromium("--window-size=1280,1600", f"--screenshot={shot}", url, cwd=tmp_path)
    assert run.returncode == 0 and shot.exists(), run.stderr.decode(errors="replace")[-2000:]
    image = cv2.imread(str(shot))
    assert image.shape[:2] == (1600, 1280)
    ink = (image.min(axis=2) < 200).mean()
    assert 0.01 < ink < 0.9  # something is drawn, and it is not a blank or an error page

"""The reviewer's HTML: structure parsed with the standard library's html.parser, crops decoded with OpenCV."""

import base64
from html.parser import HTMLParser

import cv2
import numpy as np
import pytest

from pipeline.report import write_outputs
from pipeline.report.html import render_html
from tests.unit.test_report_csv import CONTRACT, make_report


class Parsed(HTMLParser):
    """Articles (findings) with the crop ids they use, the crop store, verdict, section ids and the text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.articles: list[dict] = []
        self.images: dict[str, bytes] = {}
        self.sections: list[str] = []
        self.verdict = None
        self.urls: list[str] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.in_details = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "details":
            self.in_details += 1
        if tag == "section":
            self.sections.append(a.get("id"))
            if "data-verdict" in a:
                self.verdict = a["data-verdict"]
        if tag == "article":
            self.articles.append({"rule": a["data-rule"], "status": a["data-status"], "contract": a["data-contract"],
                                  "kind": a["class"].split()[1], "crops": [], "missing": 0,
                                  "folded": self.in_details > 0})
            self.stack.append("article")
        if tag == "div" and "noimg" in a.get("class", "") and self.stack:
            self.articles[-1]["missing"] += 1
        for key in ("href", "src"):
            if key in a:
                self.urls.append(a[key])
        if tag == "image":
            head, data = a["href"].split(",", 1)
            assert head == "data:image/jpeg;base64"
            self.images[a["id"]] = base64.b64decode(data)
        if tag == "use" and self.stack:
            self.articles[-1]["crops"].append(a["href"].lstrip("#"))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "article":
            self.stack.pop()
        if tag == "details":
            self.in_details -= 1

    def handle_data(self, data):
        self.text.append(data)


def fake_images(page):
    """A textured page raster for the contract; no image for the scan (as for a missing file)."""
    if page.file_id != CONTRACT:
        return None
    rng = np.random.default_rng(page.index)
    return rng.integers(0, 255, (page.height, page.width, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def html():
    return render_html(make_report(), fake_images)


@pytest.fixture(scope="module")
def parsed(html):
    return Parsed(html)


def test_verdict_amounts_and_header_are_shown(parsed):
    text = "".join(parsed.text)
    assert parsed.verdict == "not_eligible"
    assert "Not eligible" in text and "BJ-13 fails: recognised total 0.00 < 1000000.00" in text
    assert "360,000.00" in text and "beijing-2024" in text and "sub-1" in text and "2024-07-26T10:00:00+00:00" in text


def test_every_failing_rule_is_a_finding_and_fails_come_first_in_each_scope(parsed):
    fails = {(a["rule"], a["contract"]) for a in parsed.articles if a["status"] == "fail"}
    assert fails == {("X-02", "C1"), ("BJ-13", "")}
    c1 = [a["kind"] for a in parsed.articles if a["contract"] == "C1"]
    assert c1 == ["fail", "review", "standing", "pass"]
    scopes = [a["contract"] for a in parsed.articles]
    assert scopes.index("C2") > max(i for i, c in enumerate(scopes) if c == "C1")  # contracts first...
    assert scopes.index("") > scopes.index("C2")  # ...then the submission
    assert all(a["folded"] == (a["kind"] == "pass") for a in parsed.articles)  # passes folded away


def test_crops_are_embedded_once_as_decodable_jpegs_of_at_most_640_px(parsed):
    used = {c for a in parsed.articles for c in a["crops"]}
    assert used and used == set(parsed.images)
    for data in parsed.images.values():
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and image.size and image.shape[1] <= 640


def test_a_finding_shows_at_most_six_crops_and_lists_the_rest(html, parsed):
    (many,) = [a for a in parsed.articles if a["rule"] == "BJ-10"]
    assert len(many["crops"]) == 6
    assert "2 more regions" in html


def test_the_seal_and_both_parties_of_the_failing_finding_are_shown(html, parsed):
    (x02,) = [a for a in parsed.articles if a["rule"] == "X-02"]
    assert len(x02["crops"]) == 2  # the seal's page, and one crop for both party lines of page 1
    assert "<polygon" in html  # the seal's outline


def test_a_page_without_image_says_so_instead_of_failing(parsed):
    (standing,) = [a for a in parsed.articles if a["rule"] == "BJ-04"]
    assert standing["crops"] == [] and standing["missing"] == 1


def test_without_images_the_report_still_renders(parsed):
    p = Parsed(render_html(make_report(), None))
    assert p.images == {} and p.verdict == "not_eligible"
    assert sum(a["missing"] for a in p.articles) >= 4


def test_no_external_url_and_text_is_escaped(html, parsed):
    assert all(u.startswith(("#", "data:image/jpeg;base64,")) for u in parsed.urls)
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "http://" not in html and "https://" not in html


def test_sections_for_contracts_errors_and_unassigned_documents(parsed):
    text = "".join(parsed.text)
    assert {"verdict", "contracts", "findings", "errors", "unassigned", "documents"} <= set(parsed.sections)
    assert "broken.pdf" in text and "not a readable PDF" in text and "commitment.pdf" in text
    assert "HT-1" in text and "1,030,000.00" in text and "X-02" in text


def test_a_report_without_rule_pack_has_no_verdict(parsed):
    p = Parsed(render_html(make_report(assessment=False), None))
    assert p.verdict is None and "No rule pack was run" in "".join(p.text)


def test_write_outputs_writes_json_html_and_csv(tmp_path):
    paths = write_outputs(make_report(), tmp_path / "out", fake_images)
    assert set(paths) == {"json", "html", "csv"} and all(p.exists() for p in paths.values())
    from pipeline.types import Report

    assert Report.model_validate_json(paths["json"].read_text(encoding="utf-8")) == make_report()
    assert paths["html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert paths["csv"].read_bytes().startswith(b"\xef\xbb\xbfsubmission,")

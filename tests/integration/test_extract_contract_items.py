"""Contract item tables read from scenario fixtures (digital text layers and scans through OCR) against the items the
generator printed: the scenario plan (``scripts/synth/scenarios.plan``) is the ground truth, not the pipeline's
output."""

from __future__ import annotations

import hashlib
import json
import unicodedata

import pytest

from pipeline.extract.contract_items import KEYS
from pipeline.extract.shape import fields_dict
from pipeline.ingest import collect
from pipeline.run import Pipeline
from scripts.synth.common import fmt_amount
from scripts.synth.scenarios import SCENARIOS, plan

from tests.conftest import FIXTURES, REALDATA

pytestmark = pytest.mark.integration

CASES = [  # scenario, file, variant as the manifest states it
    ("sz_subscription_past_2025", "C1/contract.pdf", "digital_pdf"),  # a subscription period 2025.03.01-2026.02.28
    ("sz_price_above_catalogue", "C1/contract.pdf", "digital_pdf"),
    ("bj_clean", "C1/contract.pdf", "digital_pdf"),  # Beijing: no 产品编号 / 服务期限 columns
    ("sz_few_indicators", "C1/contract.pdf", "scan"),
    ("bj_signed_before_2023", "C1/contract.pdf", "scan"),
]


def printed_items(scenario: str, file: str) -> list[dict]:
    """What the generator put in the contract's table, in FIELDS.md form (periods only where a column prints them)."""
    sc = next(s for s in SCENARIOS if s.name == scenario)
    (doc,) = [d for d in plan(sc).docs if d.stem == file.rsplit(".", 1)[0]]
    shown = doc.spec.programme == "shenzhen"
    return [{"name": unicodedata.normalize("NFKC", it.name), "product_id": it.product_id, "kind": it.kind,
             "quantity": str(it.quantity), "unit": it.unit, "unit_price": fmt_amount(it.unit_price),
             "amount": fmt_amount(it.amount),
             "period_start": it.period[0].isoformat() if it.period and shown else None,
             "period_end": it.period[1].isoformat() if it.period and shown else None} for it in doc.spec.items]


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline()


@pytest.mark.parametrize("scenario,file,variant", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_contract_items_match_what_the_generator_printed(pipeline, scenario, file, variant):
    manifest = json.loads((FIXTURES / "scenarios" / scenario / "manifest.json").read_text())
    assert next(f["variant"] for f in manifest["files"] if f["file"] == file) == variant  # scans really are scans
    (item,), _ = collect([FIXTURES / "scenarios" / scenario / file], pipeline.config.ingest.archive)
    docs, _ = pipeline.process_file(item)
    (contract,) = [d for d in docs if d.doc_type == "contract"]
    got = fields_dict(contract.fields).get("items", [])
    assert got == printed_items(scenario, file)
    cells = [f for f in contract.fields if f.name.startswith("items.")]
    assert {f.name.rsplit(".", 1)[1] for f in cells} == set(KEYS)
    for f in cells:  # every read value points at its cell on the page
        if f.value is not None and f.provenance.engine == "table":
            assert f.region is not None and f.region.page == 0 and 0 < f.confidence <= 1, f.name


# Real contracts (../shared/realdata, text layers): the item tables as printed, transcribed by hand. One has two-line
# headers (单价 / (元)), an amount column headed 合计 and runs on to the next page without its header or a 合计 row.
# Only the number of rows and a digest of the transcription are kept here: the repository holds no real document's
# content (product names, prices); a failure prints what was read.
REAL = {
    "ctools__04f7f584-ee03-44e8-843c-483df384e42e.pdf": (7, "85c02882342f9f01"),
    "ctools__98776730b1c74eff8765144c46a2b59e.pdf": (1, "c0114cd6deb49c2a"),
}


def _digest(rows: list) -> str:
    """sha256 (16 hex digits) of item rows (name, quantity, unit, unit price, amount) as JSON."""
    return hashlib.sha256(json.dumps([list(r) for r in rows], ensure_ascii=False).encode()).hexdigest()[:16]


@pytest.mark.skipif(not (REALDATA / "contracts").is_dir(), reason="../shared/realdata is not available")
@pytest.mark.parametrize("name", sorted(REAL))
def test_real_contract_item_tables_as_printed(pipeline, name):
    (item,), _ = collect([REALDATA / "contracts" / name], pipeline.config.ingest.archive)
    docs, _ = pipeline.process_file(item)
    contract = next(d for d in docs if d.doc_type == "contract")
    got = fields_dict(contract.fields).get("items", [])
    rows = [(i["name"], i["quantity"], i["unit"], i["unit_price"], i["amount"]) for i in got]
    assert (len(rows), _digest(rows)) == REAL[name], rows

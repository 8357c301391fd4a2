"""Contract item tables read from scenario fixtures (digital text layers and scans through OCR) against the items the
generator printed: the scenario plan (``scripts/synth/scenarios.plan``) is the ground truth, not the pipeline's
output."""

from __future__ import annotations

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
REAL = {
    "ctools__04f7f584-ee03-44e8-843c-483df384e42e.pdf": [
        ("笔记本电脑", "5", "台", "4010.00", "20050.00"), ("笔记本电脑", "1", "台", "4710.00", "4710.00"),
        ("台式机电脑", "6", "台", "4350.00", "26100.00"), ("台式机电脑", "4", "台", "3350.00", "13400.00"),
        ("一体机", "1", "台", "1650.00", "1650.00"), ("笔记本内存", "2", "条", "90.00", "180.00"),
        ("台式机内存", "6", "条", "85.00", "510.00")],
    "ctools__98776730b1c74eff8765144c46a2b59e.pdf": [("肇新合同管理系统v1.4", "1", "套", "58000.00", "58000.00")],
}


@pytest.mark.skipif(not (REALDATA / "contracts").is_dir(), reason="../shared/realdata is not available")
@pytest.mark.parametrize("name", sorted(REAL))
def test_real_contract_item_tables_as_printed(pipeline, name):
    (item,), _ = collect([REALDATA / "contracts" / name], pipeline.config.ingest.archive)
    docs, _ = pipeline.process_file(item)
    contract = next(d for d in docs if d.doc_type == "contract")
    got = fields_dict(contract.fields).get("items", [])
    assert [(i["name"], i["quantity"], i["unit"], i["unit_price"], i["amount"]) for i in got] == REAL[name]

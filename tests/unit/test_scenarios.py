"""fixtures/scenarios: every manifest is valid and its expected amounts follow from the labels; the reference data
agrees with the scenarios; a second run writes identical bytes (scripts/make_scenarios.py)."""

import json
import re
import sys
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.make_scenarios import main  # noqa: E402
from scripts.synth import scenarios as S  # noqa: E402
from scripts.synth.common import uscc_valid  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / "fixtures" / "scenarios"
REF = REPO / "fixtures" / "reference"
RULES_MD = REPO.parent / "shared" / "RULES.md"
MANIFESTS = sorted(ROOT.glob("*/manifest.json"))
D = Decimal
# the convention of docs/scenarios.md, written out again here (not imported) so that the tests check the builder
DEDUCTION = {"SZ-04", "SZ-09", "SZ-12", "SZ-14"}  # a fail only removes the affected amount ("not counted")


def _verdict(fails: list[dict], reviews: list[dict], total: Decimal) -> str:
    """Submission verdict: a submission-level fail, or nothing left to fund, is fatal; a contract-level fail (of any
    rule: it excludes the contract or deducts from it) or a non-standing review sends it to a reviewer."""
    if any(f["contract"] is None for f in fails) or total == 0:
        return "not_eligible"
    if fails or any(not r["standing"] for r in reviews):
        return "needs_review"
    return "eligible"


def _contract_verdict(cid: str, fails: list[dict], reviews: list[dict]) -> str:
    mine = [f["rule_id"] for f in fails if f["contract"] == cid]
    if any(r not in DEDUCTION for r in mine):
        return "not_eligible"
    if mine or any(r["contract"] == cid and not r["standing"] for r in reviews):
        return "needs_review"
    return "eligible"


def _rule_ids() -> set[str]:
    if not RULES_MD.is_file():
        return set(S.RULE_IDS)
    return set(re.findall(r"^\| ((?:BJ|SZ|X)-\d\d) \|", RULES_MD.read_text(encoding="utf-8"), re.M))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _labels(root: Path, files: list[str]) -> list[dict]:
    return [_load(root / "labels" / f"{f}.json") for f in files]


def test_the_fixture_set_is_there():
    assert len(MANIFESTS) >= 25
    assert {m.parent.name for m in MANIFESTS} == set(S.BY_NAME), "run scripts/make_scenarios.py"


def test_rule_catalogue_matches_the_pack_ids():
    assert _rule_ids() == set(S.RULE_IDS)


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.parent.name)
def test_manifest_is_valid(path):
    m, root = _load(path), path.parent
    assert m["scenario"] == root.name and m["programme"] in S.PROGRAMMES and m["description"]
    a = m["applicant"]
    assert uscc_valid(a["tax_id"]) and a["name"] and a["submitted_at"].endswith("+08:00")
    assert a["independent_legal_person"] is True and a["serious_dishonesty"] is False
    if m["programme"] == "shenzhen-2025":
        assert a["pilot_industry"] in S.PILOT_INDUSTRY and isinstance(a["effect_indicators"], list)
    else:
        assert re.fullmatch(r"[A-T]?\d{2,4}", a["industry_code"]) and a["srdi_status"]
    for f in m["files"]:
        assert (root / f["file"]).is_file() and (root / f["label"]).is_file()
        assert _load(root / f["label"])["doc_type"] == f["doc_type"]
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*")
               if p.is_file() and p.parts[len(root.parts)] != "labels"}
    assert on_disk == {f["file"] for f in m["files"]} | {"manifest.json"}
    e = m["expected"]
    grouped = {c["id"]: c["files"] for c in e["contracts"]}
    if m["contracts"] is not None:
        assert {c["id"]: c["files"] for c in m["contracts"]} == grouped
    else:
        assert all("/" not in f["file"] for f in m["files"])
    assert list(grouped) == [f"C{i + 1}" for i in range(len(grouped))]
    for files in grouped.values():
        assert all((root / f).is_file() for f in files)
    ids = _rule_ids()
    prefix = "BJ-" if m["programme"] == "beijing-2024" else "SZ-"
    findings = e["fail"] + e["review"]
    for f in findings:
        assert f["rule_id"] in ids and f["rule_id"][:3] in (prefix, "X-0"), f
        assert f["contract"] is None or f["contract"] in grouped
        assert f["why"]
    assert not {(f["rule_id"], f["contract"]) for f in e["fail"]} & {(f["rule_id"], f["contract"]) for f in e["review"]}
    assert all(isinstance(r["standing"], bool) for r in e["review"])
    assert S.DEDUCTION_RULES == DEDUCTION and not hasattr(S, "EXCLUDING_RULES")
    assert e["verdict"] == _verdict(e["fail"], e["review"], Decimal(e["recognised_total"]))
    for c in e["contracts"]:
        assert c["verdict"] == _contract_verdict(c["id"], e["fail"], e["review"]), c["id"]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.parent.name)
def test_expected_amounts_follow_from_the_labels(path):
    """Recompute every contract's amounts from the labels (what is printed), independently of the builder."""
    m, root = _load(path), path.parent
    e, sz = m["expected"], m["programme"] == "shenzhen-2025"
    fails = {(f["rule_id"], f["contract"]) for f in e["fail"]}
    seen_invoices, total = set(), D(0)
    for c in e["contracts"]:
        labels = _labels(root, c["files"])
        by_type = {t: [lb["fields"] for lb in labels if lb["doc_type"] == t] for t in
                   ("contract", "invoice", "bank_slip", "acceptance", "voucher")}
        (con,) = by_type["contract"]
        assert con["contract_number"] == c["contract_number"] and con["total_amount"] == c["contract_total"]
        inv_raw = inv_ok = D(0)
        for inv in by_type["invoice"]:
            inv_raw += D(inv["total_amount"])
            ok = (inv["invoice_code"], inv["invoice_number"]) not in seen_invoices
            seen_invoices.add((inv["invoice_code"], inv["invoice_number"]))
            if sz:
                ok = ok and inv["copy_type"] != "deduction_copy" and inv["buyer_name"] == con["party_a_name"] \
                     and inv["seller_name"] == con["party_b_name"]
            inv_ok += D(inv["total_amount"]) if ok else 0
        paid_raw = paid_ok = D(0)
        for s in by_type["bank_slip"]:
            paid_raw += D(s["amount"])
            ok = not sz or (s["payee_account"] == con["party_b_bank_account"] and s["payer_name"] == con["party_a_name"]
                            and s["payee_name"] == con["party_b_name"])
            paid_ok += D(s["amount"]) if ok else 0
        assert (c["invoice_total"], c["invoice_total_counted"]) == (f"{inv_raw:.2f}", f"{inv_ok:.2f}")
        assert (c["paid_total"], c["paid_total_counted"]) == (f"{paid_raw:.2f}", f"{paid_ok:.2f}")
        base = D(c["contract_total"])
        if sz:
            soft, hard, serv = (D(con[k] or 0) for k in ("software_amount", "hardware_amount", "service_amount"))
            assert soft + hard + serv == base
            eligible = D(c["eligible_items"])
            if con["service_period_end"] and con["service_period_end"] > "2025-12-31":
                assert eligible < soft + hard + min(serv, soft) and ("SZ-04", c["id"]) in fails
            else:
                assert eligible == soft + hard + min(serv, soft)
            base = eligible
        excluded = [r for r, cid in fails if cid == c["id"] and r not in DEDUCTION]  # any other contract-level fail
        assert sorted(excluded) == sorted(c["excluded_by"])
        assert (c["verdict"] == "not_eligible") == bool(excluded)
        recognised = D(0) if excluded else min(base, inv_ok, paid_ok)
        assert c["recognised"] == f"{recognised:.2f}"
        assert (inv_raw != D(c["contract_total"]) or paid_raw != D(c["contract_total"])) == \
               any(r["rule_id"] == "X-04" and r["contract"] == c["id"] for r in e["review"])
        if "BJ-09" not in {r for r, cid in fails if cid == c["id"]}:
            assert by_type["acceptance"] and by_type["voucher"] and by_type["invoice"] and by_type["bank_slip"]
        total += recognised
    assert e["recognised_total"] == f"{total:.2f}"
    if not sz:  # BJ-13 on what is left after the exclusions
        assert (("BJ-13", None) in fails) == (total < D(1000000))
    rate, cap = (D("0.5"), D(400000)) if sz else (D("0.2"), D(1000000))
    if any(cid is None for _, cid in fails) or total == 0:
        assert e["verdict"] == "not_eligible" and e["subsidy"] == "0.00"
    else:  # the subsidy on the recognised total, also when contracts were excluded or a review is open
        assert e["verdict"] != "not_eligible"
        assert e["subsidy"] == f"{min((total * rate).quantize(D('0.01'), ROUND_HALF_UP), cap):.2f}"


def test_the_brief_faults_are_covered():
    fails = {}
    for path in MANIFESTS:
        m = _load(path)
        for f in m["expected"]["fail"] + [r for r in m["expected"]["review"] if not r["standing"]]:
            fails.setdefault(f["rule_id"], set()).add(m["programme"])
    for rule in ("X-01", "X-02", "X-03", "X-04", "X-05", "X-06", "X-07", "BJ-02", "BJ-03", "BJ-04", "BJ-05", "BJ-06",
                 "BJ-07", "BJ-08", "BJ-09", "BJ-10", "BJ-11", "BJ-13", "BJ-16", "SZ-01", "SZ-03", "SZ-04", "SZ-05",
                 "SZ-06", "SZ-09", "SZ-11", "SZ-12", "SZ-14", "SZ-17"):
        assert rule in fails, rule
    verdicts = {_load(p)["expected"]["verdict"] for p in MANIFESTS}
    assert verdicts == {"eligible", "needs_review", "not_eligible"}


def _variant_of(name: str, **changes) -> dict:
    return S.plan(replace(S.BY_NAME[name], name=f"{name}_variant", **changes)).expected


def test_a_bad_contract_is_excluded_and_the_rest_is_funded():
    """The convention on variants of the clean scenarios (plans only, nothing rendered)."""
    bj = _load(ROOT / "bj_clean" / "manifest.json")["expected"]
    c1, c2 = (D(c["recognised"]) for c in bj["contracts"])
    # Beijing: an X-03 on C2 excludes C2; C1 alone is below 1,000,000, so BJ-13 fails and the submission is out
    e = _variant_of("bj_clean", fail=(S.F("X-03", "C2", "test"),))
    assert [c["excluded_by"] for c in e["contracts"]] == [[], ["X-03"]]
    assert [c["verdict"] for c in e["contracts"]] == ["eligible", "not_eligible"]
    assert e["recognised_total"] == f"{c1:.2f}" and c1 < D(1000000)
    assert {(f["rule_id"], f["contract"]) for f in e["fail"]} == {("X-03", "C2"), ("BJ-13", None)}
    assert (e["verdict"], e["subsidy"]) == ("not_eligible", "0.00")
    # Shenzhen: SZ-10 excludes the only contract; no threshold rule, but nothing is left to fund: not eligible
    e = _variant_of("sz_clean", fail=(S.F("SZ-10", "C1", "test"),))
    assert e["contracts"][0]["excluded_by"] == ["SZ-10"] and e["contracts"][0]["recognised"] == "0.00"
    assert (e["verdict"], e["recognised_total"], e["subsidy"]) == ("not_eligible", "0.00", "0.00")
    # a submission-level fail: the total is still shown, the subsidy is 0.00
    e = _variant_of("sz_clean", fail=(S.F("SZ-02", None, "test"),))
    assert (e["verdict"], e["recognised_total"], e["subsidy"]) == ("not_eligible", "460000.00", "0.00")
    assert e["contracts"][0]["verdict"] == "eligible"
    # a non-standing review scoped to one contract marks that contract only
    e = _variant_of("bj_clean", review=(S.F("BJ-11", "C1", "test"),))
    assert [c["verdict"] for c in e["contracts"]] == ["needs_review", "eligible"]
    assert (e["verdict"], e["recognised_total"]) == ("needs_review", f"{c1 + c2:.2f}")


def test_reference_data_agrees_with_the_scenarios():
    plans = [S.plan(s) for s in S.SCENARIOS]
    fresh = S.reference(plans)
    for name, data in fresh.items():
        assert _load(REF / name) == data, f"{name} is stale: run scripts/make_scenarios.py"
    catalogue = {p["product_id"]: (prov["tax_id"], D(p["registered_price"]))
                 for prov in fresh["shenzhen-2025-catalogue.json"]["providers"] for p in prov["products"]}
    pilot = {e["tax_id"] for e in fresh["shenzhen-2025-pilot-enterprises.json"]["enterprises"]}
    srdi = {e["tax_id"]: e for e in fresh["beijing-2024-srdi-enterprises.json"]["enterprises"]}
    for p in plans:
        fails = {f.rule for f in p.scenario.fail}
        if p.scenario.programme == "shenzhen-2025":
            assert (p.applicant["tax_id"] in pilot) == ("SZ-01" not in fails)
            above = False
            for cp in p.contracts:
                for it in cp.deal.items:
                    owner, price = catalogue[it.product_id]
                    assert owner == cp.deal.seller.tax_id
                    above = above or it.unit_price > price
            assert above == ("SZ-03" in fails)
        else:
            entry = srdi[p.applicant["tax_id"]]
            valid = all(date.fromisoformat(entry["valid_until"]) >= cp.deal.acceptance_date for cp in p.contracts)
            assert valid == ("BJ-02" not in fails)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_second_run_writes_identical_bytes(tmp_path):
    names = "sz_clean"  # PDFs, a scan, a grey copy, the commitment letter
    for run in ("a", "b"):
        assert main(["--out", str(tmp_path / run / "scenarios"), "--only", names]) == 0
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys() and len(a) > 10
    assert all(a[k] == b[k] for k in a)
    for name in names.split(","):  # the committed manifests are what the code writes today
        assert a[f"scenarios/{name}/manifest.json"] == (ROOT / name / "manifest.json").read_bytes()

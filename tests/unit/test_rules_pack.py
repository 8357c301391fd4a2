"""Rule packs: both load, implement exactly the ids of RULES.md, and a broken pack fails at load with a clear error."""

import re
from pathlib import Path

import pytest
import yaml

from pipeline.errors import RulePackError
from pipeline.rules import available_packs, load_pack
from pipeline.rules.pack import PACKS_DIR

RULES_MD = Path(__file__).resolve().parents[3] / "shared" / "RULES.md"


def test_both_programmes_are_available():
    assert {"beijing-2024", "shenzhen-2025"} <= set(available_packs())


@pytest.mark.skipif(not RULES_MD.is_file(), reason="../shared/RULES.md not present")
@pytest.mark.parametrize("name,prefix", [("beijing-2024", "BJ"), ("shenzhen-2025", "SZ")])
def test_pack_implements_every_rule_id_of_rules_md(name, prefix):
    ids = set(re.findall(r"^\| ((?:BJ|SZ|X)-\d\d) \|", RULES_MD.read_text(encoding="utf-8"), re.M))
    want = {i for i in ids if i.startswith(prefix) or i.startswith("X-")}
    assert {r.id for r in load_pack(name).rules} == want


def _broken(tmp_path, edit) -> Path:
    data = yaml.safe_load((PACKS_DIR / "beijing-2024.yaml").read_text(encoding="utf-8"))
    edit(data)
    p = tmp_path / "broken.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


@pytest.mark.parametrize("edit,message", [
    (lambda d: d["rules"]["BJ-05"].update(check="date_windw"), r"rule BJ-05: unknown check 'date_windw'"),
    (lambda d: d["rules"]["BJ-05"]["params"].update(strat="2023-01-01"), r"rule BJ-05 .*strat: unknown parameter"),
    (lambda d: d["rules"]["BJ-13"].update(params={}), r"rule BJ-13 .*minimum: missing parameter"),
    (lambda d: d["rules"]["BJ-05"]["params"].update(dates=["contract.sign_dat"]),
     r"rule BJ-05 .*unknown field 'sign_dat' of contract"),
    (lambda d: d["rules"]["BJ-06"]["params"].update(dates=["acceptence.acceptance_date"]),
     r"unknown document type 'acceptence'"),
    (lambda d: d["rules"]["BJ-08"]["params"].update(reference="funded_projects"),
     r"rule BJ-08: reference list 'funded_projects' is not declared"),
    (lambda d: d["rules"].update({"BJ-1": d["rules"].pop("BJ-01")}), r"rule BJ-1: rule ids look like"),
    (lambda d: d["subsidy"].pop("cap"), r"subsidy.cap: missing parameter"),
    (lambda d: d["rules"]["BJ-16"].update(effect="deduct"), r"rule BJ-16: a submission-level check cannot deduct"),
])
def test_broken_pack_fails_at_load_naming_file_and_rule(tmp_path, edit, message):
    path = _broken(tmp_path, edit)
    with pytest.raises(RulePackError, match=message) as err:
        load_pack(path)
    assert "broken.yaml" in str(err.value)


def test_missing_reference_file_is_a_clear_error(tmp_path):
    with pytest.raises(RulePackError, match=r"reference list 'srdi' cannot be read from .*beijing-2024-srdi"):
        load_pack("beijing-2024", reference_dir=tmp_path)


def test_unknown_programme_lists_the_packs():
    with pytest.raises(RulePackError, match="packs available: beijing-2024, shenzhen-2025"):
        load_pack("beijing-2025")

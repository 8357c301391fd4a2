"""scripts/generate.py: the same seed gives byte-identical files and labels; labels follow the realdata format."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.generate import main  # noqa: E402
from scripts.synth.model import FIELD_NAMES  # noqa: E402


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tmp_path):
    args = ["--seed", "11", "--count", "1", "--dpi", "72", "--types", "invoice,bank_slip,acceptance,voucher"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys() and len(a) >= 9
    assert all(a[k] == b[k] for k in a)
    other = ["--seed", "12", "--count", "1", "--dpi", "72", "--types", "voucher", "--out", str(tmp_path / "c")]
    assert main(other) == 0
    assert _files(tmp_path / "c")["manifest.json"] != a["manifest.json"]


def test_labels_follow_the_realdata_format(tmp_path):
    assert main(["--seed", "5", "--count", "1", "--dpi", "72", "--variant", "digital_pdf", "--out", str(tmp_path)]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    types = {d["doc_type"] for d in manifest["documents"]}
    assert types == {"contract", "invoice", "bank_slip", "acceptance", "voucher"}
    for d in manifest["documents"]:
        label = json.loads((tmp_path / d["label"]).read_text(encoding="utf-8"))
        assert (tmp_path / label["file"]).is_file()
        assert set(label["fields"]) == set(FIELD_NAMES[label["doc_type"]])
        for seal in label["seals"]:
            assert {"type", "shape", "owner", "code", "page", "bbox"} <= set(seal)
        assert label["pages"] == len(label["page_sizes"])

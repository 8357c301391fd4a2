import hashlib

import pytest

from pipeline.config import Settings
from pipeline.errors import ModelError
from pipeline.models import check_all, load_manifest, resolve_model


def _models_dir(tmp_path, content=b"weights", sha=None):
    (tmp_path / "tiny.onnx").write_bytes(content)
    sha = sha or hashlib.sha256(content).hexdigest()
    (tmp_path / "manifest.toml").write_text(
        f'[models.tiny]\npath = "tiny.onnx"\nsha256 = "{sha}"\nsource = "test"\n'
        '[models.gone]\npath = "gone.onnx"\nsha256 = "00"\nsource = "test"\n'
    )
    load_manifest.cache_clear()
    return Settings(models_dir=tmp_path)


def test_resolves_a_verified_local_file(tmp_path):
    settings = _models_dir(tmp_path)
    assert resolve_model("tiny", settings) == (tmp_path / "tiny.onnx").resolve()


def test_altered_file_fails_with_both_digests(tmp_path):
    settings = _models_dir(tmp_path, sha="ab" * 32)
    with pytest.raises(ModelError, match="sha256 .* expects abab"):
        resolve_model("tiny", settings)


def test_missing_file_names_the_path_and_the_fix(tmp_path):
    settings = _models_dir(tmp_path)
    with pytest.raises(ModelError, match=r"gone.onnx.*EVIDENCE_MODELS_DIR"):
        resolve_model("gone", settings)


def test_unknown_model_lists_the_known_ones(tmp_path):
    with pytest.raises(ModelError, match="gone, tiny"):
        resolve_model("nope", _models_dir(tmp_path))


def test_shipped_manifest_verifies_every_installed_model():
    load_manifest.cache_clear()
    results = check_all(Settings())
    assert results, "the shipped manifest lists no model"
    assert [s.name for s, status in results if status.startswith("error")] == []
    assert {s.name for s, status in results if status == "ok"} >= {"rapidocr-det", "rapidocr-rec", "rapidocr-cls"}

"""The seal-name recogniser (models/seal_rec.npz) as shipped: verified, the same graph and characters as the OCR
engine's recogniser, wired into the seal stage, and reading a seal's name."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from pipeline.config import SealConfig
from pipeline.errors import ModelError
from pipeline.models import resolve_model
from pipeline.seals import SealStage
from pipeline.seals.recogniser import NameRecogniser, name_recogniser, tuned_graph
from pipeline.types import Page, PageKind, Provenance


@pytest.fixture(scope="module")
def engine():
    from pipeline.ocr.base import available_engines, get_engine

    if "rapidocr" not in available_engines():
        pytest.skip("rapidocr not installed")
    return get_engine("rapidocr")


def _io(model: onnx.ModelProto):
    def dims(v):
        return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

    return [(v.name, dims(v)) for v in model.graph.input], [(v.name, dims(v)) for v in model.graph.output]


def test_seal_model_keeps_the_recognisers_graph_and_characters():
    base_path = resolve_model("rapidocr-rec")
    tuned = onnx.load_from_string(tuned_graph(base_path, resolve_model("seal-rec")))
    base = onnx.load(str(base_path))
    meta = [{p.key: p.value for p in m.metadata_props} for m in (tuned, base)]
    assert meta[0]["character"] == meta[1]["character"]  # lattices of both name the same classes
    assert _io(tuned) == _io(base)
    assert [n.op_type for n in tuned.graph.node] == [n.op_type for n in base.graph.node]
    # ...with other weights: a fine-tuned model, not a copy
    w = {i.name: onnx.numpy_helper.to_array(i) for i in base.graph.initializer}
    changed = [i.name for i in tuned.graph.initializer if not np.array_equal(onnx.numpy_helper.to_array(i), w[i.name])]
    assert len(changed) > len(w) // 2


def test_weights_that_do_not_fit_the_graph_are_a_clear_error(tmp_path):
    base = resolve_model("rapidocr-rec")
    with np.load(resolve_model("seal-rec")) as npz:
        name = npz.files[0]
    np.savez(tmp_path / "stray.npz", **{"no_such_tensor": np.zeros(3, np.float16)})
    with pytest.raises(ModelError, match="name no initializer"):
        tuned_graph(base, tmp_path / "stray.npz")
    np.savez(tmp_path / "shape.npz", **{name: np.zeros((2, 2), np.float16)})
    with pytest.raises(ModelError, match=f"{name} has shape"):
        tuned_graph(base, tmp_path / "shape.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="not a readable .npz"):
        tuned_graph(base, tmp_path / "junk.npz")


def test_name_recogniser_is_one_per_process():
    assert name_recogniser("seal-rec") is name_recogniser("seal-rec")
    assert isinstance(name_recogniser("seal-rec"), NameRecogniser)


def test_stage_reads_names_with_the_seal_model_unless_told_otherwise(engine):
    assert SealStage(engine).engine_name.endswith("+ seal-rec")
    plain = SealStage(engine, SealConfig(name_model=None))
    assert plain.reader.names is None and "seal-rec" not in plain.engine_name
    with pytest.raises(ModelError, match="unknown model 'no-such-model'"):
        SealStage(engine, SealConfig(name_model="no-such-model"))


OWNERS = ("深圳市博曜数字科技股份有限公司", "北京市晟源光电科技有限公司", "武汉市辰天数字科技有限公司",
          "成都市达宏网络科技股份有限公司", "深圳市宏岭五金制品有限责任公司", "北京市辰越精密机械有限责任公司",
          "深圳市衡启新材料股份有限公司", "武汉市峰纳数据服务有限公司")


def _worn_seal(owner: str, seed: int) -> np.ndarray:
    """A fixed-seed official seal, faint and partly stamped, over lines of print, blurred and noisy like a photo."""
    import cv2

    from scripts.synth.seals import SealSpec, render_seal, stamp

    rng = np.random.default_rng(seed)
    page = np.full((900, 900, 3), 247, np.uint8)
    for k in range(6):
        cv2.putText(page, "X" * 40, (0, 330 + 45 * k), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (30, 30, 30), 2)
    seal = render_seal(SealSpec("official", owner, rotation_deg=float(rng.uniform(-20, 20)), ink_strength=0.6,
                                partial=0.35), 200, rng)
    page, _ = stamp(page, seal, (450, 450))
    page = cv2.GaussianBlur(page, (0, 0), 1.2)
    return np.clip(page + rng.normal(0, 6, page.shape), 0, 255).astype(np.uint8)


def test_seal_model_reads_worn_seal_names_better_than_the_plain_recogniser(engine):
    p = Page(file_id="t", index=0, width=900, height=900, dpi=200, kind=PageKind.scanned,
             provenance=Provenance(stage="test"))
    tuned, plain = SealStage(engine), SealStage(engine, SealConfig(name_model=None))
    right = {"tuned": 0, "plain": 0}
    for k, owner in enumerate(OWNERS):
        page = _worn_seal(owner, k)
        right["tuned"] += [s.owner for s in tuned(page, p)] == [owner]
        right["plain"] += [s.owner for s in plain(page, p)] == [owner]
    assert right["tuned"] > right["plain"], right  # measured: 5 and 2 of 8 with the shipped model

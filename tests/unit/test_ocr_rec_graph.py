"""The recogniser graph adapted to fewer input rows and its head's bias folded (pipeline.ocr.rec_graph), on tiny
stand-in graphs, and the re-read passes of the rapidocr engine (pipeline.ocr.rapid.Pass). No model weights."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from pipeline.errors import ConfigError, ModelError
from pipeline.ocr.rapid import Pass
from pipeline.ocr.rec_graph import adapt_graph, fold_head_bias, rec_graph_at_height


def tiny_recogniser(height: int = 48, pool_rows: int = 3) -> onnx.ModelProto:
    """Like the PP-OCR recogniser's shape path: rows divided by 16, then an average pool collapsing what is left."""
    graph = helper.make_graph(
        [helper.make_node("MaxPool", ["x"], ["f"], kernel_shape=[16, 1], strides=[16, 1]),
         helper.make_node("AveragePool", ["f"], ["y"], kernel_shape=[pool_rows, 2], strides=[pool_rows, 2])],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, height, "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        value_info=[helper.make_tensor_value_info("f", TensorProto.FLOAT, ["N", 3, height // 16, "W"])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], ir_version=7)


def run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_adapted_graph_takes_32_rows_and_still_collapses_them_into_one():
    model = tiny_recogniser()
    with pytest.raises(Exception):  # the exported graph refuses 32 rows
        run(model, np.zeros((1, 3, 32, 8), np.float32))
    adapt_graph(model.graph, 32)
    x = np.random.default_rng(0).random((2, 3, 32, 8), dtype=np.float32)
    y = run(model, x)
    assert y.shape == (2, 3, 1, 4)  # one row, width halved: the same sequence length as at 48 rows
    expected = x.reshape(2, 3, 2, 16, 4, 2).max(axis=3).mean(axis=(2, 4))
    assert np.allclose(y[:, :, 0], expected)


def test_adapting_from_a_file_returns_a_loadable_graph(tmp_path):
    path = tmp_path / "rec.onnx"
    onnx.save(tiny_recogniser(), str(path))
    assert run(onnx.load_from_string(rec_graph_at_height(path, 32)), np.ones((1, 3, 32, 4), np.float32)).shape == (
        1, 3, 1, 2)


@pytest.mark.parametrize("rows", [0, 40, -16])
def test_a_height_not_a_multiple_of_16_is_a_config_error(tmp_path, rows):
    with pytest.raises(ConfigError, match="multiple of 16"):
        rec_graph_at_height(tmp_path / "never-read.onnx", rows)


def test_a_graph_of_another_shape_is_refused_with_the_way_out():
    with pytest.raises(ModelError, match="input of shape .*height 48 instead"):
        adapt_graph(tiny_recogniser(height=64).graph, 32)
    with pytest.raises(ModelError, match="one AveragePool collapsing 3 feature rows, found 0"):
        adapt_graph(tiny_recogniser(pool_rows=1).graph, 32)


def tiny_head(classes: int = 50, features: int = 6) -> onnx.ModelProto:
    """Like the recogniser's end: (N, T, features) through MatMul + bias Add + Softmax into ``classes`` scores."""
    rng = np.random.default_rng(1)
    weight = rng.normal(0, 0.5, (features, classes)).astype(np.float32)
    bias = rng.normal(0, 2, classes).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["f"]),
         helper.make_node("MatMul", ["f", "w"], ["m"]), helper.make_node("Add", ["m", "b"], ["s"]),
         helper.make_node("Softmax", ["s"], ["y"], axis=2)],
        "head",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "T", features])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", "T", classes])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], ir_version=7)


def test_the_folded_head_gives_the_same_scores_in_one_matmul():
    x = np.random.default_rng(2).normal(0, 3, (3, 40, 6)).astype(np.float32)
    x[1, 5] = [9, 0, 0, 0, 0, 0]  # a step where one class wins by far
    model = tiny_head()
    expected = run(model, x)
    assert fold_head_bias(model.graph)
    assert [n.op_type for n in model.graph.node if n.op_type in ("MatMul", "Add")] == ["MatMul"]
    assert {i.name for i in model.graph.initializer} >= {"head.weight"} and "w" not in {
        i.name for i in model.graph.initializer}
    got = run(model, x)
    assert got.shape == expected.shape
    assert np.array_equal(got.argmax(axis=2), expected.argmax(axis=2))
    assert np.allclose(got, expected, rtol=1e-5, atol=1e-7)


def test_a_graph_without_such_a_head_is_left_as_it_is():
    model = tiny_recogniser()
    before = model.SerializeToString()
    assert not fold_head_bias(model.graph)
    assert model.SerializeToString() == before
    other = tiny_head()
    other.graph.output[0].type.tensor_type.shape.dim[2].dim_value = 49  # the head is not the output's classes
    assert not fold_head_bias(other.graph)


def test_squeezed_characters_are_reread_with_the_columns_of_a_full_height_read():
    assert Pass(32, 1.0, 1.0).reread(32) == Pass(32, 1.0, 1.5)  # the default: 48 columns per crop row, at 32 rows
    assert Pass(48, 0.66, 1.0).reread(48) == Pass(48, 1.0, 1.0)  # the previous default
    assert Pass(48, 1.0, 1.0).reread(48) == Pass(48, 1.0, 1.5)  # seal text (recognize): 1.5 times its columns

"""The recogniser graph adapted to fewer input rows (pipeline.ocr.rec_graph), on a tiny stand-in graph, and the
re-read passes of the rapidocr engine (pipeline.ocr.rapid.Pass). No model weights."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from pipeline.errors import ConfigError, ModelError
from pipeline.ocr.rapid import Pass
from pipeline.ocr.rec_graph import adapt_graph, rec_graph_at_height


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


def test_squeezed_characters_are_reread_with_the_columns_of_a_full_height_read():
    assert Pass(32, 1.0, 1.0).reread(32) == Pass(32, 1.0, 1.5)  # the default: 48 columns per crop row, at 32 rows
    assert Pass(48, 0.66, 1.0).reread(48) == Pass(48, 1.0, 1.0)  # the previous default
    assert Pass(48, 1.0, 1.0).reread(48) == Pass(48, 1.0, 1.5)  # seal text (recognize): 1.5 times its columns

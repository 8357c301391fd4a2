"""The PP-OCR recogniser's ONNX graph adapted, in memory, to inputs of fewer rows than the 48 it was exported for.

The recogniser's convolutions slide over the rows as over the columns; only the input's declared height and the
average pool that collapses the last feature map's rows into one (3 rows at 48 input rows) depend on it. Reading a
line at 32 rows instead of scaling it to 32 rows and padding it to 48 skips a third of the convolutions, which are
most of the recogniser's time (docs/benchmarks.md). The model file itself is the verified one of the manifest; this
changes the graph after loading it, deterministically, once per process.

The same copy also gets its classifier head's bias folded into the head's matrix (:func:`fold_head_bias`): with
18 710 classes the separate bias Add is a full pass over the largest tensor of the graph, for nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.errors import ConfigError, ModelError
from pipeline.ocr.ppocr import REC_HEIGHT as EXPORT_HEIGHT  # the recogniser's input height as exported

ROW_STRIDE = 16  # its rows are halved four times before the pool collapses them


def rec_graph_at_height(path: Path, rows: int) -> bytes:
    """The serialised recogniser graph of ``path`` taking NCHW inputs ``rows`` high (a multiple of 16)."""
    if rows <= 0 or rows % ROW_STRIDE:
        raise ConfigError(f"recogniser input height {rows} is not a positive multiple of {ROW_STRIDE}")
    try:
        import onnx
    except ImportError as exc:  # a declared dependency; only a broken install gets here
        raise ModelError("the onnx package is needed to run the recogniser below 48 rows: pip install onnx") from exc

    model = onnx.load(str(path))
    adapt_graph(model.graph, rows, str(path))
    fold_head_bias(model.graph)
    return model.SerializeToString()


def adapt_graph(graph, rows: int, where: str = "the recogniser") -> None:
    """Change ``graph`` (an onnx GraphProto) in place: input height ``rows``, the row-collapsing pool to match."""
    dims = graph.input[0].type.tensor_type.shape.dim
    if len(dims) != 4 or dims[2].dim_value != EXPORT_HEIGHT:
        raise ModelError(f"{where}: expected an input of shape (N, 3, {EXPORT_HEIGHT}, W), found "
                         f"{[d.dim_value or d.dim_param for d in dims]}; read it at height {EXPORT_HEIGHT} instead")
    collapse = EXPORT_HEIGHT // ROW_STRIDE
    pools = []
    for node in graph.node:
        if node.op_type != "AveragePool":
            continue
        attrs = {a.name: a for a in node.attribute}
        if "kernel_shape" in attrs and list(attrs["kernel_shape"].ints)[:1] == [collapse]:
            pools.append(attrs)
    if len(pools) != 1:
        raise ModelError(f"{where}: expected one AveragePool collapsing {collapse} feature rows, found {len(pools)}; "
                         f"read it at height {EXPORT_HEIGHT} instead")
    dims[2].dim_value = rows
    for name in ("kernel_shape", "strides"):
        if name in pools[0]:
            pools[0][name].ints[0] = rows // ROW_STRIDE
    del graph.value_info[:]  # intermediate shapes recorded for 48 rows; onnxruntime infers them again


def fold_head_bias(graph) -> bool:
    """Fold the classifier head's bias into its matrix in ``graph`` (in place); False if there is no such head.

    The head is ``MatMul(features, W) + b`` with W a [C, K] initializer, K the graph output's class count. It becomes
    ``MatMul(concat(features, 1), [W; b])``: one pass writing the (batch, steps, K) scores instead of two, 3 % of the
    32-row recogniser's time on a dense page (docs/benchmarks.md). The bias is added as the last term of each dot
    product, as the Add did after it, and the recogniser's output on the benchmark pages is bit for bit the same.
    Without the pattern (another model) the graph is left as it is: this is speed only.
    """
    from onnx import TensorProto, helper, numpy_helper

    dims = graph.output[0].type.tensor_type.shape.dim
    classes = dims[-1].dim_value if dims else 0
    init = {i.name: i for i in graph.initializer}
    users: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    heads = []
    for node in graph.node:
        weight = init.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if not classes or weight is None or len(weight.dims) != 2 or weight.dims[1] != classes:
            continue
        after = users.get(node.output[0], [])
        if len(after) != 1 or after[0].op_type != "Add":
            continue
        bias = [init.get(name) for name in after[0].input if name != node.output[0]]
        if len(bias) == 1 and bias[0] is not None and list(bias[0].dims) == [classes]:
            heads.append((node, after[0], weight, bias[0]))
    if len(heads) != 1:
        return False
    matmul, add, weight, bias = heads[0]
    features = matmul.input[0]
    folded = np.vstack([numpy_helper.to_array(weight), numpy_helper.to_array(bias)[None]]).astype(np.float32)
    graph.initializer.extend([
        numpy_helper.from_array(folded, "head.weight"),
        numpy_helper.from_array(np.array([0], np.int64), "head.zero"),
        numpy_helper.from_array(np.array([-1], np.int64), "head.last"),
        numpy_helper.from_array(np.array([1], np.int64), "head.one"),
    ])
    nodes = [
        helper.make_node("Shape", [features], ["head.shape"]),
        helper.make_node("Slice", ["head.shape", "head.zero", "head.last"], ["head.lead"]),  # all but the last dim
        helper.make_node("Concat", ["head.lead", "head.one"], ["head.ones_shape"], axis=0),
        helper.make_node("ConstantOfShape", ["head.ones_shape"], ["head.ones"],
                         value=helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])),
        helper.make_node("Concat", [features, "head.ones"], ["head.features"], axis=-1),
        helper.make_node("MatMul", ["head.features", "head.weight"], [add.output[0]]),
    ]
    at = list(graph.node).index(matmul)
    graph.node.remove(matmul)
    graph.node.remove(add)
    for offset, node in enumerate(nodes):
        graph.node.insert(at + offset, node)
    still_used = {name for node in graph.node for name in node.input}
    for tensor in (weight, bias):
        if tensor.name not in still_used:
            graph.initializer.remove(tensor)
    return True

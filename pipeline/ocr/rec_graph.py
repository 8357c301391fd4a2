"""The PP-OCR recogniser's ONNX graph adapted, in memory, to inputs of fewer rows than the 48 it was exported for.

The recogniser's convolutions slide over the rows as over the columns; only the input's declared height and the
average pool that collapses the last feature map's rows into one (3 rows at 48 input rows) depend on it. Reading a
line at 32 rows instead of scaling it to 32 rows and padding it to 48 skips a third of the convolutions, which are
most of the recogniser's time (docs/benchmarks.md). The model file itself is the verified one of the manifest; this
changes the graph after loading it, deterministically, once per process.
"""

from __future__ import annotations

from pathlib import Path

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

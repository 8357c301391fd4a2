"""What colour information a page raster holds: a seal check on a greyscale copy or a fax cannot rely on red ink."""

from __future__ import annotations

from typing import Literal

import numpy as np

ColourMode = Literal["colour", "grey", "bilevel"]


def colour_mode(image: np.ndarray, chroma_min: float = 12.0, colour_share: float = 0.0005,
                bilevel_share: float = 0.97) -> ColourMode:
    """``colour`` when at least ``colour_share`` of the pixels carry chroma (max - min channel >= ``chroma_min``);
    else ``bilevel`` when nearly every pixel is near black or near white (a fax, a binarised scan); else ``grey``."""
    small = image[::4, ::4]
    if small.ndim == 3 and small.shape[2] >= 3:
        px = small[..., :3].astype(np.int16)
        chroma = px.max(axis=2) - px.min(axis=2)
        if (chroma >= chroma_min).mean() >= colour_share:
            return "colour"
        grey = px.mean(axis=2)
    else:
        grey = small.astype(np.float32)
    extreme = ((grey < 48) | (grey > 207)).mean()
    return "bilevel" if extreme >= bilevel_share else "grey"

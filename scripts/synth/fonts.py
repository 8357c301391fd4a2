"""CJK fonts for the synthetic generator (Debian fonts-noto-cjk), cached by (family, size).

Families: ``serif`` (Noto Serif CJK SC, the 宋体/仿宋 stand-in of contracts and seals), ``serif_bold``, ``sans``,
``sans_bold``, ``mono`` (Noto Sans Mono CJK SC: dot-matrix-like invoice print and digits).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")

# (file, index of the SC face inside the .ttc)
FAMILIES: dict[str, tuple[str, int]] = {
    "serif": ("NotoSerifCJK-Regular.ttc", 2),
    "serif_bold": ("NotoSerifCJK-Bold.ttc", 2),
    "sans": ("NotoSansCJK-Regular.ttc", 2),
    "sans_bold": ("NotoSansCJK-Bold.ttc", 2),
    "mono": ("NotoSansCJK-Regular.ttc", 7),
    "mono_bold": ("NotoSansCJK-Bold.ttc", 7),
}


class FontMissingError(RuntimeError):
    pass


def font_path(family: str) -> tuple[Path, int]:
    if family not in FAMILIES:
        raise KeyError(f"unknown font family {family!r}; valid: {sorted(FAMILIES)}")
    name, index = FAMILIES[family]
    path = FONT_DIR / name
    if not path.exists():
        raise FontMissingError(f"{path} not found: install the Debian package fonts-noto-cjk")
    return path, index


@lru_cache(maxsize=512)
def get_font(family: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = font_path(family)
    return ImageFont.truetype(str(path), max(1, int(size)), index=index)


def text_width(text: str, family: str, size: int) -> float:
    return get_font(family, size).getlength(text)

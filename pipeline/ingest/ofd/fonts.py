"""CJK fonts for drawing OFD text: Noto Sans/Serif/Sans Mono CJK SC from the system (Debian ``fonts-noto-cjk``), or a
font file given explicitly. Font objects are cached per thread (FreeType faces are not safe to share across threads).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
# family -> candidate (file name, face name) in order of preference
_CANDIDATES = {
    "sans": (("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"), ("NotoSansCJKsc-Regular.otf", ""),
             ("wqy-microhei.ttc", ""), ("wqy-zenhei.ttc", ""), ("DroidSansFallbackFull.ttf", "")),
    "serif": (("NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"), ("NotoSerifCJKsc-Regular.otf", "")),
    "mono": (("NotoSansCJK-Regular.ttc", "Noto Sans Mono CJK SC"),),
}


def _face_index(path: Path, wanted: str) -> int:
    if not wanted:
        return 0
    for i in range(16):
        try:
            name = " ".join(ImageFont.truetype(str(path), 10, index=i).getname())
        except OSError:
            break
        if name.startswith(wanted):
            return i
    return 0


@lru_cache(maxsize=8)
def find_font(family: str, override: str | None = None) -> tuple[str, int] | None:
    """(font file, face index) for ``family`` (sans | serif | mono), or None when no CJK font is installed."""
    if override:
        p = Path(override)
        return (str(p), _face_index(p, "Noto Sans CJK SC")) if p.is_file() else None
    for name, face in _CANDIDATES.get(family, ()) + _CANDIDATES["sans"]:
        for root in _FONT_DIRS:
            if not root.is_dir():
                continue
            hit = next(iter(sorted(root.rglob(name))), None)
            if hit is not None:
                return str(hit), _face_index(hit, face)
    return None


class FontBook:
    """Fonts by (family, pixel size), one cache per thread."""

    def __init__(self, override: str | None = None) -> None:
        self.override = override
        self._local = threading.local()

    @property
    def available(self) -> bool:
        return find_font("sans", self.override) is not None

    def get(self, family: str, size_px: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        cache = self._local.__dict__.setdefault("fonts", {})
        key = (family, max(1, round(size_px)))
        font = cache.get(key)
        if font is None:
            found = find_font(family, self.override)
            if found is None:
                font = ImageFont.load_default(key[1])
            else:
                font = ImageFont.truetype(found[0], key[1], index=found[1])
            if len(cache) > 256:
                cache.clear()
            cache[key] = font
        return font

"""Text flowing over A4 pages: paragraphs, headings, tables and blocks that must not be split, with page breaks and
"第 X 页 共 N 页" footers. Used by the contract and acceptance generators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .layout import A4, Canvas, measure


@dataclass
class Flow:
    margin_x: float = 72.0
    margin_top: float = 72.0
    margin_bottom: float = 72.0
    size: float = 10.5
    leading: float = 1.75
    family: str = "serif"
    canvases: list[Canvas] = field(default_factory=list)
    y: float = 0.0

    def __post_init__(self) -> None:
        if not self.canvases:
            self.new_page()

    @property
    def page(self) -> Canvas:
        return self.canvases[-1]

    @property
    def width(self) -> float:
        return A4[0] - 2 * self.margin_x

    @property
    def bottom(self) -> float:
        return A4[1] - self.margin_bottom

    def new_page(self) -> None:
        self.canvases.append(Canvas())
        self.y = self.margin_top

    def ensure(self, height: float) -> None:
        if self.y + height > self.bottom:
            self.new_page()

    def skip(self, dy: float) -> None:
        self.y += dy

    def title(self, text: str, size: float = 18.0, key: str | None = None) -> None:
        self.page.text(A4[0] / 2, self.y, text, size, "sans_bold", align="c", key=key)
        self.y += size * 2.0

    def line(self, text: str, key_spans: dict[str, Span] | None = None, family: str | None = None,
             size: float | None = None, x: float | None = None, align: str = "l") -> None:
        """One unwrapped line (shrunk to fit); ``key_spans`` records the boxes of substrings."""
        size = size or self.size
        fam = family or self.family
        self.ensure(size * self.leading)
        x0 = self.margin_x if x is None else x
        box = self.page.text(x0, self.y, text, size, fam, align=align, max_width=self.width - (x0 - self.margin_x))
        k = (box[2] - box[0]) / max(1e-6, measure(text, size, fam))
        for key, span in (key_spans or {}).items():
            pos, n = locate(text, span)
            if pos >= 0 and n:
                a = box[0] + measure(text[:pos], size, fam) * k
                self.page.mark(key, [a, box[1], a + measure(text[pos:pos + n], size, fam) * k, box[3]])
        self.y += size * self.leading

    def heading(self, text: str) -> None:
        self.ensure(self.size * self.leading * 3)
        self.y += self.size * 0.4
        self.line(text, family="sans_bold")

    def para(self, text: str, key_spans: dict[str, Span] | None = None, indent: bool = True) -> None:
        """A wrapped paragraph, split over pages line by line; the boxes of ``key_spans`` follow the wrapping."""
        lines = _split_lines(text, self.width, self.size, self.family, 2 * self.size if indent else 0.0)
        where = {k: locate(text, v) for k, v in (key_spans or {}).items()}
        pos = 0
        for i, line in enumerate(lines):
            ind = 2 * self.size if (indent and i == 0) else 0.0
            self.ensure(self.size * self.leading)
            x = self.margin_x + ind
            self.page.text(x, self.y, line, self.size, self.family)
            for key, (at, n) in where.items():
                a, b = max(at, pos), min(at + n, pos + len(line))
                if at >= 0 and a < b:
                    x0 = x + measure(line[: a - pos], self.size, self.family)
                    x1 = x + measure(line[: b - pos], self.size, self.family)
                    self.page.mark(key, [x0, self.y, x1, self.y + self.size])
            self.y += self.size * self.leading
            pos += len(line)

    def block(self, height: float, draw: Callable[[Canvas, float], None]) -> None:
        """Reserve ``height`` on one page and let ``draw(canvas, top)`` fill it."""
        self.ensure(height)
        draw(self.page, self.y)
        self.y += height

    def footers(self, fmt: str = "第 {i} 页 共 {n} 页") -> None:
        n = len(self.canvases)
        for i, c in enumerate(self.canvases, 1):
            c.text(A4[0] / 2, A4[1] - self.margin_bottom / 2, fmt.format(i=i, n=n), 9, "serif", align="c")


_NO_START = set("，。；：、）》”%")

Span = str | tuple[str, str]  # a substring, or (context before it, substring) to pick one of several occurrences


def locate(text: str, span: Span) -> tuple[int, int]:
    """(start, length) of a span in ``text``; (-1, 0) if absent."""
    before, sub = span if isinstance(span, tuple) else ("", span)
    at = text.find(before + sub)
    return (at + len(before), len(sub)) if at >= 0 and sub else (-1, 0)


def _split_lines(text: str, width: float, size: float, family: str, first_indent: float) -> list[str]:
    lines, cur, avail = [], "", width - first_indent
    for ch in text:
        if cur and measure(cur + ch, size, family) > avail and ch not in _NO_START:
            lines.append(cur)
            cur, avail = "", width
        cur += ch
    if cur:
        lines.append(cur)
    return lines

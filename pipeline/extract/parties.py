"""Which party block a label belongs to, from the layout (``parties`` in a spec: invoice buyer / seller, bank slip
payer / payee). The buyer's 名称 / 纳税人识别号 sit next to the 购买方 marker, printed down the left edge of its block and
often read as single characters ("购" "买" "方", one of them lost); the seller's next to 销售方. A label with no marker
beside it falls back to the zone it lies in: above the goods table (left half only: a 数电票 prints the two blocks side
by side) the buyer's, below the 价税合计 row the seller's.

``pick`` takes, for one party, the first label hit placed in that party; an unplaced hit is the first party's when a
hit of the other party follows it and the other party's when one precedes it; with no placed hit at all the caller
falls back to the spec's ``occurrence``. ``mirrored`` serves blocks printed side by side (a bank receipt's 付款人 |
收款人): when only the other party's label was read, this party's value is on the same row inside its own block.
Pure functions over :class:`pipeline.extract.layout.Line`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import EllipsisType

from pipeline.extract.layout import Hit, Line, same_row


@dataclass(frozen=True)
class PartyRule:
    party: str
    markers: re.Pattern  # a block marker line ("购买方", "购", "买"), matched at the start of the line text
    above: re.Pattern | None  # unmarked labels above the first line matching this (left half of the page) ...
    below: re.Pattern | None  # ... or below the first line matching this belong to the party


@dataclass(frozen=True)
class Parties:
    rules: tuple[PartyRule, ...]
    markers: tuple[tuple[str, Line], ...]
    zones: tuple[tuple[str, str, Line], ...]  # (party, "above" | "below", the line that bounds the zone)
    width: float

    @classmethod
    def find(cls, rules: tuple[PartyRule, ...], lines: list[Line], width: float) -> "Parties":
        markers = tuple((r.party, l) for l in lines for r in rules if len(l.text) <= 6 and r.markers.match(l.text))
        zones = []
        for r in rules:
            for side, rx in (("above", r.above), ("below", r.below)):
                first = next((l for l in lines if rx is not None and rx.search(l.text)), None)
                if first is not None:
                    zones.append((r.party, side, first))
        return cls(rules, markers, tuple(zones), width)

    def of(self, label: Line) -> str | None:
        """The party of a label line, or None when the layout does not say."""
        for r in self.rules:  # the label names its party itself: "购买方名称:"
            if r.markers.match(label.text) and len(label.text) > 3:
                return r.party
        h, cy = label.h, label.bbox.center[1]
        best: tuple[float, float, str] | None = None
        for party, m in self.markers:
            if m.page != label.page or m is label:
                continue
            dx = label.bbox.x0 - m.bbox.x1
            dy = max(0.0, m.bbox.y0 - cy, cy - m.bbox.y1)
            if -0.5 * h <= dx <= 6 * h and dy <= 2.5 * h and (best is None or (dy, dx) < best[:2]):
                best = (dy, dx, party)
        if best is not None:
            return best[2]
        for party, side, z in self.zones:
            if z.page != label.page:
                continue
            if side == "above" and label.bbox.y1 <= z.bbox.y0 + 0.3 * z.h and label.bbox.x0 < 0.45 * self.width:
                return party
            if side == "below" and cy > z.bbox.y1:
                return party
        return None

    def pick(self, hits: list[Hit], party: str, order: dict[int, int]) -> Hit | EllipsisType | None:
        """The first hit of ``party``; ``...`` when no hit could be placed (use the occurrence instead)."""
        placed = [(h, self.of(h.lines[0])) for h in hits]
        if all(p is None for _, p in placed):
            return ...
        mine = [h for h, p in placed if p == party]
        if mine:
            return mine[0]
        pos = lambda h: order.get(id(h.lines[0]), 0)  # noqa: E731 - reading order of the label line
        others = [pos(h) for h, p in placed if p is not None and p != party]
        first = self.rules[0].party if self.rules else None
        for h, p in placed:
            if p is not None:
                continue
            if party == first and all(pos(h) < o for o in others):
                return h  # before every hit of the other party: the first block's
            if party != first and all(pos(h) > o for o in others):
                return h
        return None

    def columns(self) -> dict[str, tuple[float, float]]:
        """Blocks printed side by side (a bank receipt's 付款人 | 收款人, a 数电票's 购买方 | 销售方): each party's
        x-range, from its marker to the next party's marker; empty when the markers do not share rows."""
        firsts: dict[str, Line] = {}
        for party, m in self.markers:
            firsts.setdefault(party, m)
        if len(firsts) < 2:
            return {}
        ms = sorted(firsts.items(), key=lambda kv: kv[1].bbox.x0)
        for (_, a), (_, b) in zip(ms, ms[1:]):
            overlap = min(a.bbox.y1, b.bbox.y1) - max(a.bbox.y0, b.bbox.y0)
            if a.page != b.page or overlap <= 0 or b.bbox.x0 - a.bbox.x1 < 0.2 * self.width:
                return {}
        edges = [m.bbox.x0 for _, m in ms] + [float("inf")]
        return {party: (edges[k], edges[k + 1]) for k, (party, _) in enumerate(ms)}

    def mirrored(self, hits: list[Hit], party: str, lines: list[Line]) -> list[Line]:
        """Side-by-side blocks, this party's label lost: the lines on the row of the other party's label, inside this
        party's block, left to right (the value the label would have pointed at is among them)."""
        cols = self.columns()
        if party not in cols:
            return []
        lo, hi = cols[party]
        for h in hits:
            label = h.lines[0]
            if self.of(label) in (None, party):
                continue
            return sorted((l for l in lines if same_row(l, label) and lo <= l.bbox.x0 < hi), key=lambda l: l.bbox.x0)
        return []

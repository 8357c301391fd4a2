"""Recogniser lattices: the top-k characters per CTC time step, kept so that a candidate text can be *verified* later.

Reading a seal's arc is lossy (a 40 % exact owner read on generated seals), but a reviewer does not ask "what does the
seal say?", she asks "is this party A's seal?". :func:`spot` answers that from the recogniser's own probabilities: it
aligns the candidate (party A's name as printed on the contract) to the lattice with free ends and reports, per
character, how much probability the recogniser gave it where the alignment puts it. A misread character still has
probability mass on the true one; a sister company's different words have none. The lattice is a few KB per seal and is
stored on the :class:`pipeline.types.Seal`, so verification needs no image and re-runs with the rules.
"""

from __future__ import annotations

import math
from functools import lru_cache
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

FLOOR = 1e-4  # probability of a character that is not among a step's top k
BLANK_STEP = 0.995  # a step whose blank probability is at least this is stored as a bare blank
LOG_FLOOR = math.log(FLOOR)
NEG = -1e18
# a candidate's character is "seen" where the recogniser gave it at least SEEN_PROB, and "read as another" where another
# character got OTHER_PROB or more (the defaults of Spot's tests, the rules' seal match and seals/confirm.py)
SEEN_PROB = 0.02
OTHER_PROB = 0.5
TIE = 1e-9  # log scores closer than this are a tie (sums of the same terms in another order differ by rounding)


# A lattice: per time step ``(blank probability, ((char, prob), ...))``, consecutive bare-blank steps merged into one.
Step = tuple[float, tuple[tuple[str, float], ...]]
Lattice = tuple[Step, ...]


def from_probs(probs: np.ndarray, charset: Sequence[str], k: int = 5, min_prob: float = 0.002) -> Lattice:
    """The lattice of one line from its (time, classes) softmax output; class 0 is the CTC blank."""
    steps: list[Step] = []
    top = np.argsort(-probs[:, 1:], axis=1)[:, :k] + 1
    for t in range(probs.shape[0]):
        blank = float(probs[t, 0])
        if blank >= BLANK_STEP:
            if not steps or steps[-1][1]:
                steps.append((1.0, ()))
            continue
        chars = tuple((charset[c], round(float(probs[t, c]), 4)) for c in top[t] if probs[t, c] >= min_prob)
        steps.append((round(blank, 4), chars))
    return tuple(steps)


def narrowed(lattice: Lattice, k: int = 5, min_prob: float = 0.002) -> Lattice:
    """A lattice cut to its top ``k`` characters of at least ``min_prob`` per step, as :func:`from_probs` would have
    stored it with those bounds (steps left without characters are merged with the bare blanks after them): a wide
    lattice is read once, decoded (names.py) and stored narrow."""
    steps: list[Step] = []
    for blank, top in lattice:
        if blank >= BLANK_STEP and not top:
            if not steps or steps[-1][1]:
                steps.append((1.0, ()))
            continue
        steps.append((blank, tuple((ch, p) for ch, p in top[:k] if p >= min_prob)))
    return tuple(steps)


def best_path(lattice: Lattice) -> tuple[str, float]:
    """Greedy CTC decoding of a lattice: per step the blank or the top character, repeats merged; the score is the
    mean probability of the emitted characters (as ``recognize`` scores a line)."""
    chars, probs, prev = [], [], None
    for blank, top in lattice:
        if top and top[0][1] > blank:
            ch, p = top[0]
            if ch != prev:
                chars.append(ch)
                probs.append(p)
            prev = ch
        else:
            prev = None
    return "".join(chars).strip(), (min(1.0, sum(probs) / len(probs)) if probs else 0.0)


class Spot(NamedTuple):
    score: float  # mean per-character log-likelihood ratio of the candidate against the free best path (<= 0)
    support: tuple[float, ...]  # per character of the candidate: the highest probability it gets where aligned
    span: tuple[int, int]  # first and last lattice step of the alignment
    other: tuple[float, ...]  # per character: the highest probability another character gets where aligned

    def supported(self, min_prob: float = SEEN_PROB) -> float:
        """Share of the candidate's characters the recogniser saw with at least ``min_prob``."""
        return sum(p >= min_prob for p in self.support) / len(self.support) if self.support else 0.0

    def contradicted(self, min_prob: float = SEEN_PROB, other_prob: float = OTHER_PROB) -> tuple[int, int]:
        """``(read as others, unseen)``: how many of the candidate's characters the recogniser did not see (below
        ``min_prob`` where aligned), and how many of those it read as another character (``other_prob`` or more)
        there. Other words printed on the arc show as the latter; a faint stretch or one covered by print shows as
        blank steps or weak guesses, which are no evidence either way."""
        unseen = [i for i, p in enumerate(self.support) if p < min_prob]
        return sum(self.other[i] >= other_prob for i in unseen), len(unseen)


class _Prepared(NamedTuple):
    best: np.ndarray  # per step: log of the best probability (blank or character)
    before: np.ndarray  # before[u]: the best path's log score over steps 0..u-1 (length n + 1)
    blank_cum: np.ndarray  # cumulative log probability of the blank, with a leading 0 (length n + 1)
    rows: dict[str, int]  # character -> its row in ``logs`` and ``cums``; the last row is a never-proposed character
    logs: np.ndarray  # (rows, n): log probability per step
    cums: np.ndarray  # (rows, n + 1): cumulative log probabilities with a leading 0
    top: list[float]  # per row: the highest log probability the character gets at any step
    gain: list[float]  # per row: the most it scores against the best path at any step (<= 0)
    first: list[tuple[int, float, float]]  # per step: the top character's row, its log probability, the runner-up's


@lru_cache(maxsize=256)
def _prepared(lattice: Lattice) -> _Prepared:
    n = len(lattice)
    blank = np.log(np.maximum([b for b, _ in lattice], FLOOR))
    rows: dict[str, int] = {}
    hits = [(rows.setdefault(ch, len(rows)), t, p) for t, (_, top) in enumerate(lattice) for ch, p in top]
    logs = np.full((len(rows) + 1, n), LOG_FLOOR)
    if hits:
        r, t, p = np.array(hits).T
        np.maximum.at(logs, (r.astype(np.intp), t.astype(np.intp)), np.log(np.maximum(p, FLOOR)))
    best = np.maximum(blank, logs.max(axis=0))
    zero = np.zeros((logs.shape[0], 1))
    order = np.argsort(-logs, axis=0, kind="stable")[:2]  # the last row (never proposed) keeps a second row there
    ranked = np.take_along_axis(logs, order, axis=0) if len(logs) > 1 else np.vstack([logs, logs])
    first = list(zip(order[0].tolist(), ranked[0].tolist(), ranked[1].tolist()))
    return _Prepared(best, np.concatenate(([0.0], np.cumsum(best))), np.concatenate(([0.0], np.cumsum(blank))),
                     rows, logs, np.concatenate((zero, np.cumsum(logs, axis=1)), axis=1),
                     logs.max(axis=1).tolist(), (logs - best).max(axis=1).tolist(), first)


class _Table(NamedTuple):
    """The Viterbi table of one text against one lattice; it also answers for every prefix of the text."""

    prep: _Prepared
    text: str
    V: np.ndarray  # (2 x len(text) + 1, n): best score of a path that is in extended state e at step t
    W: np.ndarray  # (same): entry[u] - C[u - 1] per state, whose running maximum gives V (kept for the backtrack)


@lru_cache(maxsize=64)
def _table(lattice: Lattice, text: str) -> _Table:
    """Viterbi over the CTC states of ``text`` (blank, c1, blank, ..., cL, blank) with a free start.

    The recursion runs over the states rather than over time: a state is entered once (from the state before it, from
    the one before that across a blank, or from the free start) and then held, so its best score at step ``t`` is
    ``C[t] + max over entry steps u <= t of (entry[u] - C[u - 1])``, ``C`` being the state's cumulative emission: a
    running maximum, a handful of array operations per state instead of a Python iteration per time step. State ``e``
    depends only on the states before it, so the table of a text holds the table of each of its prefixes."""
    prep = _prepared(lattice)
    n, L = len(lattice), len(text)
    S = 2 * L + 1
    V = np.empty((S, n))
    W = np.empty((S, n))
    came = np.empty(n)
    for e in range(S):
        cum = prep.blank_cum if e % 2 == 0 else prep.cums[prep.rows.get(text[e // 2], -1)]
        came[0] = NEG
        if e >= 1:
            came[1:] = V[e - 1, :-1]
        else:
            came[1:] = NEG
        if e >= 3 and e % 2 == 1 and text[e // 2] != text[e // 2 - 1]:
            np.maximum(came[1:], V[e - 2, :-1], out=came[1:])
        if e <= 1:
            np.maximum(came, prep.before[:n], out=came)
        np.subtract(came, cum[:-1], out=W[e])
        np.maximum.accumulate(W[e], out=V[e])
        V[e] += cum[1:]
    return _Table(prep, text, V, W)


def _backtrack(table: _Table, L: int) -> Spot:
    """The alignment of the first ``L`` characters of the table's text, leaving after its last character or blank."""
    prep, text, V, W = table
    n = V.shape[1]
    last_blank, last_char = 2 * L, 2 * L - 1
    rest = prep.before[n] - prep.before[1:]
    ends = np.empty(2 * n)  # earliest step first; at the same step the blank first
    ends[0::2] = V[last_blank] + rest
    ends[1::2] = V[last_char] + rest
    top = float(ends.max())
    if top < NEG / 2:  # fewer steps than the text needs
        return Spot(-math.inf, (0.0,) * L, (0, 0), (0.0,) * L)
    flat = int(np.argmax(ends >= top - TIE))
    t, e = flat // 2, last_blank - flat % 2
    # the walk back visits one entry per state: plain Python on lists beats numpy calls on slices of 30 values
    Vl, Wl = V[:e + 1].tolist(), W[:e + 1].tolist()
    none = len(prep.rows)
    row = [prep.rows.get(ch, none) for ch in text[:L]]
    support, other = [0.0] * L, [0.0] * L
    last = t
    while True:
        w = Wl[e][:t + 1]
        m = max(w) - TIE
        u = next(i for i, x in enumerate(w) if x >= m)  # the earliest entry that does as well
        if e % 2 == 1:
            r = row[e // 2]
            if r != none:
                p = float(prep.logs[r, u:t + 1].max())
                if p > LOG_FLOOR:
                    support[e // 2] = max(support[e // 2], math.exp(p))
            q = max(second if top_row == r else first for top_row, first, second in prep.first[u:t + 1])
            if q > LOG_FLOOR:
                other[e // 2] = max(other[e // 2], math.exp(q))
        if u == 0 and e <= 1:
            break
        # where the path came from at step u - 1, in the order the recursion prefers on a tie
        came = w[u] + (prep.blank_cum[u] if e % 2 == 0 else prep.cums[row[e // 2], u])
        if e >= 1 and u >= 1 and Vl[e - 1][u - 1] >= came - TIE:
            e, t = e - 1, u - 1
        elif e >= 3 and e % 2 == 1 and u >= 1 and text[e // 2] != text[e // 2 - 1] and Vl[e - 2][u - 1] >= came - TIE:
            e, t = e - 2, u - 1
        else:  # the free start
            break
    llr = (top - prep.before[n]) / L
    return Spot(round(float(llr), 4), tuple(round(p, 4) for p in support), (u, last),
                tuple(round(p, 4) for p in other))


class Bound(NamedTuple):
    score: float  # at least the :attr:`Spot.score` of the text
    supported: float  # at least its :meth:`Spot.supported` share


def bound(lattice: Lattice, text: str, min_prob: float = SEEN_PROB) -> Bound:
    """Upper bounds of :func:`spot`'s score and supported share, from per-character maxima alone (no alignment).

    Every character of the text takes at least one step of its own, where it scores at most the best it scores
    against the best path at any step, and every other step of the alignment scores at most the best path; a character
    the recogniser gave less than ``min_prob`` everywhere cannot be supported. So when the bounds already say "not
    this name", the alignment need not be run: most of a seal's comparisons are with the other parties' names."""
    text = "".join(text.split())
    if not lattice or not text:
        return Bound(-math.inf, 0.0)
    prep = _prepared(lattice)
    none = len(prep.rows)
    rows = [prep.rows.get(ch, none) for ch in text]
    floor = math.log(min_prob)
    return Bound(sum(min(0.0, prep.gain[r]) for r in rows) / len(text),
                 sum(prep.top[r] >= floor for r in rows) / len(text))


@lru_cache(maxsize=4096)
def spot(lattice: Lattice, text: str, prefix: int | None = None) -> Spot:
    """Align ``text`` (or its first ``prefix`` characters) to the lattice with free ends and score it.

    Outside the alignment each step costs what the best path pays, so only the aligned stretch decides the score. A
    prefix costs no second alignment: ``spot(lat, name)`` and ``spot(lat, name, len(short))`` share one table. On ties
    the earliest entry and exit win."""
    text = "".join(text.split())
    L = len(text) if prefix is None else min(prefix, len(text))
    if not lattice or L == 0:
        return Spot(-math.inf, (0.0,) * L, (0, 0), (0.0,) * L)
    return _backtrack(_table(lattice, text), L)

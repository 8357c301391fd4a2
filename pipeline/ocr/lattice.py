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


class Spot(NamedTuple):
    score: float  # mean per-character log-likelihood ratio of the candidate against the free best path (<= 0)
    support: tuple[float, ...]  # per character of the candidate: the highest probability it gets where aligned
    span: tuple[int, int]  # first and last lattice step of the alignment

    def supported(self, min_prob: float = 0.02) -> float:
        """Share of the candidate's characters the recogniser saw with at least ``min_prob``."""
        return sum(p >= min_prob for p in self.support) / len(self.support) if self.support else 0.0


@lru_cache(maxsize=256)
def _prepared(lattice: Lattice) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Per step: log of the best probability, log of the blank's, and per character its log-probabilities."""
    n = len(lattice)
    best = np.empty(n)
    blank_log = np.empty(n)
    chars: dict[str, np.ndarray] = {}
    for t, (blank, top) in enumerate(lattice):
        best[t] = math.log(max([blank] + [p for _, p in top]))
        blank_log[t] = math.log(max(blank, FLOOR))
        for ch, p in top:
            col = chars.get(ch)
            if col is None:
                col = chars[ch] = np.full(n, math.log(FLOOR))
            col[t] = max(col[t], math.log(max(p, FLOOR)))
    return best, blank_log, chars


@lru_cache(maxsize=4096)
def spot(lattice: Lattice, text: str) -> Spot:
    """Align ``text`` to the lattice (Viterbi over the CTC states, free before and after) and score it.

    Outside the alignment each step costs what the best path pays, so only the aligned stretch decides the score."""
    text = "".join(text.split())
    n, L = len(lattice), len(text)
    if n == 0 or L == 0:
        return Spot(-math.inf, (0.0,) * L, (0, 0))
    best, blank_log, char_logs = _prepared(lattice)
    floor = np.full(n, math.log(FLOOR))
    emit = np.empty((n, 2 * L + 1))  # emission log-probs: per step, per extended state (blank, c1, blank, ..., blank)
    emit[:, 0::2] = blank_log[:, None]
    for j, ch in enumerate(text):
        emit[:, 2 * j + 1] = char_logs.get(ch, floor)
    S = 2 * L + 1
    NEG = -1e18
    # states: 0 = before (free), 1..S = CTC states, S+1 = after (free); vectorised over the states
    idx = np.arange(1, S + 1)
    e = idx - 1  # extended-label index
    skip_ok = np.zeros(S, dtype=bool)  # skip the blank between two different characters
    for j in range(1, L):
        if text[j] != text[j - 1]:
            skip_ok[2 * j + 1] = True
    score = np.full(S + 2, NEG)
    back = np.zeros((n, S + 2), dtype=np.int32)
    score[0] = best[0]
    score[1] = emit[0, 0]
    score[2] = emit[0, 1]
    for t in range(1, n):
        stay = score[1:S + 1]
        prev1 = np.concatenate(([score[0]], score[1:S]))  # state 1 enters from "before"
        prev2 = np.full(S, NEG)
        prev2[2:] = np.where(skip_ok[2:], score[1:S - 1], NEG)
        prev2[1] = score[0]  # state 2 (first character) enters from "before"
        cands = np.stack([stay, prev1, prev2])
        arg = cands.argmax(axis=0)
        new = np.empty(S + 2)
        new[1:S + 1] = cands[arg, np.arange(S)] + emit[t, e]
        back[t, 1:S + 1] = np.choose(arg, [idx, np.where(idx == 1, 0, idx - 1),
                                           np.where(idx == 2, 0, idx - 2)])
        new[0] = score[0] + best[t]
        back[t, 0] = 0
        after = [(score[S + 1], S + 1), (score[S], S), (score[S - 1], S - 1)]
        v, a = max(after)
        new[S + 1] = v + best[t]
        back[t, S + 1] = a
        score = new
    finals = [(score[S + 1], S + 1), (score[S], S), (score[S - 1], S - 1)]
    total, state = max(finals)
    # backtrack: per character, the highest probability at the steps aligned to it
    support = [0.0] * L
    first = last = None
    floor = math.log(FLOOR)
    for t in range(n - 1, -1, -1):
        if 1 <= state <= S:
            first = t
            last = t if last is None else last
            if (state - 1) % 2 == 1:
                j = (state - 1) // 2
                if emit[t, state - 1] > floor:
                    support[j] = max(support[j], math.exp(emit[t, state - 1]))
        if t > 0:
            state = back[t, state]
    llr = (total - best.sum()) / L
    return Spot(round(float(llr), 4), tuple(round(p, 4) for p in support), (first or 0, last or 0))

"""Name comparison and CTC-lattice verification: the matching the X checks rest on."""

import numpy as np
import pytest

from pipeline.ocr.lattice import from_probs, spot
from pipeline.rules.checks import PartyParams, compare_party
from pipeline.rules.facts import Doc, Value, name_score
from pipeline.types import DocType, Document, PageKind, Provenance


@pytest.mark.parametrize("a,b", [
    ("华景（北京）科技有限公司", "华景(北京)科技有限公司"),  # full- vs half-width brackets
    ("北京市华景电子科技有限公司", "北京市华景电子科技有限公司 "),
    ("北京市华景电子科技有限公司", "华景电子科技有限公司"),  # region prefix on one side only
    ("名称：北京市华景电子科技有限公司", "北京市华景电子科技有限公司"),  # a label left in the value
])
def test_names_equal_after_normalisation(a, b):
    assert name_score(a, b) == 100


def test_character_level_scores_separate_a_typo_from_another_company():
    party = "北京市华景电子科技有限公司"
    typo = name_score(party, "北京市华最电子科技有限公司")
    sister = name_score(party, "北京市华景智能装备有限公司")
    assert 90 < typo < 100 and sister < 75


def _value(value, ocr, name="buyer_name"):
    page_kind = PageKind.scanned if ocr else PageKind.digital
    from pipeline.types import Page

    page = Page(file_id="x", index=0, width=10, height=10, dpi=200, kind=page_kind, provenance=Provenance(stage="t"))
    d = Doc(Document(id="x", doc_type=DocType.invoice, file_id="x", pages=(page,), provenance=Provenance(stage="t")))
    return Value(d, name, value, None, 0.9, ocr)


P = PartyParams()
PARTY, TAX = "北京市华景电子科技有限公司", "91110108512470647T"


def test_tax_id_match_outranks_a_name_mismatch():
    o = compare_party(_value("北京市华景电子科技公司", True), _value(TAX, True, "buyer_tax_id"), _value(PARTY, False),
                      _value(TAX, False), "buyer", "party A", P)
    assert o.status == "pass" and "tax id" in o.message


def test_invalid_check_character_fails():
    bad = TAX[:-1] + ("X" if TAX[-1] != "X" else "Y")
    o = compare_party(_value(PARTY, False), _value(bad, False, "buyer_tax_id"), _value(PARTY, False),
                      _value(TAX, False), "buyer", "party A", P)
    assert o.status == "fail" and "check character" in o.message


def test_one_character_off_fails_on_text_but_is_a_review_when_ocr_read_it():
    typo = "北京市华最电子科技有限公司"
    digital = compare_party(_value(typo, False), None, _value(PARTY, False), None, "payer", "party A", P)
    scanned = compare_party(_value(typo, True), None, _value(PARTY, False), None, "payer", "party A", P)
    other = compare_party(_value("北京市华景智能装备有限公司", True), None, _value(PARTY, False), None, "payer",
                          "party A", P)
    assert (digital.status, scanned.status, other.status) == ("fail", "review", "fail")
    assert digital.threshold == 100 and 90 < digital.score < 100


CHARSET = ["<blank>"] + list("北京市华景电子科技有限公司智能装备最")


def _probs(text, misread=None):
    steps = [None] + [x for c in text for x in (c, None)]
    p = np.full((len(steps), len(CHARSET)), 1e-6)
    for t, c in enumerate(steps):
        if c is None:
            p[t, 0] = 1
        else:
            p[t, CHARSET.index(c)], p[t, 0] = 0.9, 0.1
    for t, (wrong, pw, pr) in (misread or {}).items():
        right = steps[t]
        p[t] = 1e-6
        p[t, CHARSET.index(wrong)], p[t, CHARSET.index(right)], p[t, 0] = pw, pr, 1 - pw - pr
    return p / p.sum(1, keepdims=True)


def test_lattice_verifies_a_misread_name_and_rejects_a_different_one():
    printed = "北京市华景电子科技有限公司"
    # the recogniser's best guess for 景 is 最, but it still gives 景 some probability
    lattice = from_probs(_probs(printed, {9: ("最", 0.6, 0.1)}), CHARSET)
    assert spot(lattice, printed).supported() == 1.0
    sister = spot(lattice, "北京市华景智能装备有限公司")
    assert sister.supported() == pytest.approx(9 / 13) and sister.score < spot(lattice, printed).score


def test_lattice_spots_a_name_inside_a_longer_line():
    lattice = from_probs(_probs("北京市华景电子科技有限公司"), CHARSET)
    s = spot(lattice, "华景电子科技")
    assert s.supported() == 1.0 and s.score == pytest.approx(0.0, abs=1e-6)
    assert 0 < s.span[0] < s.span[1] < len(lattice) - 1


def test_lattice_merges_blank_runs():
    p = np.zeros((10, len(CHARSET)))
    p[:, 0] = 1.0
    p[4, 0], p[4, 1] = 0.2, 0.8
    lattice = from_probs(p, CHARSET)
    assert len(lattice) == 3 and lattice[1][1][0] == ("北", 0.8)


def _random_lattice(rng, n, alphabet):
    steps = []
    for _ in range(n):
        if rng.random() < 0.25:
            steps.append((1.0, ()))
            continue
        blank = round(float(rng.random()), 4)
        chars = rng.choice(list(alphabet), size=int(rng.integers(1, 4)), replace=False)
        rest, top = 1 - blank, []
        for c in chars:
            p = round(float(rest * rng.random()), 4)
            rest -= p
            top.append((str(c), p))
        steps.append((blank, tuple(top)))
    return tuple(steps)


def _brute_force_score(lattice, text):
    """The best free-ended CTC alignment by enumerating every state path (tiny inputs only)."""
    import math

    from pipeline.ocr.lattice import FLOOR

    n, S = len(lattice), 2 * len(text) + 1

    def emit(t, e):
        blank, top = lattice[t]
        if e % 2 == 0:
            return math.log(max(blank, FLOOR))
        return math.log(max(max([p for c, p in top if c == text[e // 2]], default=0.0), FLOOR))

    best = [math.log(max([b] + [p for _, p in top])) for b, top in lattice]

    def moves(e):  # states reachable from state e at the next step; -1 = before, S = after
        if e == -1:
            return [-1, 0, 1]
        if e == S:
            return [S]
        nxt = [e, e + 1] if e + 1 < S else [e]
        if e % 2 == 1 and e + 2 < S and text[e // 2] != text[e // 2 + 1]:
            nxt.append(e + 2)
        if e >= S - 2:
            nxt.append(S)
        return nxt

    def score(t, e):
        return best[t] if e in (-1, S) else emit(t, e)

    top_score = -math.inf
    frontier = {e: score(0, e) for e in (-1, 0, 1)}
    for t in range(1, n):
        nxt = {}
        for e, v in frontier.items():
            for f in moves(e):
                nxt[f] = max(nxt.get(f, -math.inf), v + score(t, f))
        frontier = nxt
    for e, v in frontier.items():
        if e in (S - 2, S - 1, S):
            top_score = max(top_score, v)
    return (top_score - sum(best)) / len(text)


def test_lattice_alignment_is_the_best_path_and_prefixes_share_it():
    from pipeline.ocr.lattice import bound

    rng = np.random.default_rng(7)
    for _ in range(300):
        lattice = _random_lattice(rng, int(rng.integers(1, 9)), "北京华景")
        text = "".join(rng.choice(list("北京华景"), size=int(rng.integers(1, 4))))
        s = spot(lattice, text)
        assert s.score == pytest.approx(_brute_force_score(lattice, text), abs=2e-4), (lattice, text)
        for k in range(1, len(text)):
            assert spot(lattice, text, k) == spot(lattice, text[:k])
        # the bounds that let a match be ruled out without aligning are never below the alignment's figures
        b = bound(lattice, text)
        assert b.score >= s.score - 1e-4 and b.supported >= s.supported()


def test_bounds_rule_out_the_other_party_without_ruling_out_a_misread_own_name():
    from pipeline.ocr.lattice import bound

    printed = "北京市华景电子科技有限公司"
    lattice = from_probs(_probs(printed, {9: ("最", 0.6, 0.1)}), CHARSET)
    own, other = bound(lattice, printed), bound(lattice, "北京市华景智能装备有限公司")
    assert own.supported == 1.0 and own.score > -2.75
    assert other.supported == pytest.approx(9 / 13) and other.score <= -2.75


def test_lattice_tells_characters_read_as_others_from_unseen_ones():
    printed = "北京市华景电子科技有限公司"
    # 景 misread as 最 but still seen (0.1); 电子 read with confidence as 智能; 科技 faint: mostly blank, a weak guess
    p = _probs(printed, {9: ("最", 0.6, 0.1), 11: ("智", 0.8, 0.0), 13: ("能", 0.7, 0.0),
                         15: ("备", 0.04, 0.0), 17: ("备", 0.04, 0.0)})
    s = spot(from_probs(p, CHARSET), printed)
    assert [printed[i] for i, q in enumerate(s.support) if q < 0.02] == list("电子科技")
    assert s.other[4] == pytest.approx(0.6, abs=1e-3)  # seen all the same
    assert s.other[5] == pytest.approx(0.8, abs=1e-3) and s.other[6] == pytest.approx(0.7, abs=1e-3)
    assert s.other[7] == pytest.approx(0.04, abs=1e-3) and s.other[8] == pytest.approx(0.04, abs=1e-3)
    assert s.contradicted() == (2, 4)

"""Decoding a seal's name from its arc lattice with the lexicon of organisation-name words (pipeline/seals/names.py)."""

from __future__ import annotations

import numpy as np

from pipeline.ocr.lattice import best_path, from_probs, narrowed
from pipeline.seals import Candidate, SealConfig, SealText, classify
from pipeline.seals.geometry import Fit
from pipeline.seals.names import LEXICON, MIN_PROB, anchored, decode, prior
from pipeline.seals.read import SealReader
from pipeline.types import BBox, SealShape


def lattice(*chars) -> tuple:
    """One step per character, bare blanks between them; a character is ``"京"`` (read at 0.98) or a tuple of
    ``(char, prob)`` alternatives, best first; ``("", blank)`` first makes a step the blank wins."""
    steps = [(1.0, ())]
    for c in chars:
        if isinstance(c, str):
            steps.append((0.01, ((c, 0.98),)))
        elif c[0][0] == "":
            steps.append((c[0][1], tuple(c[1:])))
        else:
            steps.append((round(max(0.0, 1.0 - sum(p for _, p in c)), 4), tuple(c)))
        steps.append((1.0, ()))
    return tuple(steps)


def test_lexicon_holds_regions_industry_words_forms_and_banks():
    for w in ("北京市", "深圳市", "广东省", "内蒙古自治区", "石家庄市", "昆山市", "海淀区", "新材料", "信息技术", "半导体",
              "机器人", "五金", "有限责任公司", "股份有限公司", "中国工商银行", "支行"):
        assert w in LEXICON, w
    assert prior("深圳市衡启新材料股份有限公司") > prior("深城事衡启派材投复份有限公司")


def test_second_ranked_lexicon_character_is_taken():
    # 北震市 for 北京市: the recogniser put 京 second, with real probability
    lat = lattice("北", (("震", 0.6), ("京", 0.35)), "市", "瑞", "辰", "软", "件", "有", "限", "公", "司")
    assert best_path(lat)[0] == "北震市瑞辰软件有限公司"
    text, score = decode(lat)
    assert text == "北京市瑞辰软件有限公司"
    assert 0.0 < score <= 1.0
    # 股粉 for 股份, 有距 for 有限
    lat = lattice("衡", "启", "股", (("粉", 0.7), ("份", 0.2)), "有", (("距", 0.55), ("限", 0.4)), "公", "司")
    assert decode(lat)[0] == "衡启股份有限公司"


def test_character_of_a_word_missing_from_the_best_path_is_added_where_the_lattice_saw_it():
    # 成市 for 成都市: 都 lost to the blank at 0.05
    lat = lattice("成", (("", 0.9), ("都", 0.05), ("海", 0.03)), "市", "达", "宏", "网", "络", "有", "限", "公", "司")
    assert best_path(lat)[0] == "成市达宏网络有限公司"
    assert decode(lat)[0] == "成都市达宏网络有限公司"


def test_character_the_lattice_gives_almost_no_probability_is_never_invented():
    # 京 below MIN_PROB: 北震市 stays as read
    lat = lattice("北", (("震", 0.9), ("京", round(0.6 * MIN_PROB, 4))), "市", "瑞", "辰", "有", "限", "公", "司")
    assert decode(lat)[0] == "北震市瑞辰有限公司"
    # and nothing is inserted where the lattice proposes nothing: 有公司 is not made 有限公司
    lat = lattice("川", "瑞", "有", "公", "司")
    assert decode(lat)[0] == "川瑞有公司"


def test_trade_name_is_left_as_read():
    # the trade name 衡启 is free: its second-ranked characters (衡 -> 新, 启 -> 材, both pieces of lexicon words) do
    # not make it a word; it stays as the recogniser read it
    lat = lattice("深", "圳", "市", (("衡", 0.6), ("新", 0.35)), (("启", 0.6), ("材", 0.35)), "电", "子",
                  "有", "限", "公", "司")
    assert decode(lat)[0] == "深圳市衡启电子有限公司"


def test_another_companys_name_stays_another_companys():
    # the seal of 成都市川瑞科技服务有限公司 on a contract of 成都市川瑞软件有限公司: the lattice gives 软件 little
    # (0.01, below MIN_PROB) where 科技 is read, so the decoding keeps the seal's own words
    lat = lattice("成", "都", "市", "川", "瑞", (("科", 0.95), ("软", 0.01)), (("技", 0.95), ("件", 0.01)), "服", "务",
                  "有", "限", "公", "司")
    assert decode(lat)[0] == "成都市川瑞科技服务有限公司"
    # and with real probability on both readings, the one the recogniser preferred wins (both are lexicon words)
    lat = lattice("成", "都", "市", "川", "瑞", (("科", 0.6), ("软", 0.35)), (("技", 0.6), ("件", 0.35)), "服", "务",
                  "有", "限", "公", "司")
    assert decode(lat)[0] == "成都市川瑞科技服务有限公司"


def test_word_in_an_unreadable_stretch_is_not_put_there():
    # the lattice's weak guesses in a stretch it could not read spell 上海: no character of it was read, so it is
    # not inserted (the decoding mends words read in part, it does not write new ones)
    lat = lattice("北", "京", "市", "易", (("", 0.6), ("上", 0.2), ("中", 0.1)), (("", 0.6), ("海", 0.2), ("城", 0.1)),
                  "城", "有", "限", "公", "司")
    assert best_path(lat)[0] == "北京市易城有限公司"
    assert "上海" not in decode(lat)[0]
    assert anchored("北京市易城", "北京市易上海城") == "北京市易城"
    assert anchored("北震市", "北京市") == "北京市"
    assert anchored("中量测络技股物", "超市量测络技股协会") == "中量测络技股物"


def test_traditional_form_gives_way_to_the_simplified_one_the_lattice_also_saw():
    lat = lattice("北", "京", "市", (("潤", 0.6), ("润", 0.3)), "晟", "有", "限", "公", "司")
    assert decode(lat)[0] == "北京市润晟有限公司"
    lat = lattice("北", "京", "市", (("潤", 0.98),), "晟", "有", "限", "公", "司")
    assert decode(lat)[0] == "北京市潤晟有限公司"


def test_classify_reports_the_best_path_when_the_lexicon_mended_the_name():
    cand = Candidate(page=0, shape=SealShape.round, fit=Fit("ellipse", 50, 50, 40, 40, 0, 0.9, 0.78),
                     bbox=BBox(x0=10, y0=10, x1=90, y1=90), confidence=0.9, colour=True)
    seal = classify(cand, (SealText("arc", "北京市瑞辰软件有限公司", 0.9, read="北震市瑞辰软件有限公司"),))
    assert seal.owner == "北京市瑞辰软件有限公司"
    assert "lexicon:北震市瑞辰软件有限公司" in seal.texts


class _Engine:
    name, version = "fake", "0"

    def __init__(self, lat):
        self.lat = lat

    def recognize(self, crops):
        return [("", 0.0)] * len(crops)

    def lattices(self, crops, k=5, min_prob=0.002):
        self.asked = (k, min_prob)
        return [self.lat] * len(crops)


def test_reader_decodes_the_arc_with_the_lexicon_and_keeps_the_best_path_and_lattice():
    lat = lattice("北", (("震", 0.6), ("京", 0.35)), "市", "瑞", "辰", "有", "限", "公", "司")
    reader = SealReader(_Engine(lat), SealConfig())
    blank = np.full((40, 120, 3), 255, np.uint8)
    arc = next(t for t in reader._recognise([("arc", blank)]) if t.role == "arc")
    assert arc.text == "北京市瑞辰有限公司" and arc.read == "北震市瑞辰有限公司" and arc.lattice == lat
    # unchanged by the lexicon: no second text kept
    lat = lattice("北", "京", "市", "瑞", "辰", "有", "限", "公", "司")
    arc = next(t for t in SealReader(_Engine(lat), SealConfig())._recognise([("arc", blank)]) if t.role == "arc")
    assert arc.text == "北京市瑞辰有限公司" and arc.read is None


def test_reader_decodes_from_a_wide_lattice_and_keeps_the_usual_narrow_one():
    # 北震市: 京 ranked 7th at 0.006, outside the top 5 the report keeps, inside the 20 the name is decoded from
    others = tuple((ch, 0.01) for ch in "霞雷需零露")
    wide = lattice("北", (("震", 0.9),) + others + (("京", 0.006),), "市", "瑞", "辰", "有", "限", "公", "司")
    engine = _Engine(wide)
    blank = np.full((40, 120, 3), 255, np.uint8)
    arc = next(t for t in SealReader(engine, SealConfig())._recognise([("arc", blank)]) if t.role == "arc")
    assert engine.asked[0] > 5 and engine.asked[1] < 0.002
    assert arc.text == "北京市瑞辰有限公司" and arc.read == "北震市瑞辰有限公司"
    assert arc.lattice == narrowed(wide) and all(ch != "京" for _, top in arc.lattice for ch, _ in top)


def test_reader_reads_the_rim_name_with_the_name_recogniser_and_a_square_face_with_the_engine():
    rim = lattice("北", "京", "市", "瑞", "辰", "有", "限", "公", "司")
    face = lattice("王", "伟", "之", "印")
    engine, names = _Engine(face), _Engine(rim)
    blank = np.full((40, 120, 3), 255, np.uint8)
    texts = SealReader(engine, SealConfig(), names)._recognise([("arc", blank), ("grid", blank)])
    assert {t.role: t.text for t in texts} == {"arc": "北京市瑞辰有限公司", "grid": "王伟之印"}
    assert names.asked == engine.asked  # both read as wide as the name is decoded from
    # without a name recogniser the engine reads the rim too
    arc = next(t for t in SealReader(engine, SealConfig())._recognise([("arc", blank)]) if t.role == "arc")
    assert arc.text == "王伟之印"


def test_narrowed_lattice_is_what_the_recogniser_would_have_stored_narrow():
    rng = np.random.default_rng(5)
    charset = [""] + [chr(0x4E00 + i) for i in range(60)]
    logits = rng.normal(0.0, 2.5, (80, len(charset)))
    logits[::3, 0] += 9.0  # blank-dominated steps, some of them bare
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probs[np.abs(probs - 0.002) < 1e-4] = 0.0025  # stored probabilities are rounded to 4 places: none at the bound
    wide = from_probs(probs, charset, 20, 0.001)
    assert narrowed(wide) == from_probs(probs, charset, 5, 0.002)
    assert narrowed(wide) != wide

"""Reading a seal: its text unrolled or cut into straight lines, recognised in one batch by the OCR engine's recogniser.

Round and oval seals: the band inside the ring is unrolled over 360 degrees (:func:`unwrap_band`). The name along the
rim is everything but the widest gap among the columns where characters fill the band (:func:`name_columns`: a
serial's small digits along the ring and the ends of a horizontal title poking into the band do not count, so they
neither extend the name nor move its middle; a faint stretch of the name, whose characters show at a lighter grey
level, is no gap: :func:`_past_faint`); the middle of the name gives the seal's rotation. The name is unrolled
again over just its span; the rest of the rim (a serial number, 国家税务总局监制 on old supervision seals) is read the
other way round. The seal is then turned upright and two horizontal bands are read: the centre (an invoice seal's tax
id, the middle line of a supervision seal) and the bottom (the title: 财务专用章, 发票专用章, ...), the latter only when
the middle of the title box holds ink; a title that cannot be read is reported as an empty ``bottom`` text. When the
name read has characters after its last word (有限公司深圳市明: a faint stretch of a partial impression was taken for
the gap at the bottom), the seal is read once more with the name starting after that word. When the name is cut
short at an end (有限责任 without 公司, 工商银行 without 中国: a faint end taken for the gap), its arc is unrolled again
over that much more of the rim and kept if that end then reads whole (:func:`name_cut`). When a bank's name is read
after the end of its branch (宝安上海浦东发展银行股份有限公司, :func:`bank_wraps`), the gap is looked for after that end.

Square seals: the face inside the border is cut into columns (right to left) and each column into its characters (top
to bottom, :func:`column_cells`), laid on one line; a number strip along the bottom is read on its own.

The name (the arc, or a square seal's characters) is read with ``engine.lattices``: its text is the lattice decoded with
a prior on the fixed words of organisation names (:func:`pipeline.seals.names.decode`; without a supported lexicon
word, the lattice's best path, :func:`pipeline.ocr.lattice.best_path`) and the lattice is kept for verifying a party's
name later, so the name costs one recogniser pass.
The name along a round or oval seal's rim is read by the seal-name recogniser when the reader has one
(:mod:`pipeline.seals.recogniser`, a recogniser fine-tuned on unrolled seal names; ``SealConfig.name_model``).
The other lines are read with ``engine.recognize``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.ocr.base import OcrEngine, nfkc
from pipeline.ocr.lattice import best_path, narrowed
from pipeline.config import SealConfig
from pipeline.seals.detect import Candidate
from pipeline.seals.names import decode
from pipeline.seals.recogniser import NameRecogniser
from pipeline.seals.square import square_lines
from pipeline.seals.unwrap import (ink_image, name_columns, ring_outline, text_segments, to_bgr, trim, unwrap_band,
                                   upright, widest_gap)
from pipeline.types import SealShape


@dataclass(frozen=True)
class SealText:
    """One piece of text read on a seal and where on it: arc (the name along the top), arc_bottom, centre, bottom,
    grid (a square seal's characters), strip (a square seal's number strip), layout (not read: a square seal's
    number of columns, ``2 columns``). An empty ``bottom`` text: the title below the centre holds words that were not
    read."""

    role: str
    text: str
    score: float
    lattice: tuple | None = None  # the name's arc only: the recogniser's top characters per step (ocr/lattice.py)
    read: str | None = None  # the name: the lattice's best path, when the lexicon decoding (names.py) changed it


class SealReader:
    """``SealReader(engine, config)(image, candidate) -> tuple[SealText, ...]``; thread-safe (no state per call)."""

    def __init__(self, engine: OcrEngine, config: SealConfig | None = None, names: NameRecogniser | None = None) -> None:
        self.engine = engine
        self.config = config or SealConfig()
        self.names = names  # the rim's name is read by this recogniser when given (recogniser.py), else by the engine

    def __call__(self, image: np.ndarray, cand: Candidate) -> tuple[SealText, ...]:
        plan = read_plan(image, cand, self.config)
        if plan is None or not plan.lines:
            return ()
        texts = self._recognise(plan.lines)
        arc = next((t for t in texts if t.role == "arc"), None)
        cut = name_wraps_at(arc.text) if arc is not None and plan.name_span is not None else None
        if cut is not None:
            # the name was unrolled from the wrong place (a faint stretch taken for the gap at the bottom): start
            # it after its last word (公司, 支行, ...) and read the seal again turned accordingly
            t0, t1 = plan.name_span
            again = read_plan(image, cand, self.config, after=t0 + cut * (t1 - t0))
            if again is not None and again.lines:
                texts = self._recognise(again.lines)
                plan = again
        elif arc is not None and plan.name_span is not None and bank_wraps(arc.text):
            # a bank's name read from the end of its branch on (宝安上海浦东发展银行股份有限公司: the branch's first
            # characters faint and taken for the gap): the gap is after that end; kept when the bank's name then
            # starts the reading
            again = read_plan(image, cand, self.config, after=plan.name_span[0])
            if again is not None and again.lines:
                retry = self._recognise(again.lines)
                name = next((t for t in retry if t.role == "arc"), None)
                if name is not None and name.text.startswith(FULL_BANKS):
                    texts, plan = retry, again
        if plan.name_span is not None:
            texts = self._complete(image, cand, texts, plan.name_span)
        if plan.columns is not None:  # how the square's face is laid out: two columns is a personal name seal
            texts += (SealText("layout", f"{plan.columns} columns", 1.0),)
        return texts

    def _complete(self, image: np.ndarray, cand: Candidate, texts: tuple[SealText, ...],
                  span: tuple[float, float]) -> tuple[SealText, ...]:
        """The name read again over a wider stretch of the rim when it is cut short at an end (有限责任 without 公司,
        工商银行 without 中国: a faint end taken for the gap), kept only when the end it was cut at then reads whole."""
        for _ in range(MAX_REREADS):
            arc = next((t for t in texts if t.role == "arc"), None)
            cut = name_cut(arc.text) if arc is not None else None
            if cut is None:
                break
            before, after = cut
            t0, t1 = span
            pitch = (t1 - t0) / len(arc.text)
            grow = EXTEND * pitch
            wider = (t0 - before * grow, t1 + after * grow)
            if wider[1] - wider[0] > MAX_NAME_SPAN:
                break
            plan = read_plan(image, cand, self.config, span=wider)
            line = next((im for role, im in plan.lines if role == "arc"), None) if plan is not None else None
            if line is None:
                break
            again = next(iter(self._recognise([("arc", line)])), None)
            if again is None or again.role != "arc" or not mends(arc.text, again.text, cut):
                break
            texts = tuple(again if t is arc else t for t in texts)
            span = wider
        return texts

    def _recognise(self, lines: list[tuple[str, np.ndarray]]) -> tuple[SealText, ...]:
        # the name along the arc (and a square seal's characters) is read as a lattice, the recogniser's top
        # characters per step, so that a party's name can be verified against it later; its text is decoded from
        # that lattice (below), so the name costs one recogniser pass, not two
        named = [i for i, (role, _) in enumerate(lines) if role in NAMED]
        arcs = [i for i in named if lines[i][0] == "arc"] if self.names is not None else []
        by_engine = [i for i in named if i not in arcs] if hasattr(self.engine, "lattices") else []
        wide = {}
        for idx, rec in ((arcs, self.names), (by_engine, self.engine)):
            if idx:
                wide.update(zip(idx, rec.lattices([lines[i][1] for i in idx], k=DECODE_K, min_prob=DECODE_MIN)))
        rest = [i for i in range(len(lines)) if i not in wide]
        results = dict(zip(rest, self.engine.recognize([lines[i][1] for i in rest]))) if rest else {}
        # the name's text: the lattice decoded with a prior on the fixed words of organisation names (regions,
        # industry words, organisation forms, banks; names.py), which mends a character of those words the
        # recogniser misread but also saw; the best path (what ``recognize`` reads) is kept when it differs
        raw = {i: nfkc(best_path(lat)[0]).replace(" ", "") for i, lat in wide.items()}
        results.update((i, decode(lat)) for i, lat in wide.items())
        # the lattice kept (for verifying a party's name, in the report) is the usual top 5 of >= 0.002 per step
        lattices = {i: narrowed(lat) for i, lat in wide.items()}
        out = []
        for i, (role, _) in enumerate(lines):
            text, score = results[i]
            text = nfkc(text).replace(" ", "")
            if text and score >= self.config.min_text_score:
                read = raw.get(i)
                out.append(SealText(role, text, round(float(score), 3), lattices.get(i),
                                    read if read is not None and read != text else None))
            elif role == "bottom":  # words under the centre that could not be read: the type is not known
                out.append(SealText(role, "", round(float(score), 3)))
        return tuple(out)


NAMED = ("arc", "grid")  # the roles whose reading is kept as a lattice (the owner's name)
# The name is decoded (names.py) from a wider lattice than the one kept: its top 20 characters of >= 0.001 per step,
# so that a lexicon word's character the recogniser ranked 6th-20th can mend it (北震市 -> 北京市: 京 ranked 12th at
# 0.0056). Measured with names.MIN_PROB 0.005: owner exact +2 of 109 development seals, +4 of 414 scenario seals,
# none of 86 held-out seals changed, no owner read right before read wrong after.
DECODE_K = 20
DECODE_MIN = 0.001


# the last word of an organisation's name along the rim; text read after it means the name was unrolled from the
# wrong place
NAME_ENDS = ("公司", "支行", "分行", "营业部", "分理处", "合作社", "事务所", "研究院", "研究所", "中心", "税务局")
_TAIL_CHARS = set("有限责任股份公司")  # a tail of these is the end of the name read twice, not its start


# A name cut short at an end: the beginnings of the words a registered name ends with, and the ends of the banks'
# registered names a bank seal's name starts with (工商银行 is 中国工商银行 cut)
CUT_ENDS = ("有限公司", "有限责任公司", "股份有限公司", "股份公司", "集团有限公司")
FULL_BANKS = ("中国银行", "中国工商银行", "中国农业银行", "中国建设银行", "交通银行", "中国邮政储蓄银行", "招商银行",
              "上海浦东发展银行", "中信银行", "中国光大银行", "华夏银行", "中国民生银行", "广发银行", "平安银行", "兴业银行",
              "浙商银行", "渤海银行", "恒丰银行", "北京银行", "上海银行", "江苏银行", "宁波银行", "南京银行", "杭州银行",
              "徽商银行")
# a bank's registered name read from its last character on (行股份有限公司北京海淀支行 on a faxed 中国银行 seal)
BANK_FORMS = ("行股份有限公司", "行有限责任公司", "行有限公司")
MAX_REREADS = 2  # a name cut by more than the first re-read added is read once more
EXTEND = 1.15  # the rim added per missing character, in the name's mean character pitch
MAX_NAME_SPAN = 1.9 * math.pi  # a name is never read over more of the rim than this


def name_cut(text: str) -> tuple[int, int] | None:
    """How many characters a name read along the rim misses at its start and at its end, at least, when it is cut
    short: it ends with the beginning of an organisation form (有限责任, 股份有: 2 and 3 missing), or starts with the
    end of a bank's registered name (工商银行, 商银行: 2 and 1 missing; 行股份有限公司: 3). None when neither end is
    cut."""
    if not text:
        return None
    after = 0
    if not text.endswith(NAME_ENDS):
        after = min((len(f) - k for f in CUT_ENDS for k in range(2, len(f)) if text.endswith(f[:k])), default=0)
    before = 0
    if "银行" in text and not text.startswith(FULL_BANKS):
        head = text[:text.index("银行") + 2]
        before = min((len(b) - len(head) for b in FULL_BANKS if len(b) > len(head) and b.endswith(head)), default=0)
    elif text.startswith(BANK_FORMS):  # the bank's own name lost but its 行: 中国银行 or 交通银行 at least
        before = min(len(b) for b in FULL_BANKS) - 1
    return (before, after) if before or after else None


def mends(old: str, new: str, cut: tuple[int, int]) -> bool:
    """A re-read over a wider stretch keeps the name read before and completes at least one end it was cut at."""
    before, after = cut
    whole_end = after > 0 and new.endswith(NAME_ENDS)
    whole_start = before > 0 and new.startswith(FULL_BANKS)
    return (whole_end or whole_start) and len(new) > len(old) and _shares(old, new)


def _shares(old: str, new: str) -> bool:
    """Most of the old read is in the new one, in order (the wider unroll must not read another text)."""
    from difflib import SequenceMatcher

    m = SequenceMatcher(None, old, new, autojunk=False)
    return sum(b.size for b in m.get_matching_blocks()) >= 0.8 * len(old)


def name_wraps_at(text: str) -> float | None:
    """Where (share of the text) a name read round the rim really ends, when characters follow its last word
    (有限公司深圳市明 -> after 公司); None when it ends the text or what follows is no start of a name (digits of a
    serial, a single character, 有限 read twice)."""
    best = None
    for word in NAME_ENDS:
        i = text.rfind(word)
        if i >= 0 and (best is None or i + len(word) > best):
            best = i + len(word)
    if best is None or best >= len(text):
        return None
    rest = [ch for ch in text[best:] if "\u4e00" <= ch <= "\u9fff"]
    if len(rest) < 2 or all(ch in _TAIL_CHARS for ch in rest):
        return None
    return best / len(text)


def bank_wraps(text: str) -> bool:
    """A bank's full name (FULL_BANKS) follows two or more Chinese characters: the end of its branch read first
    (宝安上海浦东发展银行股份有限公司, 安庆市龙华支行上海浦东发展银行有限公司)."""
    at = min((i for i in (text.find(b) for b in FULL_BANKS) if i >= 0), default=-1)
    return at > 0 and len(re.findall(r"[\u4e00-\u9fff]", text[:at])) >= 2


def _stretch(strip: np.ndarray, factor: float) -> np.ndarray:
    """Widen an unrolled strip: names are condensed to fit the rim, and the recogniser reads wide glyphs better."""
    if abs(factor - 1.0) < 1e-3:
        return strip
    return cv2.resize(strip, (max(1, int(strip.shape[1] * factor)), strip.shape[0]), interpolation=cv2.INTER_LINEAR)


OVAL_FLIP_GAP = 1.5  # radians: an oval is read upside down only when the gap opposite its name is at least this wide
# The share of inked pixels in the title box of an upright seal above which it holds words. On colour pages the ink is
# the seal's red alone, and a photo's pink speckle inside a round seal without a title fills up to 0.12 of the box
# (0.086 on bj_clean C2's photographed acceptance certificate: its official seal was left at 0.45 as if an unread
# 财务专用章 were there) while round seals' titles fill 0.26-0.50 (finance and contract seals on the generated and
# scenario colour pages). Ovals keep the low bar: a real supervision seal's bureau line (江苏省税务局) is thin and
# fills less than 0.12. On greyscale and fax pages print is ink too, and a faxed finance title fills only 0.13.
TITLE_INK = 0.04
TITLE_INK_COLOUR = 0.12


@dataclass(frozen=True)
class ReadPlan:
    """The (role, line image) pairs to recognise for one seal and, for round and oval seals, where the name was
    unrolled along the rim (``name_span``: start and end, radians clockwise from the bottom)."""

    lines: list[tuple[str, np.ndarray]]
    name_span: tuple[float, float] | None = None
    columns: int | None = None  # square seals: how many columns of characters the face was cut into


def read_plan(image: np.ndarray, cand: Candidate, cfg: SealConfig, after: float | None = None,
              span: tuple[float, float] | None = None) -> ReadPlan | None:
    """What to read on a seal. ``after``: the rim parameter (from the bottom, clockwise) where the name is known to
    end; by default the name is everything but the widest gap in the band's text. ``span``: where the name is
    unrolled (start and end, as ``ReadPlan.name_span``), instead of finding it."""
    f = cand.fit
    r = max(f.a, f.b)
    pad = int(0.15 * r) + 4
    H, W = image.shape[:2]
    x0, y0 = max(0, int(f.cx - r - pad)), max(0, int(f.cy - r - pad))
    x1, y1 = min(W, int(f.cx + r + pad)), min(H, int(f.cy + r + pad))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    ink = ink_image(image[y0:y1, x0:x1], cand.colour)
    cx, cy = f.cx - x0, f.cy - y0
    if cand.shape == SealShape.square:
        lines, columns = square_lines(ink, cx, cy, f.a, f.b, f.angle)
        return ReadPlan(lines, columns=columns)
    return _round_plan(ink, cx, cy, f.a, f.b, f.angle, cfg, after, span, cand.colour)


def _normalise(a: float, b: float, angle: float) -> tuple[float, float, float]:
    """Major axis first, angle in (-90, 90]."""
    if b > a:
        a, b, angle = b, a, angle + 90.0
    angle = (angle + 90.0) % 180.0 - 90.0
    return a, b, angle


def _name_gap(cols: np.ndarray, after: float | None) -> tuple[int, int] | None:
    """(start, end) columns of the gap at the bottom of the seal in a circular row of name columns: the widest gap,
    or, when the name's end is known (column ``after``), the widest gap in the third of the rim that follows it."""
    n = len(cols)
    if cols.all():
        return None
    if after is not None:
        lo = int(after) - int(0.02 * n)
        window = np.array([cols[(lo + i) % n] for i in range(int(0.35 * n))])
        if not window.all():
            mid, length = widest_gap(np.concatenate([window, [True]]))
            return lo + mid - length // 2, lo + mid - length // 2 + length
    mid, length = widest_gap(cols)
    start = mid - length // 2
    return start, start + length


# a faint stretch of a partial impression (its characters lighter than name_columns' ink level, 128, but darker than
# FAINT_LEVEL) is no gap: when the characters it holds close the widest gap, the widest gap left, if another and at
# least FAINT_GAP_SHARE as wide, is the gap at the bottom
FAINT_LEVEL = 224
FAINT_GAP_SHARE = 0.6


def _past_faint(band: np.ndarray, cols: np.ndarray, gap: tuple[int, int]) -> tuple[int, int]:
    """The gap at the bottom of the seal, ``gap`` unless it is a faint stretch of the name (北京市禾帆 and 机械有限公司
    along a photographed seal whose 精密 lies pale under the printed party name: the name was unrolled from its
    middle and not read)."""
    soft = cols | name_columns(band, FAINT_LEVEL)
    if soft.all():
        return gap
    other = _name_gap(soft, None)
    n, width, other_width = len(cols), gap[1] - gap[0], other[1] - other[0]
    overlaps = (other[0] - gap[0]) % n < width or (gap[0] - other[0]) % n < other_width
    return gap if overlaps or other_width < FAINT_GAP_SHARE * width else other


def _round_plan(ink: np.ndarray, cx: float, cy: float, a: float, b: float, angle: float,
                cfg: SealConfig, after: float | None = None, span: tuple[float, float] | None = None,
                colour: bool = False) -> ReadPlan | None:
    a, b, angle = _normalise(a, b, angle)
    R = min(a, b)
    oval = a / b >= cfg.oval_aspect
    if not oval:  # round: the rotation is unknown, the name run tells it
        a = b = (a + b) / 2
        angle = 0.0
        ring = _round_outline(ink, cx, cy, a, cfg)
        if ring is not None:  # unrolled along the ring as the image shows it (a seal photographed at a slant)
            cx, cy, a, b, angle = ring
    d0 = ring_inner_edge(ink, cx, cy, a, b, angle, R)
    d1 = d0 + (cfg.arc_band[1] - cfg.arc_band[0]) * R
    # the whole band from the bottom, clockwise; the name is what lies outside the gap at the bottom, found among
    # the columns where characters fill the band (not a serial's digits along the ring, not a title's ends)
    full = unwrap_band(ink, cx, cy, a, b, angle, math.pi / 2, math.pi / 2 + 2 * math.pi, d0, d1)
    n = full.shape[1]
    cols = name_columns(full)
    if not cols.any():
        # no name along the rim: an oval's lines across the middle are still read, upright with its long axis (a
        # photographed supervision seal at the paper's edge, its title arc lost in the desk's dark: 国家税务总局 and
        # 四川省税务局 across it say what it is)
        return ReadPlan(_across(ink, cx, cy, a, b, angle, oval) if oval else [])
    per = 2 * math.pi / n
    gap = _name_gap(cols, None if after is None else after / per)
    if after is None and span is None and gap is not None:
        gap = _past_faint(full, cols, gap)
    g0, g1 = gap if gap is not None else (0, 0)
    margin = 0.012 * n
    ts, te = math.pi / 2 + (g1 - margin) * per, math.pi / 2 + (g0 + n + margin) * per
    mid = (ts + te) / 2  # the middle of the name is "up" (parameter 3*pi/2)
    rot = mid - 1.5 * math.pi
    if span is not None:  # told where the name is
        ts, te = span[0] + math.pi / 2, span[1] + math.pi / 2
        rot = (ts + te) / 2 - 1.5 * math.pi
    elif oval:  # an oval's name is centred on its long side: only which side is open
        # turned over only when the gap at the bottom is wide: a name read nearly all the way round (an e-invoice's
        # red title across the top of its supervision seal) says little about where the bottom is, and the seal
        # was read upside down (its title in the bottom band, the owner lost)
        flip = math.cos(rot) < 0 and 2 * math.pi - (te - ts) >= OVAL_FLIP_GAP
        rot = math.pi if flip else 0.0
        if rot == 0.0 and abs(mid - 1.5 * math.pi) > 0.15:  # re-centre the name on the top
            half = (te - ts) / 2
            ts, te = 1.5 * math.pi - half, 1.5 * math.pi + half
    out = [("arc", to_bgr(_stretch(unwrap_band(ink, cx, cy, a, b, angle, ts, te, d0, d1), cfg.arc_stretch)))]
    # the rest of the rim, read the other way round (text along the bottom faces the centre)
    rest = unwrap_band(ink, cx, cy, a, b, angle, ts + 2 * math.pi + margin * per, te - margin * per, d0, d1,
                       bottom=True)
    for s0, e0 in text_segments(rest, min_gap=max(3, int(0.05 * n)), min_len=max(4, int(0.03 * n))):
        if e0 <= rest.shape[1]:
            out.append(("arc_bottom", to_bgr(rest[:, max(0, s0 - 4):e0 + 4])))
    # the horizontal lines, upright: turned by the name's offset from the top
    out += _across(ink, cx, cy, a, b, math.degrees(rot) + angle, oval, colour)
    return ReadPlan(out, (ts - math.pi / 2, te - math.pi / 2))


def _across(ink: np.ndarray, cx: float, cy: float, a: float, b: float, turn: float, oval: bool,
            colour: bool = False) -> list[tuple[str, np.ndarray]]:
    """The lines across a round or oval seal (its centre line and, when its title box is inked, the title under
    it), cut from the seal turned upright by ``turn`` degrees; ``colour``: the ink is the seal's colour alone."""
    title_ink = TITLE_INK_COLOUR if colour and not oval else TITLE_INK
    size = int(2 * a + 4)
    up = upright(ink, cx, cy, turn, size)
    c = size / 2
    if not oval:  # a round seal's slant is turned with its name: its bands are cut as a circle's
        a = b = (a + b) / 2
    out = []
    # the title (财务专用章, 发票专用章, ...) sits below the centre; the ends of a serial along the rim, the lowest
    # characters of a long name and the star's lower points stay outside the middle of it, so ink there means there
    # are words to read
    title = up[int(c + 0.38 * b):int(c + 0.64 * b), int(c - 0.3 * a):int(c + 0.3 * a)]
    has_title = bool(title.size) and float((title < 128).mean()) > title_ink
    for role, (ya, yb), half_w in (("centre", (-0.17, 0.20), 0.66), ("bottom", (0.30, 0.74), 0.58)):
        band = up[int(c + ya * b):int(c + yb * b), int(c - half_w * a):int(c + half_w * a)]
        if role == "bottom" and not has_title:
            continue
        if band.size and (band < 128).mean() > 0.01:
            out.append((role, to_bgr(trim(band))))
    return out


# a round seal's ring refitted (unwrap.ring_outline) is taken when it is slanted (axes at least OUTLINE_SLANT apart:
# refits of seals the circle fits well differ from it by 1-2 %, and that much only perturbs their reading) and stays
# close to the detector's circle: centre within OUTLINE_SHIFT of the radius, each axis within OUTLINE_AXES of it,
# and round (cfg.oval_aspect)
OUTLINE_SLANT = 1.05
OUTLINE_SHIFT = 0.15
OUTLINE_AXES = (0.85, 1.2)


def _round_outline(ink: np.ndarray, cx: float, cy: float, r: float,
                   cfg: SealConfig) -> tuple[float, float, float, float, float] | None:
    """The ring of a round seal photographed at a slant as the image shows it (:func:`ring_outline`, major axis
    first), or None when it is not found, not slanted, or strays from the detector's circle (centre, size or
    roundness)."""
    ring = ring_outline(ink, cx, cy, r)
    if ring is None:
        return None
    ex, ey, a, b, angle = ring
    a, b, angle = _normalise(a, b, angle)
    if a / b < OUTLINE_SLANT or a / b >= cfg.oval_aspect or math.hypot(ex - cx, ey - cy) > OUTLINE_SHIFT * r:
        return None
    if not all(OUTLINE_AXES[0] * r <= v <= OUTLINE_AXES[1] * r for v in (a, b)):
        return None
    return ex, ey, a, b, angle


def ring_inner_edge(ink: np.ndarray, cx: float, cy: float, a: float, b: float, angle: float, R: float) -> float:
    """Inward offset (pixels) where the ring ends and the text band begins, from the radial ink profile: the first
    offset past the ring's peak where ink falls below a third of it."""
    full = unwrap_band(ink, cx, cy, a + 0.03 * R, b + 0.03 * R, angle, 0.0, 2 * math.pi, 0.0, 0.3 * R)
    prof = (full < 128).mean(axis=1)
    if prof.size < 4:
        return 0.08 * R
    peak = int(np.argmax(prof[: max(2, int(0.66 * len(prof)))]))
    low = np.nonzero(prof[peak:] < prof[peak] / 3)[0]
    edge = (peak + int(low[0])) if low.size else int(0.4 * len(prof))
    return max(0.0, edge * (0.3 * R) / len(prof) - 0.03 * R + 0.01 * R)

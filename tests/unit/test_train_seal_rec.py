"""scripts/train_seal_rec.py's strips: the name vocabulary and the degradations, and a few strips end to end (the
strip saved is what the reader unrolls; its label is the name printed)."""

from __future__ import annotations

import json

import cv2
import numpy as np

from scripts.train_seal_rec import GB1, GB2, Names, make_strips


def test_trade_names_draw_level_2_characters_only_when_asked():
    plain = Names(np.random.default_rng(1)).trade(3000)
    assert set(plain) <= set(GB1)
    mixed = Names(np.random.default_rng(1), level2=0.3).trade(3000)
    share = sum(ch in GB2 for ch in mixed) / len(mixed)
    assert 0.27 < share < 0.33
    assert set(mixed) <= set(GB1) | set(GB2)


def test_default_trade_names_are_drawn_as_before_the_level_2_option():
    # the strips of a seed stay the same: the default draws one choice of n level-1 characters, as it always did
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    assert Names(a).trade(4) == "".join(b.choice(GB1, 4))
    assert a.random() == b.random()


def test_strips_are_unrolled_seal_names_with_their_labels(tmp_path):
    from scripts.synth import seal_shapes

    glyph = seal_shapes._glyph
    make_strips(tmp_path, seed=3, count=3, level2=0.5, variants="fax:1,photo:1")
    assert seal_shapes._glyph is glyph  # the strip fonts do not leak into the generator afterwards
    labels = [json.loads(line) for line in (tmp_path / "labels_3.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(labels) == 3
    for lab in labels:
        assert lab["variant"] in ("fax", "photo")
        strip = cv2.imread(str(tmp_path / "img" / lab["file"]))
        assert strip is not None and strip.shape[1] > 2 * strip.shape[0]  # a line along the rim, not a disc
        assert len(lab["text"]) >= 4


def test_average_is_the_mean_of_the_runs_weights_as_float16(tmp_path):
    import pytest

    from scripts.train_seal_rec import average

    np.savez(tmp_path / "a.npz", w=np.array([1.0, 2.0], np.float16), b=np.array([0.5], np.float16))
    np.savez(tmp_path / "b.npz", w=np.array([3.0, 2.5], np.float16), b=np.array([-0.5], np.float16))
    average([tmp_path / "a.npz", tmp_path / "b.npz"], tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as m:
        assert m["w"].dtype == np.float16 and m["w"].tolist() == [2.0, 2.25] and m["b"].tolist() == [0.0]
    np.savez(tmp_path / "c.npz", w=np.array([1.0, 2.0], np.float16))
    with pytest.raises(SystemExit, match="not the same tensors"):
        average([tmp_path / "a.npz", tmp_path / "c.npz"], tmp_path / "n.npz")


def test_glyph_strips_are_random_text_of_8_to_16_characters():
    from scripts.train_seal_rec import glyph_spec

    rng = np.random.default_rng(7)
    names = Names(rng, level2=0.6)
    texts = [glyph_spec(rng, names)[1] for _ in range(200)]
    assert min(map(len, texts)) == 8 and max(map(len, texts)) == 16
    share = sum(ch in GB2 for t in texts for ch in t) / sum(map(len, texts))
    assert 0.55 < share < 0.65
    spec, text = glyph_spec(rng, names)
    assert spec.owner == text and spec.type in ("official", "other", "contract") and spec.shape in ("round", "oval")


def test_repeat_shows_the_strips_of_the_seeds_named_n_times():
    from scripts.train_seal_rec import repeated

    strips = [{"file": "11_000000.png"}, {"file": "31_000000.png"}, {"file": "32_000001.png"}]
    files = [d["file"] for d in repeated(strips, {31: 3, 32: 2})]
    assert sorted(files) == ["11_000000.png"] + ["31_000000.png"] * 3 + ["32_000001.png"] * 2
    assert repeated(strips, {}) == strips

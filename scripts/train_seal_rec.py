"""Make the seal-name recogniser (models/seal_rec.npz): generated seal-name strips, then a CTC fine-tune of rapidocr's
PP-OCRv6 small recogniser on them. How it was run and what it measures: docs/seal_rec.md.

    python scripts/train_seal_rec.py strips /tmp/sealstrips --seed 11 --count 6000   # project venv
    python scripts/train_seal_rec.py strips /tmp/sealstrips --seed 12 --count 6000
    python scripts/train_seal_rec.py train /tmp/sealstrips models/seal_rec.npz --steps 700 --lr 1.5e-4  # + [train]

``strips``: a random seal (scripts/synth) with a random name is stamped on a patch of printed text, the patch is
scanned, photographed, greyed or faxed (scripts/synth/photo.py), our detector finds the seal and our reader unrolls its
rim (:func:`pipeline.seals.read.read_plan`): the strip saved is exactly what the recogniser is given at run time, and
its label is the name printed. The names are not the generator's: trade names are 2-4 random characters of GB2312
level 1 (the 3755 common hanzi), with regions of the whole country (pipeline/seals/names.py), a broad list of industry
words, and banks with random branches, so that the model learns glyphs, not the benchmark's names.

``train``: the recognition graph is converted to PyTorch (onnx2torch; the 2x2 SAME_UPPER convolutions given explicit
padding, the final softmax dropped), every float tensor is trained with CTC (AdamW, warm-up then cosine, batch
statistics frozen), and the trained tensors are saved as float16 (.npz), which the pipeline puts back into rapidocr's
original graph at load, so the model keeps its graph, inputs and character list and runs wherever the original runs. Needs ``pip install -e .[train]`` (torch,
onnx2torch) and about 30 minutes on 2 cores for 700 steps.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import random
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# the seal-name vocabulary that is not trade names (general knowledge, none of it from the benchmark's generator)
INDUSTRY = ("科技 信息技术 软件 网络科技 数字科技 智能科技 电子科技 电子 机械 精密机械 机电 自动化 设备 智能装备 新材料 材料 化工 "
            "医药 生物科技 医疗器械 环保科技 能源 新能源 光电科技 光电 半导体 仪器 仪表 五金制品 塑料制品 纺织 服饰 食品 贸易 商贸 "
            "国际贸易 进出口 物流 供应链管理 建筑工程 工程 装饰工程 建材 实业 投资 咨询 企业管理咨询 管理咨询 文化传媒 广告 传媒 教育科技 "
            "数据服务 云计算 工业互联网 通信技术 通讯 汽车零部件 汽车配件 模具 模具制造 印刷 包装 家具 电气 电器 照明 农业科技 "
            "检测技术 技术服务 信息科技 系统集成 计算机 机器人 航空科技 船舶 钢结构 金属制品 橡胶制品 陶瓷 纸业 餐饮管理 酒店管理 "
            "物业管理 人力资源 财务咨询 信息咨询 电子商务 网络技术 软件技术 智能制造 精密仪器 环境工程 水务 电力 热力").split()
FORMS = ["有限公司"] * 6 + ["股份有限公司"] * 3 + ["有限责任公司"] * 2 + ["集团有限公司", "科技有限公司"]
BANKS = ["中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "交通银行", "招商银行", "中信银行", "中国光大银行",
         "华夏银行", "中国民生银行", "广发银行", "平安银行", "兴业银行", "上海浦东发展银行", "浙商银行", "渤海银行",
         "中国邮政储蓄银行", "北京银行", "上海银行", "江苏银行", "宁波银行", "南京银行", "杭州银行"]
# printed words on the patch around the seal (a party line under the seal repeats its name, as on a contract)
PRINT = "甲方乙方（盖章）：法定代表人签字或盖章开户银行账号地址电话验收结论合同编号日期年月日本合同一式两份双方各执具有同等法律效力"
FAMILIES = ["serif_bold"] * 5 + ["serif", "sans_bold", "sans"]  # the name's font (the generator always uses serif_bold)
GB1 = [bytes([hi, lo]).decode("gb2312") for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF)
       if not (hi == 0xD7 and lo > 0xF9)]
GB2 = [bytes([hi, lo]).decode("gb2312") for hi in range(0xD8, 0xF8) for lo in range(0xA1, 0xFF)]  # level 2: 3008
VARIANTS = "clean:1,scan:2,photo:2,grey:1,fax:1"  # how a patch is degraded, with integer weights

SOURCE = "rapidocr-rec"  # the model fine-tuned (models/manifest.toml)
BATCH = 16


# ----------------------------------------------------------------------------------------------------------------------
# strips


class Names:
    def __init__(self, rng: np.random.Generator, level2: float = 0.0) -> None:
        from pipeline.seals import names as N

        self.rng, self.N = rng, N
        self.cities = N.CITIES + N.COUNTY_CITIES
        self.level2 = level2  # share of trade-name characters from GB2312 level 2 (鑫, 曜, 翊, ...)

    def trade(self, n: int) -> str:
        if not self.level2:
            return "".join(self.rng.choice(GB1, n))
        return "".join(str(self.rng.choice(GB2 if self.rng.random() < self.level2 else GB1)) for _ in range(n))

    def company(self) -> str:
        rng, N = self.rng, self.N
        r = rng.random()
        if r < 0.6:
            region = str(rng.choice(self.cities)) + "市"
        elif r < 0.75:
            region = str(rng.choice(N.PROVINCES)) + "省"
        elif r < 0.85:
            region = str(rng.choice(N.MUNICIPALITIES)) + "市"
        else:
            region = str(rng.choice(N.MUNICIPALITIES)) + "市" + str(rng.choice(N.DISTRICTS[:48])) + "区"
        n = int(rng.choice([2, 2, 2, 3, 4]))
        trade = self.trade(n)
        return region + trade + str(rng.choice(INDUSTRY)) + str(rng.choice(FORMS))

    def bank(self) -> str:
        rng, N = self.rng, self.N
        b = str(rng.choice(BANKS))
        if rng.random() < 0.3:
            b += "股份有限公司" if "中国" not in b[:2] or rng.random() < 0.5 else ""
        c = str(rng.choice(self.cities + N.MUNICIPALITIES))
        if rng.random() < 0.5:
            return b + c + str(rng.choice(N.DISTRICTS)) + "支行"
        return b + c + ("分行" if rng.random() < 0.5 else str(rng.choice(N.DISTRICTS)) + "支行")


# other registered names: individual businesses (个体工商户) and institutions, whose names end in other words
SHOPS = "商行 商店 经营部 百货商场 超市 酒吧 餐厅 饭店 门诊部 工作室 服务部 批发部 加工厂 便利店 药店 茶庄".split()
INSTITUTIONS = "医院 中学 小学 研究院 研究所 服务中心 事务所 律师事务所 会计师事务所 协会 合作社 专业合作社 图书馆 设计院".split()
SUPERVISION = "全国统一发票监制章"


def mixed_spec(rng: np.random.Generator, names: Names):
    """``--names mixed``: the supervision seal's title arc, names that are not companies', and random text (no
    structure to learn, only glyphs) besides company and bank names. Returns (spec, the arc's text)."""
    from scripts.synth.seals import SealSpec

    r = rng.random()
    if r < 0.15:
        region = str(rng.choice(names.N.PROVINCES + names.N.MUNICIPALITIES))
        owner = f"国家税务总局{region}{'省' if region in names.N.PROVINCES else '市'}税务局" if rng.random() < 0.7 \
            else f"{region}国家税务总局监制"
        return SealSpec("supervision", owner, "oval"), SUPERVISION
    if r < 0.4:
        return glyph_spec(rng, names, 4)
    if r < 0.55:
        place = str(rng.choice(names.cities)) + "市" + ("" if rng.random() < 0.5 else str(
            rng.choice(names.N.DISTRICTS)) + "区")
        trade = names.trade(int(rng.integers(2, 5)))
        text = place + trade + str(rng.choice(SHOPS + INSTITUTIONS))
        return SealSpec(str(rng.choice(["official", "invoice", "finance"])), text, "round" if rng.random() < 0.6
                        else "oval"), text
    spec = seal_spec(rng, names)
    return spec, spec.owner


def glyph_spec(rng: np.random.Generator, names: Names, shortest: int = 8):
    """Random characters round a seal, ``shortest`` to 16 of them: glyphs without a name's structure. ``--names
    glyphs`` is only these: 8 to 16 random characters, five times as many per strip as a company name's two to four
    trade-name characters, so rare characters are seen often. Returns (spec, the arc's text)."""
    from scripts.synth.seals import SealSpec

    text = names.trade(int(rng.integers(shortest, 17)))
    return SealSpec(str(rng.choice(["official", "other", "contract"])), text, "round" if rng.random() < 0.7
                    else "oval"), text


def seal_spec(rng: np.random.Generator, names: Names):
    from scripts.synth.seals import SealSpec

    if rng.random() < 0.12:
        return SealSpec("bank", names.bank(), "round" if rng.random() < 0.6 else "oval",
                        title=str(rng.choice(["电子回单专用章", "业务专用章", "转讫", "现金收讫", "受理专用章"])))
    owner = names.company()
    t = rng.choice(["official"] * 5 + ["finance"] * 2 + ["contract"] * 2 + ["invoice"] * 2)
    code = "".join(str(d) for d in rng.integers(0, 10, 13)) if rng.random() < 0.5 else None
    if t == "invoice":
        code = "91" + "".join(str(d) for d in rng.integers(0, 10, 6)) + "MA" + "".join(
            rng.choice(list("0123456789ABCDEFGHJKLMNPQRTUWXY"), 8))
        return SealSpec("invoice", owner, "oval" if rng.random() < 0.85 else "round", code=code)
    if t == "contract" and rng.random() < 0.3:
        return SealSpec("contract", owner, "oval", code=code)
    return SealSpec(str(t), owner, "round", code=code)


def print_patch(rng: np.random.Generator, w: int, h: int, owner: str, dpi: float) -> np.ndarray:
    from PIL import Image, ImageDraw

    from scripts.synth.fonts import get_font

    bg = np.array([255, 255, 255], np.float32) - rng.uniform(0, 12, 3)
    img = Image.fromarray(np.clip(np.ones((h, w, 3)) * bg, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    em = int(dpi / 72 * rng.uniform(9, 12))
    font = get_font(str(rng.choice(["serif", "sans", "serif_bold"])), em)
    y = int(rng.uniform(0, em))
    while y < h:
        if rng.random() < 0.65:
            if rng.random() < 0.35:
                txt = "".join(rng.choice(list(PRINT), 3)) + "（盖章）：" + owner
            else:
                txt = "".join(rng.choice(list(PRINT + "".join(rng.choice(GB1, 20))), int(rng.integers(5, 30))))
            d.text((int(rng.uniform(-em * 4, em * 2)), y), txt, font=font, fill=(20, 20, 20))
        y += int(em * rng.uniform(1.6, 2.4))
    if rng.random() < 0.3:  # a table rule through the seal
        yy = int(rng.uniform(0.2, 0.8) * h)
        d.line([(0, yy), (w, yy)], fill=(40, 40, 40), width=max(1, em // 10))
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def make_strips(out: Path, seed: int, count: int, kind: str = "company", level2: float = 0.0,
                variants: str = VARIANTS) -> None:
    from pipeline.seals import SealConfig, SealDetector
    from pipeline.seals.read import read_plan
    from scripts.synth import photo, seal_shapes
    from scripts.synth import seals as synth_seals
    from scripts.synth.model import Rendered

    (out / "img").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = Names(rng, level2)
    ways = [name for name, w in (v.split(":") for v in variants.split(",")) for _ in range(int(w))]
    family = ["serif_bold"]
    glyph = seal_shapes._glyph
    seal_shapes._glyph = lambda ch, fam, em, xscale=1.0: glyph(ch, family[0] if fam == "serif_bold" else fam, em, xscale)
    try:  # the generator's glyphs drawn in the strip's font, for this call only
        det, cfg = SealDetector(SealConfig()), SealConfig()
        labels, made, tried = [], 0, 0
        while made < count:
            tried += 1
            if kind == "mixed":
                spec, text = mixed_spec(rng, names)
            elif kind == "glyphs":
                spec, text = glyph_spec(rng, names)
            else:
                spec, text = seal_spec(rng, names), None
            text = text or spec.owner
            family[0] = str(rng.choice(FAMILIES))
            dpi = float(rng.choice([150, 200, 200, 300]))
            seal = synth_seals.render_seal(spec, dpi, rng)
            sh, sw = seal.shape[:2]
            W, H = int(sw * rng.uniform(1.5, 2.2)), int(sh * rng.uniform(1.5, 2.2))
            page = print_patch(rng, W, H, spec.owner, dpi)
            centre = (W / 2 + rng.uniform(-0.1, 0.1) * W, H / 2 + rng.uniform(-0.1, 0.1) * H)
            page, box = synth_seals.stamp(page, seal, centre, rng)
            doc = Rendered(dpi=dpi, pages=[page], pdf=None, page_sizes=[(W, H)], field_boxes={},
                           seals=[{"bbox": box, "page": 0}], cross_page_seals=[])
            variant = rng.choice(ways)
            if variant in ("scan", "grey"):
                doc = photo.scanned(doc, rng)
            if variant == "photo":
                doc = photo.photographed(doc, rng, size=(int(W * 1.15), int(H * 1.15)))
                q = int(rng.integers(70, 93))
                jpg = cv2.imencode(".jpg", doc.pages[0], [cv2.IMWRITE_JPEG_QUALITY, q])[1]
                doc = dataclasses.replace(doc, pages=[cv2.imdecode(jpg, 1)])
            if variant == "grey":
                doc = photo.greyscale(doc, rng)
            if variant == "fax":
                doc = photo.faxed(doc, rng)
            img = doc.pages[0]
            gb = doc.seals[0]["bbox"] if doc.seals and doc.seals[0].get("bbox") else box

            def overlap(cd) -> float:
                b = cd.bbox
                ix = max(0, min(b.x1, gb[2]) - max(b.x0, gb[0]))
                iy = max(0, min(b.y1, gb[3]) - max(b.y0, gb[1]))
                return ix * iy / max(1, (b.x1 - b.x0) * (b.y1 - b.y0) + (gb[2] - gb[0]) * (gb[3] - gb[1]) - ix * iy)

            best = max((cd for cd in det(img, 0, dpi) if not cd.cross_page), key=overlap, default=None)
            if best is None or overlap(best) < 0.5 or best.shape.value == "square":
                continue
            plan = read_plan(img, best, cfg)
            arc = [im for role, im in (plan.lines if plan else []) if role == "arc"]
            if not arc:
                continue
            name = f"{seed}_{made:06d}.png"
            cv2.imwrite(str(out / "img" / name), arc[0])
            labels.append({"file": name, "text": text, "variant": str(variant), "type": spec.type,
                           "shape": spec.shape})
            made += 1
            if made % 200 == 0:
                print(made, tried, flush=True)
    finally:
        seal_shapes._glyph = glyph
    (out / f"labels_{seed}.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in labels),
                                              encoding="utf-8")
    print("made", made, "tried", tried)


# ----------------------------------------------------------------------------------------------------------------------
# training


def blob(crops: list[np.ndarray]) -> np.ndarray:
    """A batch as the reader gives name strips to the recogniser (48 rows, width by aspect, right-padded)."""
    from pipeline.ocr.ppocr import rec_blob

    return rec_blob(crops)


def trainable(model):
    """The graph as a torch module on logits, and {ONNX initializer name: torch tensor} for every float tensor of it
    (module weights by their node's inputs; onnx2torch's other initializers, one buffer per use in node order, made
    parameters, one shared parameter per ONNX initializer)."""
    import onnx
    import torch
    from onnx2torch import convert

    m = onnx.ModelProto()
    m.CopyFrom(model)
    for n in m.graph.node:
        for a in list(n.attribute):
            if a.name == "auto_pad" and a.s == b"SAME_UPPER":
                assert list(next(x for x in n.attribute if x.name == "kernel_shape").ints) == [2, 2]
                n.attribute.remove(a)
                n.attribute.append(onnx.helper.make_attribute("pads", [0, 0, 1, 1]))
    last = m.graph.node[-1]
    assert last.op_type == "Softmax", last.op_type
    m.graph.node.remove(last)
    del m.graph.output[:]
    m.graph.output.append(onnx.helper.make_tensor_value_info(last.input[0], onnx.TensorProto.FLOAT, None))
    net = convert(m, attach_onnx_mapping=True)
    init = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
    nodes = {n.name: n for n in m.graph.node}
    tied: dict = {}
    k = 0
    for name, mod in net.named_children():
        if name == "initializers":
            continue
        for v in mod.onnx_mapping.inputs:
            if v in init:
                bname = f"onnx_initializer_{k}"
                k += 1
                buf = getattr(net.initializers, bname)
                assert np.array_equal(buf.numpy(), init[v]), (bname, v)
                if buf.dtype == torch.float32 and buf.numel() > 1:
                    p = tied.setdefault(v, torch.nn.Parameter(buf.clone()))
                    delattr(net.initializers, bname)
                    net.initializers.register_parameter(bname, p)
        node = nodes[name.replace("/", ".")]
        if isinstance(mod, torch.nn.Sequential):  # explicit padding + the convolution or pool
            inner = [c for c in mod if isinstance(c, torch.nn.Conv2d)]
            mod = inner[0] if inner else mod
        if isinstance(mod, torch.nn.Conv2d):
            pairs = [("weight", node.input[1])] + ([("bias", node.input[2])] if len(node.input) > 2 else [])
        elif isinstance(mod, torch.nn.BatchNorm2d):
            pairs = [("weight", node.input[1]), ("bias", node.input[2]), ("running_mean", node.input[3]),
                     ("running_var", node.input[4])]
        else:
            assert not list(mod.named_parameters()), (name, type(mod))
            pairs = []
        for pn, iname in pairs:
            t = getattr(mod, pn)
            assert np.array_equal(t.detach().numpy(), init[iname]), (name, pn, iname)
            tied.setdefault(iname, t)
    return net, tied, init


def repeated(strips: list[dict], repeat: dict[int, int]) -> list[dict]:
    """The strips with those of each seed in ``repeat`` n times over (``train --repeat seed:n``): the new strips of a
    run that goes on from earlier weights, so that they are not drowned by the strips those weights were trained on.
    A strip's seed is its file name's prefix (``31_000123.png``)."""
    return strips + [d for d in strips for _ in range(repeat.get(int(d["file"].split("_")[0]), 1) - 1)]


def train(data: Path, out: Path, steps: int, lr_max: float, init_from: Path | None = None,
          val_seeds: tuple[int, ...] = (), repeat: dict[int, int] | None = None) -> None:
    import onnx
    import onnxruntime as ort
    import torch

    from pipeline.models import resolve_model

    torch.set_num_threads(2)
    from pipeline.seals.recogniser import tuned_graph

    src = onnx.load(str(resolve_model(SOURCE))) if init_from is None else onnx.load_from_string(
        tuned_graph(resolve_model(SOURCE), init_from))
    chars = {p.key: p.value for p in src.metadata_props}["character"]
    charset = ("",) + tuple(chars.splitlines()) + (" ",)
    index = {c: i for i, c in enumerate(charset) if c}
    net, tied, init = trainable(src)
    print("trainable tensors", len(tied), "elements", sum(t.numel() for t in tied.values()), "of",
          sum(v.size for v in init.values()), flush=True)

    recs = []
    for lab in sorted(data.glob("labels_*.jsonl")):
        for line in lab.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            if all(ch in index for ch in d["text"]):
                recs.append(d)
    random.seed(0)
    random.shuffle(recs)
    # held back: 300 strips, of the seeds named (strips the weights started from never saw) or of all
    pool = [d for d in recs if not val_seeds or int(d["file"].split("_")[0]) in val_seeds]
    val = pool[:min(300, len(pool) // 5)]
    held = {d["file"] for d in val}
    train_set = [d for d in recs if d["file"] not in held]
    train_set = repeated(train_set, repeat or {})
    print("train", len(train_set), "val", len(val), flush=True)
    images: dict[str, np.ndarray] = {}

    def img(d):
        if d["file"] not in images:
            images[d["file"]] = cv2.imread(str(data / "img" / d["file"]))
        return images[d["file"]]

    def batches(rs):  # by width, so that padding stays small
        rs = sorted(rs, key=lambda d: img(d).shape[1] / img(d).shape[0])
        bs = [rs[i:i + BATCH] for i in range(0, len(rs), BATCH)]
        random.shuffle(bs)
        return bs

    def greedy(logits):
        outs = []
        for row in logits.argmax(-1).numpy():
            prev, s = 0, []
            for k in row:
                if k != prev and k != 0:
                    s.append(charset[k])
                prev = k
            outs.append("".join(s))
        return outs

    def evaluate():  # exact share of the held-back strips, and per degradation
        net.eval()
        per: dict[str, list[int]] = {}
        with torch.no_grad():
            for i in range(0, len(val), BATCH):
                bb = val[i:i + BATCH]
                for p, d in zip(greedy(net(torch.from_numpy(blob([img(d) for d in bb])))), bb):
                    per.setdefault(d["variant"], [0, 0])
                    per[d["variant"]][0] += p == d["text"]
                    per[d["variant"]][1] += 1
        ok = sum(a for a, _ in per.values())
        return f"{ok / len(val):.3f} (" + " ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(per.items())) + ")"

    def set_train():
        net.train()
        for mod in net.modules():  # batch statistics stay as trained (batches of 16)
            if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
                mod.eval()

    print("val exact before", evaluate(), flush=True)
    opt = torch.optim.AdamW(net.parameters(), lr=lr_max, weight_decay=1e-4)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    step, t0, losses = 0, time.time(), []
    set_train()
    while step < steps:
        for bb in batches(train_set):
            lp = net(torch.from_numpy(blob([img(d) for d in bb]))).log_softmax(-1).permute(1, 0, 2)
            tg = torch.tensor([index[c] for d in bb for c in d["text"]], dtype=torch.long)
            tl = torch.tensor([len(d["text"]) for d in bb], dtype=torch.long)
            il = torch.full((len(bb),), lp.shape[0], dtype=torch.long)
            lr = lr_max * min(1.0, (step + 1) / 50) * 0.5 * (1 + math.cos(math.pi * step / steps))
            for g in opt.param_groups:
                g["lr"] = lr
            loss = ctc(lp, tg, il, tl)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            losses.append(loss.item())
            step += 1
            if step % 50 == 0:
                print(f"step {step} loss {np.mean(losses[-50:]):.3f} lr {lr:.2e} {time.time() - t0:.0f}s", flush=True)
            if step % 250 == 0 or step == steps:
                print("val exact", evaluate(), flush=True)
                set_train()
            if step >= steps:
                break
    net.eval()
    # the shipped form: the trained tensors as float16, put back into the original graph at load (its softmax,
    # padding and character list unchanged; pipeline/seals/recogniser.py)
    from pipeline.seals.recogniser import tuned_graph

    base = {i.name: onnx.numpy_helper.to_array(i) for i in onnx.load(str(resolve_model(SOURCE))).graph.initializer}
    weights = {name: t.detach().numpy().astype(np.float16) for name, t in tied.items()
               if not np.array_equal(t.detach().numpy(), base[name])}
    np.savez_compressed(out, **weights)
    sess = ort.InferenceSession(tuned_graph(resolve_model(SOURCE), out), providers=["CPUExecutionProvider"])
    worst = 0.0
    for d in val[:8]:
        x = blob([img(d)])
        ref = torch.softmax(net(torch.from_numpy(x)), -1).detach().numpy()
        worst = max(worst, float(np.abs(sess.run(None, {"x": x})[0] - ref).max()))
    print(f"{out}: {len(weights)} tensors; onnxruntime (float16 weights) vs torch, largest difference {worst:.2e}")


def average(inputs: list[Path], out: Path) -> None:
    """The mean of several runs' weights (.npz written by ``train``, the same tensors), as float16. For runs that
    went on from one another, like checkpoints of one run: the mean of runs 2 and 3 is the shipped model
    (docs/seal_rec.md)."""
    runs = [np.load(p) for p in inputs]
    names = set(runs[0].files)
    for p, r in zip(inputs, runs):
        if set(r.files) != names:
            raise SystemExit(f"{p}: not the same tensors as {inputs[0]}")
    np.savez_compressed(out, **{k: (sum(r[k].astype(np.float32) for r in runs) / len(runs)).astype(np.float16)
                                for k in sorted(names)})
    print(f"{out}: the mean of {len(runs)} runs, {len(names)} tensors")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("strips", help="generate (strip, name) pairs")
    s.add_argument("out", type=Path)
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--names", choices=("company", "mixed", "glyphs"), default="company",
                   help="company: company and bank names; mixed: also supervision titles, shops and institutions, "
                        "random text; glyphs: random text only, 8 to 16 characters (with --level2, to show rare "
                        "characters often)")
    s.add_argument("--level2", type=float, default=0.0,
                   help="share of trade-name characters drawn from GB2312 level 2 (default: level 1 only)")
    s.add_argument("--variants", default=VARIANTS,
                   help=f"degradations with integer weights (default {VARIANTS})")
    t = sub.add_parser("train", help="fine-tune on the strips of a folder, write the ONNX model")
    t.add_argument("data", type=Path)
    t.add_argument("out", type=Path)
    t.add_argument("--steps", type=int, default=700)
    t.add_argument("--lr", type=float, default=1.5e-4)
    t.add_argument("--init", type=Path, default=None,
                   help="go on from these weights (.npz written by train; default: rapidocr's recogniser)")
    t.add_argument("--val-seeds", default="",
                   help="hold back strips of these seeds only (comma-separated; default: of all), e.g. the seeds "
                        "added since the --init weights were trained")
    t.add_argument("--repeat", default="",
                   help="seed:n pairs, comma-separated: show the strips of these seeds n times per pass")
    a = sub.add_parser("average", help="average the weights of several runs (.npz) into one")
    a.add_argument("inputs", type=Path, nargs="+")
    a.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "average":
        average(args.inputs, args.out)
    elif args.cmd == "strips":
        make_strips(args.out, args.seed, args.count, args.names, args.level2, args.variants)
    else:
        train(args.data, args.out, args.steps, args.lr, args.init,
              tuple(int(x) for x in args.val_seeds.split(",") if x),
              {int(k): int(n) for k, n in (x.split(":") for x in args.repeat.split(",") if x)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

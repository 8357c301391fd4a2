"""A dense A4 page of a Chinese technical-service contract, rendered with PIL and Noto CJK, with its ground truth.

    python -m scripts.synth.text_page --out fixtures/ocr        # writes the committed OCR fixtures

:func:`render_contract_page` is deterministic for a seed: the same seed gives the same pixels and the same lines.
Ground truth is one :class:`GtLine` per drawn text run (its text and tight pixel box) plus the key values
(party names, amounts, dates, tax ids) that tests look for.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .common import amount_upper

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
SC_INDEX = 2  # Simplified Chinese face inside the Noto CJK collections
A4_INCHES = (8.27, 11.69)

COMPANIES = ["北京智造云科技有限公司", "上海启明数字科技有限公司", "杭州云栖信息技术有限公司", "深圳前海数联科技有限公司",
             "苏州工业园区精工智能装备有限公司", "成都天府软件服务有限公司", "南京紫金数据科技有限公司",
             "广州越秀智能制造有限公司", "武汉光谷云智信息技术有限公司", "宁波甬江新材料股份有限公司"]
ADDRESSES = ["北京市海淀区中关村大街27号8层801室", "上海市浦东新区张江路665号3幢502室", "杭州市西湖区文三路478号华星时代广场A座1206室",
             "深圳市前海深港合作区前湾一路1号A栋201室", "苏州工业园区星湖街328号创意产业园12栋", "成都市高新区天府大道中段1268号2栋15楼",
             "南京市玄武区玄武大道699-22号江苏软件园", "广州市越秀区东风中路437号越秀城市广场南塔28楼"]
PEOPLE = ["张伟", "李娜", "王强", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周杰", "吴霞", "孙浩", "马丽"]
BANKS = ["中国工商银行北京海淀支行", "招商银行上海张江支行", "中国建设银行杭州西湖支行", "中国银行深圳前海分行",
         "交通银行苏州工业园区支行", "中国农业银行成都高新支行"]
SERVICES = ["工业互联网平台部署与运维", "生产制造执行系统（MES）实施", "设备数据采集与边缘计算", "企业资源计划（ERP）系统升级",
            "数字化车间改造咨询", "供应链协同管理平台建设", "质量追溯系统开发"]
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # unified social credit code alphabet


def _money(x: float) -> str:
    return f"{x:,.2f}"


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _credit_code(rng: random.Random) -> str:
    region = "".join(rng.choice("0123456789") for _ in range(6))
    return "91" + region + "".join(rng.choice(CODE_CHARS) for _ in range(10))


@dataclass(frozen=True)
class ContractSpec:
    """The variable parts of a contract page."""

    contract_no: str
    party_a: str
    party_b: str
    a_address: str
    b_address: str
    a_tax_id: str
    b_tax_id: str
    a_person: str
    b_person: str
    b_bank: str
    b_account: str
    service: str
    amount: float
    sign_date: date


def random_spec(rng: random.Random) -> ContractSpec:
    a, b = rng.sample(COMPANIES, 2)
    sign = date(2023, 1, 1) + timedelta(days=rng.randrange(700))
    return ContractSpec(
        contract_no=f"JSFW-{sign.year}-{rng.randrange(1, 999):03d}", party_a=a, party_b=b,
        a_address=rng.choice(ADDRESSES), b_address=rng.choice(ADDRESSES),
        a_tax_id=_credit_code(rng), b_tax_id=_credit_code(rng),
        a_person=rng.choice(PEOPLE), b_person=rng.choice(PEOPLE),
        b_bank=rng.choice(BANKS), b_account="".join(rng.choice("0123456789") for _ in range(19)),
        service=rng.choice(SERVICES), amount=rng.randrange(10, 300) * 10000.0, sign_date=sign,
    )


def contract_paragraphs(s: ContractSpec) -> list[tuple[str, str]]:
    """(style, text) paragraphs of the contract; style is 'title', 'right', 'head' or 'body'."""
    net = round(s.amount / 1.06, 2)
    start = s.sign_date + timedelta(days=10)
    end = start + timedelta(days=365)
    golive = start + timedelta(days=120)
    return [
        ("title", "技术服务合同"),
        ("right", f"合同编号：{s.contract_no}"),
        ("body", f"甲方（委托方）：{s.party_a}"),
        ("body", f"统一社会信用代码：{s.a_tax_id}    法定代表人：{s.a_person}"),
        ("body", f"住所：{s.a_address}"),
        ("body", f"乙方（受托方）：{s.party_b}"),
        ("body", f"统一社会信用代码：{s.b_tax_id}    法定代表人：{s.b_person}"),
        ("body", f"住所：{s.b_address}"),
        ("body", f"开户银行：{s.b_bank}    账号：{s.b_account}"),
        ("body", "甲乙双方根据《中华人民共和国民法典》及有关法律法规的规定，本着平等自愿、诚实信用的原则，经友好协商，"
                 f"就甲方委托乙方提供{s.service}技术服务事宜，达成如下协议，以资共同遵守。"),
        ("head", "第一条 服务内容"),
        ("body", f"乙方为甲方提供{s.service}技术服务，包括需求调研、方案设计、系统部署、数据迁移、人员培训及上线后十二个月的"
                 "运行维护。具体服务范围以本合同附件一《技术服务需求说明书》为准。"),
        ("head", "第二条 服务期限"),
        ("body", f"服务期限自{_cn_date(start)}起至{_cn_date(end)}止。乙方应于{_cn_date(golive)}前完成系统上线，"
                 "并向甲方提交阶段验收报告及全部技术文档。"),
        ("head", "第三条 合同金额"),
        ("body", f"本合同总金额为人民币{amount_upper(s.amount)}（¥{_money(s.amount)}），其中不含税金额为¥{_money(net)}，"
                 f"增值税税额为¥{_money(s.amount - net)}，税率为6%。上述金额已包含乙方完成本合同项下全部服务的一切费用。"),
        ("head", "第四条 付款方式"),
        ("body", f"合同签订后十个工作日内，甲方向乙方支付合同总金额的30%，即¥{_money(s.amount * 0.3)}；系统上线并经甲方验收"
                 f"合格后十个工作日内，支付合同总金额的60%，即¥{_money(s.amount * 0.6)}；剩余10%作为质量保证金，"
                 "于质保期满且无质量问题后一次性支付。甲方以银行转账方式将款项汇入乙方上述账户。"),
        ("head", "第五条 发票"),
        ("body", f"乙方应在每次收款前向甲方开具等额的增值税专用发票，发票抬头为{s.party_a}，纳税人识别号为{s.a_tax_id}。"
                 "乙方未按约定开具发票的，甲方有权顺延付款且不承担违约责任。"),
        ("head", "第六条 验收"),
        ("body", "系统上线运行满三十日后，乙方书面提请验收，甲方应在收到验收申请后十五个工作日内组织验收并出具验收报告。"
                 "验收不合格的，乙方应在十个工作日内整改完毕并重新提请验收。"),
        ("head", "第七条 知识产权与保密"),
        ("body", "乙方为履行本合同所开发的软件及文档，其著作权归甲方所有。双方对在合作中知悉的对方商业秘密负有保密义务，"
                 "保密期限自本合同签订之日起至相关信息公开之日止，不因合同终止而失效。"),
        ("head", "第八条 违约责任"),
        ("body", "任何一方违反本合同约定的，应向守约方支付合同总金额20%的违约金；甲方逾期付款的，每逾期一日按应付未付金额的"
                 "0.05%支付滞纳金；乙方逾期交付的，每逾期一日按合同总金额的0.05%支付违约金。"),
        ("head", "第九条 争议解决"),
        ("body", "因本合同引起的或与本合同有关的任何争议，双方应友好协商解决；协商不成的，任何一方均可向甲方所在地有管辖权的"
                 "人民法院提起诉讼。"),
        ("head", "第十条 其他"),
        ("body", f"本合同一式肆份，甲乙双方各执贰份，具有同等法律效力，自双方签字盖章之日起生效。签订日期：{_cn_date(s.sign_date)}。"),
        ("body", f"甲方（盖章）：{s.party_a}"),
        ("body", f"乙方（盖章）：{s.party_b}"),
    ]


@dataclass(frozen=True)
class GtLine:
    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in page pixels


@dataclass
class TextPage:
    image: Image.Image  # RGB
    lines: list[GtLine]
    keys: dict[str, str]
    dpi: int
    seed: int
    spec: ContractSpec | None = None
    extra: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def bgr(self) -> np.ndarray:
        return np.ascontiguousarray(np.asarray(self.image.convert("RGB"))[:, :, ::-1])


_NO_LINE_START = set("，。；：、）》”%")


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float, first_indent: float) -> list[tuple[str, float]]:
    """Greedy character wrap; returns (line, indent). A closing punctuation mark never starts a line."""
    lines, cur, indent = [], "", first_indent
    for ch in text:
        if cur and font.getlength(cur + ch) > width - indent and ch not in _NO_LINE_START:
            lines.append((cur, indent))
            cur, indent = "", 0.0
        cur += ch
    if cur:
        lines.append((cur, indent))
    return lines


def _font(bold: bool, serif: bool, px: int) -> ImageFont.FreeTypeFont:
    name = f"Noto{'Serif' if serif else 'Sans'}CJK-{'Bold' if bold else 'Regular'}.ttc"
    return ImageFont.truetype(str(FONT_DIR / name), px, index=SC_INDEX)


def render_contract_page(seed: int = 0, dpi: int = 200, spec: ContractSpec | None = None,
                         font_pt: float = 10.5, line_spacing: float = 1.4) -> TextPage:
    """Render page 1 of a technical-service contract; text stops at the bottom margin like a real first page."""
    rng = random.Random(seed)
    spec = spec or random_spec(rng)
    width, height = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    px = lambda pt: max(6, round(pt / 72 * dpi))  # noqa: E731
    margin_x, margin_top, margin_bottom = round(0.98 * dpi), round(0.9 * dpi), round(0.9 * dpi)
    body, head, title = _font(False, True, px(font_pt)), _font(True, False, px(font_pt)), _font(True, False, px(18))
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    lines: list[GtLine] = []
    text_w = width - 2 * margin_x
    step = round(px(font_pt) * line_spacing)
    y = margin_top

    def put(x: float, text: str, font) -> None:
        x0, y0, x1, y1 = draw.textbbox((x, y), text, font=font)
        draw.text((x, y), text, font=font, fill=(20, 20, 20))
        lines.append(GtLine(text, (int(x0), int(y0), int(x1), int(y1))))

    for style, para in contract_paragraphs(spec):
        if style == "title":
            put(margin_x + (text_w - title.getlength(para)) / 2, para, title)
            y += round(px(18) * 1.8)
            continue
        if style == "right":
            put(margin_x + text_w - body.getlength(para), para, body)
            y += step
            continue
        font = head if style == "head" else body
        indent = 2 * px(font_pt) if style == "body" and para.startswith(("甲乙", "乙方为", "服务", "本合同", "合同",
                                                                         "系统", "任何", "因本", "乙方应")) else 0
        for line, ind in _wrap(para, font, text_w, indent):
            if y + step > height - margin_bottom:
                break
            put(margin_x + ind, line, font)
            y += step
    footer = "第 1 页 共 3 页"
    y = height - margin_bottom + step // 2
    put(margin_x + (text_w - body.getlength(footer)) / 2, footer, body)
    keys = {"party_a": spec.party_a, "party_b": spec.party_b, "amount_upper": amount_upper(spec.amount),
            "amount": f"¥{_money(spec.amount)}", "a_tax_id": spec.a_tax_id, "contract_no": spec.contract_no,
            "start_date": _cn_date(spec.sign_date + timedelta(days=10))}
    return TextPage(image=image, lines=lines, keys=keys, dpi=dpi, seed=seed, spec=spec)


def ground_truth(page: TextPage, image_name: str, polygons: list | None = None) -> dict:
    out = {"image": image_name, "seed": page.seed, "dpi": page.dpi, "width": page.image.width,
           "height": page.image.height, "keys": page.keys, "extra": page.extra, "lines": []}
    for i, line in enumerate(page.lines):
        entry = {"text": line.text, "box": list(line.box)}
        if polygons is not None:
            entry["polygon"] = [[round(x, 1), round(y, 1)] for x, y in polygons[i]]
        out["lines"].append(entry)
    return out


def write_fixtures(out: Path, dpi: int = 200) -> list[Path]:
    """The committed OCR fixtures: a clean contract page (PNG) and a scanner-degraded one (JPEG), with ground truth."""
    from scripts.synth.degrade import degrade, map_points

    out.mkdir(parents=True, exist_ok=True)
    spec = replace(random_spec(random.Random(0)), contract_no="JSFW-2024-037", party_a="北京智造云科技有限公司",
                   amount=1_200_000.0, sign_date=date(2024, 2, 24))
    written = []
    clean = render_contract_page(seed=0, dpi=dpi, spec=spec)
    name = f"contract_clean_{dpi}dpi.png"
    clean.image.convert("L").quantize(16, dither=Image.Dither.NONE).save(out / name, optimize=True)
    written += [out / name, out / f"contract_clean_{dpi}dpi.json"]
    written[-1].write_text(json.dumps(ground_truth(clean, name), ensure_ascii=False, indent=1), encoding="utf-8")

    noisy = render_contract_page(seed=1, dpi=dpi)
    result = degrade(noisy.bgr(), seed=1, apply_jpeg=False)
    noisy.extra = {"degradations": asdict(result.params)}
    name = f"contract_degraded_{dpi}dpi.jpg"
    Image.fromarray(result.image[:, :, ::-1]).save(out / name, quality=result.params.jpeg_quality)
    polys = [map_points(result.matrix, [(l.box[0], l.box[1]), (l.box[2], l.box[1]), (l.box[2], l.box[3]),
                                         (l.box[0], l.box[3])]) for l in noisy.lines]
    written += [out / name, out / f"contract_degraded_{dpi}dpi.json"]
    written[-1].write_text(json.dumps(ground_truth(noisy, name, polys), ensure_ascii=False, indent=1), encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("fixtures/ocr"))
    parser.add_argument("--dpi", type=int, default=200)
    args = parser.parse_args(argv)
    for path in write_fixtures(args.out, args.dpi):
        print(f"{path}  {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()

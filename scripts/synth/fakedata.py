"""Fictional but well-formed parties: company names (random combinations of region, trade name and industry, not taken
from any register), valid unified social credit codes, legal representatives, addresses, bank branches and account
numbers with each bank's usual length, and catalogues of digitalisation products.

All draws come from the numpy Generator passed in, so a party is deterministic for a generator state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import make_uscc

# city, USCC division code, district list, invoice region (for 监制章), phone area code
CITIES = [
    ("深圳市", "440300", ["南山区", "福田区", "宝安区", "龙岗区", "龙华区"], "深圳", "0755"),
    ("北京市", "110108", ["海淀区", "朝阳区", "丰台区", "大兴区"], "北京", "010"),
    ("上海市", "310115", ["浦东新区", "闵行区", "徐汇区", "嘉定区"], "上海", "021"),
    ("广州市", "440106", ["天河区", "黄埔区", "番禺区", "白云区"], "广东", "020"),
    ("杭州市", "330106", ["西湖区", "滨江区", "余杭区", "萧山区"], "浙江", "0571"),
    ("苏州市", "320506", ["工业园区", "吴中区", "相城区", "高新区"], "江苏", "0512"),
    ("成都市", "510107", ["武侯区", "高新区", "锦江区", "双流区"], "四川", "028"),
    ("东莞市", "441900", ["松山湖", "长安镇", "塘厦镇", "虎门镇"], "广东", "0769"),
    ("武汉市", "420111", ["洪山区", "江夏区", "东湖高新区"], "湖北", "027"),
]
PROVINCE_BUREAU = {"深圳": "深圳市", "北京": "北京市", "上海": "上海市", "广东": "广东省", "浙江": "浙江省", "江苏": "江苏省",
                   "四川": "四川省", "湖北": "湖北省"}

_TRADE = sorted(set("云帆启明澜舟恒拓鼎泰睿驰瀚海星辰智远博雅华锐川峻岭泓源嘉禾景曜宏图卓越凌峰瑞祥德润铭纳天衡达晟"))
_INDUSTRY_BUYER = ["精密机械", "电子科技", "智能装备", "半导体", "机器人", "新材料", "精密仪器", "模具制造", "五金制品", "光电科技"]
_INDUSTRY_SELLER = ["信息技术", "软件", "数字科技", "网络科技", "智能科技", "工业互联网", "数据服务", "云计算"]
_SUFFIX = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]
_STREETS = ["科技园南路", "高新中一道", "创业路", "工业大道", "学府路", "科苑大道", "滨海大道", "东环路", "星湖街", "园区大道"]

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华慧建国玉兰志红梅鹏辉晓峰宇浩婷雪琳子涵博文思远嘉欣俊凯永健海燕")

# bank, short name (回单抬头), typical corporate account length
BANKS = [
    ("中国工商银行股份有限公司", "中国工商银行", 19),
    ("中国建设银行股份有限公司", "中国建设银行", 20),
    ("中国农业银行股份有限公司", "中国农业银行", 17),
    ("中国银行股份有限公司", "中国银行", 12),
    ("招商银行股份有限公司", "招商银行", 15),
    ("交通银行股份有限公司", "交通银行", 21),
    ("兴业银行股份有限公司", "兴业银行", 18),
    ("上海浦东发展银行股份有限公司", "浦发银行", 17),
]


@dataclass(frozen=True)
class BankAccount:
    bank: str  # full branch name as printed, e.g. 中国工商银行股份有限公司深圳南山支行
    bank_short: str  # 中国工商银行
    account: str  # digits only


@dataclass(frozen=True)
class Company:
    name: str
    tax_id: str
    legal_rep: str
    address: str
    phone: str
    account: BankAccount
    city: str
    region: str  # invoice region, e.g. 深圳 / 广东
    seal_code: str  # 13-digit seal filing number printed on the official seal


def person_name(rng: np.random.Generator) -> str:
    n = 1 if rng.random() < 0.3 else 2
    return str(rng.choice(SURNAMES)) + "".join(str(rng.choice(GIVEN)) for _ in range(n))


def digits(rng: np.random.Generator, n: int, first_nonzero: bool = True) -> str:
    s = "".join(str(d) for d in rng.integers(0, 10, n))
    if first_nonzero and s[0] == "0":
        s = str(rng.integers(1, 10)) + s[1:]
    return s


def bank_account(rng: np.random.Generator, city: str, district: str, bank_index: int | None = None) -> BankAccount:
    full, short, length = BANKS[int(rng.integers(0, len(BANKS))) if bank_index is None else bank_index]
    branch_city = city.removesuffix("市")
    branch = f"{full}{branch_city}{district.removesuffix('区').removesuffix('镇')}支行"
    return BankAccount(bank=branch, bank_short=short, account=digits(rng, length))


def company(rng: np.random.Generator, role: str = "buyer", city_index: int | None = None) -> Company:
    pick = int(rng.integers(0, len(CITIES))) if city_index is None else city_index
    city, code, districts, region, area = CITIES[pick]
    trade = "".join(rng.choice(_TRADE, 2, replace=False))
    industry = rng.choice(_INDUSTRY_BUYER if role == "buyer" else _INDUSTRY_SELLER)
    name = f"{city}{trade}{industry}{rng.choice(_SUFFIX)}"
    district = str(rng.choice(districts))
    street = f"{rng.choice(_STREETS)}{rng.integers(1, 300)}号"
    address = f"{city}{district}{street}{rng.integers(1, 30)}栋{rng.integers(1, 25)}层"
    phone = f"{area}-{digits(rng, 8)}"
    return Company(name=name, tax_id=make_uscc(rng, code), legal_rep=person_name(rng), address=address, phone=phone,
                   account=bank_account(rng, city, district), city=city, region=region,
                   seal_code=code[:4] + digits(rng, 9, first_nonzero=False))


# ----------------------------------------------------------------------------------------------------------------------
# catalogue of what an SME digitalisation contract buys: (name, kind, unit, unit price range in CNY, tax rate)

SOFTWARE = [
    ("制造执行系统（MES）软件", "套", (80_000, 600_000)),
    ("企业资源计划（ERP）云平台订阅", "年", (30_000, 200_000)),
    ("设备物联管理平台", "套", (50_000, 300_000)),
    ("仓储管理系统（WMS）", "套", (40_000, 250_000)),
    ("质量追溯管理系统", "套", (30_000, 180_000)),
    ("产品生命周期管理（PLM）软件", "套", (60_000, 400_000)),
    ("高级计划与排程（APS）系统", "套", (50_000, 300_000)),
    ("能耗管理SaaS服务", "年", (20_000, 120_000)),
]
HARDWARE = [
    ("工业数据采集网关", "台", (3_000, 20_000)),
    ("边缘计算服务器", "台", (20_000, 90_000)),
    ("工业平板电脑", "台", (3_000, 9_000)),
    ("RFID读写器", "台", (1_500, 8_000)),
    ("扫码枪", "把", (500, 2_500)),
    ("PLC通讯模块", "个", (800, 6_000)),
    ("工业交换机", "台", (2_000, 15_000)),
]
SERVICES = [
    ("系统实施服务", "项", (20_000, 300_000)),
    ("数据迁移与接口开发服务", "项", (10_000, 150_000)),
    ("现场部署及培训服务", "项", (5_000, 80_000)),
    ("运维技术服务", "年", (10_000, 100_000)),
]
TAX_RATE = {"software": "13%", "hardware": "13%", "service": "6%"}
INVOICE_CATEGORY = {"software": "*信息技术服务*", "hardware": "*计算机外部设备*", "service": "*信息技术服务*"}
INVOICE_CATEGORY_SOFT_GOODS = "*软件*"

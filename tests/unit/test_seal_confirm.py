"""A seal's owner confirmed by the names its own document prints (pipeline/seals/confirm.py)."""

from __future__ import annotations

from pipeline.config import SealConfig
from pipeline.extract.normalize import uscc_check_char
from pipeline.seals.classify import TITLE_UNREAD
from pipeline.seals.confirm import (
    confirm_by_code,
    confirm_owner,
    confirm_owners,
    finance_on_voucher,
    printed_names,
    supervision_by_place,
)
from pipeline.types import (
    BBox,
    DocType,
    Document,
    Field,
    Page,
    PageKind,
    Provenance,
    Seal,
    SealShape,
    SealType,
    TextLine,
    TextSource,
)

P = Provenance(stage="test")
A_NAME = "深圳市博曜数字科技股份有限公司"
B_NAME = "北京市瑞辰软件有限公司"


def lattice(printed: str, misread: dict[int, tuple[str, float, float]] | None = None) -> tuple:
    """Each printed character at 0.9 with a blank step after it; where ``misread`` says ``i: (other, p_other,
    p_printed)``, the other character at ``p_other`` and the printed one at ``p_printed`` (0 leaves it out)."""
    steps = []
    for i, ch in enumerate(printed):
        if misread and i in misread:
            other, p_other, p_printed = misread[i]
            top = ((other, p_other),) + (((ch, p_printed),) if p_printed else ())
            steps.append((round(1 - p_other - p_printed, 4), top))
        else:
            steps.append((0.1, ((ch, 0.9),)))
        steps.append((1.0, ()))
    return tuple(steps)


def seal(owner: str | None, lat, type_: SealType = SealType.official, shape: SealShape = SealShape.round) -> Seal:
    return Seal(type=type_, shape=shape, owner=owner, bbox=BBox(x0=10, y0=10, x1=300, y1=300), page=0,
                confidence=0.9, owner_confidence=0.6, texts=(f"arc:{owner}",), owner_lattice=lat, provenance=P)


def fields(**values: str) -> list[Field]:
    return [Field(name=k, value=v, confidence=0.99, provenance=P) for k, v in values.items()]


def test_a_misread_character_the_recogniser_also_saw_is_confirmed_by_the_party_printed_on_the_document():
    # 曜 read as 耀 (0.6) but seen at 0.2: the name party B's field prints, and nobody else's
    read = seal("深圳市博耀数字科技股份有限公司", lattice(A_NAME, {4: ("耀", 0.6, 0.2)}))
    out = confirm_owner(read, fields(party_a_name=B_NAME, party_b_name=A_NAME))
    assert out.owner == A_NAME
    assert "owner read:深圳市博耀数字科技股份有限公司" in out.texts
    assert any(t.startswith("owner confirmed by party_b_name: log-ratio -0.") for t in out.texts)
    assert out.owner_lattice == read.owner_lattice and out.owner_confidence >= read.owner_confidence


def test_a_character_confidently_read_as_another_and_not_seen_keeps_the_reading():
    # 北京市锐棱… is another company than 北京市锐凌…: 凌 not seen at all where 棱 was read at 0.9
    printed = "北京市锐棱电子科技有限公司"
    read = seal(printed, lattice(printed))
    out = confirm_owner(read, fields(party_a_name="北京市锐凌电子科技有限公司"))
    assert out is read


def test_a_reading_that_shows_a_third_of_the_name_is_not_confirmed():
    # four of the twelve characters faint (blank steps): the log-ratio is too low to take the name for it
    faint = {i: ("", 0.0, 0.0) for i in (3, 4, 5, 6)}
    steps = list(lattice(B_NAME))
    for i in faint:
        steps[2 * i] = (1.0, ())
    read = seal("北京市有限公司", tuple(steps))
    assert confirm_owner(read, fields(party_b_name=B_NAME)) is read


def test_a_name_the_arc_only_contains_is_not_the_owner():
    # a branch's seal and the bank's name without the branch: aligned inside, the branch's words left over
    branch = "中国农业银行股份有限公司深圳龙岗支行"
    read = seal("中国农业银行股份有限公司深圳龙岗支", lattice(branch, {17: ("文", 0.6, 0.1)}), SealType.bank)
    assert confirm_owner(read, fields(payer_bank="中国农业银行股份有限公司")) is read
    assert confirm_owner(read, fields(payer_bank="中国农业银行股份有限公司", payee_bank=branch)).owner == branch


def test_a_bank_seal_without_its_branch_is_confirmed_by_the_bank_part_of_the_printed_branch():
    bank = "招商银行股份有限公司"
    read = seal("上商银行股份有限公司", lattice(bank, {0: ("上", 0.6, 0.1)}), SealType.bank, SealShape.oval)
    out = confirm_owner(read, fields(payer_bank="招商银行股份有限公司深圳南山支行"))
    assert out.owner == bank and "owner confirmed by payer_bank" in out.texts[-1]
    # a reading that shows the branch's words is that branch's seal, read in part: not the bank's own
    wrapped = seal("南山招商银行股份有限公司", lattice(bank, {0: ("上", 0.6, 0.1)}), SealType.bank)
    assert confirm_owner(wrapped, fields(payer_bank="招商银行股份有限公司深圳南山支行")) is wrapped


def test_two_names_of_the_document_that_both_pass_leave_the_reading_as_it_is():
    # 瑞辰 and 瑞晨 both seen where the recogniser read 瑞层: no telling which
    other = "北京市瑞晨软件有限公司"
    steps = list(lattice(B_NAME))
    steps[2 * 4] = (0.1, (("层", 0.45), ("辰", 0.25), ("晨", 0.2)))
    read = seal("北京市瑞层软件有限公司", tuple(steps))
    assert confirm_owner(read, fields(party_b_name=B_NAME)).owner == B_NAME
    assert confirm_owner(read, fields(party_a_name=other, party_b_name=B_NAME)) is read


def test_names_are_offered_by_seal_type():
    lat = lattice(A_NAME, {4: ("耀", 0.6, 0.2)})
    # a bank seal is not confirmed by a party's name, a company seal not by a bank's
    bank = seal("深圳市博耀数字科技股份有限公司", lat, SealType.bank)
    assert confirm_owner(bank, fields(payer_name=A_NAME)) is bank
    assert confirm_owner(bank, fields(payer_bank=A_NAME)).owner == A_NAME
    official = seal("深圳市博耀数字科技股份有限公司", lat)
    assert confirm_owner(official, fields(payer_bank=A_NAME)) is official
    # a supervision seal's owner is the tax bureau's, whatever the document prints
    sup = seal("深圳市博耀数字科技股份有限公司", lat, SealType.supervision, SealShape.oval)
    assert confirm_owner(sup, fields(seller_name=A_NAME)) is sup
    # a personal name seal by the legal representatives' fields; 之印 read after the name is no leftover
    rep = seal("昊晓芳", lattice("吴晓芳之印", {0: ("昊", 0.7, 0.1)}), SealType.legal_rep, SealShape.square)
    assert confirm_owner(rep, fields(party_a_name="吴晓芳", party_b_legal_rep="李明")) is rep
    assert confirm_owner(rep, fields(party_a_legal_rep="吴晓芳")).owner == "吴晓芳"


def test_a_voucher_seal_is_confirmed_by_the_company_printed_on_its_lines():
    name = "北京市禾舟机器人有限公司"
    read = seal("北京市禾百机器人有限公司", lattice(name, {4: ("百", 0.5, 0.3)}), SealType.finance)
    page = Page(file_id="v", index=0, width=1000, height=700, dpi=200, kind=PageKind.scanned, seals=(read,),
                lines=(TextLine(text="核算单位:北京市禾舟机器人有限公司", bbox=BBox(x0=10, y0=10, x1=400, y1=40),
                                confidence=0.98, source=TextSource.ocr, provenance=P),),
                provenance=P)
    doc = Document(id="v", file_id="v", doc_type=DocType.voucher, pages=(page,), provenance=P)
    out = confirm_owners(doc).pages[0].seals[0]
    assert out.owner == name and out.texts[-1].startswith("owner confirmed by page text")
    # a bank's seal is not confirmed by a company printed on the page
    bank = read.model_copy(update={"type": SealType.bank})
    assert confirm_owner(bank, (), printed=printed_names(line.text for line in page.lines)) is bank


def test_no_lattice_or_an_exact_reading_is_left_alone():
    assert confirm_owner(seal("深圳市博耀", None), fields(party_a_name=A_NAME)).owner == "深圳市博耀"
    exact = seal(A_NAME, lattice(A_NAME))
    assert confirm_owner(exact, fields(party_a_name=A_NAME)) is exact


def test_the_document_is_confirmed_page_by_page_and_the_switch_turns_it_off():
    read = seal("深圳市博耀数字科技股份有限公司", lattice(A_NAME, {4: ("耀", 0.6, 0.2)}))
    page = Page(file_id="f", index=0, width=1000, height=1400, dpi=200, kind=PageKind.scanned, seals=(read,),
                provenance=P)
    doc = Document(id="f", file_id="f", doc_type=DocType.acceptance, pages=(page,),
                   fields=tuple(fields(party_a_name=A_NAME)), provenance=P)
    assert confirm_owners(doc).pages[0].seals[0].owner == A_NAME
    assert confirm_owners(doc, SealConfig(confirm_owner=False)) is doc
    # a stricter threshold than the reading's log-ratio keeps it
    assert confirm_owners(doc, SealConfig(confirm_llr=-0.01)) is doc


def test_the_document_stage_confirms_the_seals_of_the_documents_it_types():
    from pipeline.extract import DocumentStage

    name = "北京市禾舟机器人有限公司"
    read = seal("北京市禾百机器人有限公司", lattice(name, {4: ("百", 0.5, 0.3)}), SealType.finance)
    texts = ("记账凭证", "核算单位:北京市禾舟机器人有限公司", "摘要", "会计科目", "借方金额", "贷方金额")
    lines = tuple(TextLine(text=t, bbox=BBox(x0=100, y0=60 + 50 * k, x1=700, y1=100 + 50 * k), confidence=0.98,
                           source=TextSource.ocr, provenance=P) for k, t in enumerate(texts))
    page = Page(file_id="v.png", index=0, width=1654, height=1100, dpi=200, kind=PageKind.scanned, lines=lines,
                seals=(read,), provenance=P)
    doc = Document(id="v.png", file_id="v.png", pages=(page,), provenance=P)
    [voucher] = DocumentStage()(doc)
    assert voucher.doc_type == DocType.voucher and voucher.seals[0].owner == name
    [kept] = DocumentStage(seals=SealConfig(confirm_owner=False))(doc)
    assert kept.seals[0].owner == "北京市禾百机器人有限公司"


def supervision(owner: str | None, *texts: str) -> Seal:
    return Seal(type=SealType.supervision, shape=SealShape.oval, owner=owner, bbox=BBox(x0=10, y0=10, x1=300, y1=200),
                page=0, confidence=0.9, owner_confidence=0.5, texts=texts + (f"owner:{owner}",), provenance=P)


HUBEI_SELLER = "91420111MA4K2XQ23L"  # registered in 武汉市洪山区 (420111): the invoice's seal is 湖北's bureau's


def test_seller_bureau_from_the_credit_codes_region():
    from pipeline.seals.confirm import seller_bureau

    assert seller_bureau(fields(seller_tax_id=HUBEI_SELLER)) == ("国家税务总局湖北省税务局", "湖北", "seller_tax_id")
    assert seller_bureau(fields(seller_tax_id="91440300MA5F8K2Q1X"))[0] == "国家税务总局深圳市税务局"  # own plan
    assert seller_bureau(fields(seller_tax_id="91110108MA01ABCD2E"))[0] == "国家税务总局北京市税务局"
    # the autonomous regions, whose bureaus carry the region's full name
    assert seller_bureau(fields(seller_tax_id="91450100MA5KABCD2E"))[:2] == ("国家税务总局广西壮族自治区税务局", "广西壮族")
    assert seller_bureau(fields(seller_tax_id="91640100MA76ABCD2E"))[0] == "国家税务总局宁夏回族自治区税务局"
    assert seller_bureau(fields(seller_tax_id="91650100MA77ABCD2E"))[0] == "国家税务总局新疆维吾尔自治区税务局"
    assert seller_bureau(fields(seller_tax_id="91150100MA0NABCD2E"))[0] == "国家税务总局内蒙古自治区税务局"
    from pipeline.seals.confirm import PLAN_CITIES, PROVINCE_CODES

    for code in [*(c + "01" for c in PROVINCE_CODES), *PLAN_CITIES]:  # every region has its bureau
        assert seller_bureau(fields(seller_tax_id=f"91{code}00MA5KABCD2E")) is not None, code
    assert seller_bureau(fields(buyer_tax_id=HUBEI_SELLER)) is None  # the buyer's bureau did not supervise it
    assert seller_bureau(fields(seller_tax_id="420111")) is None


def test_supervision_seal_read_in_part_takes_the_sellers_bureau():
    from pipeline.seals.confirm import confirm_bureau

    got = confirm_bureau(supervision("国家税务总局发湖西税联", "centre:国家税务总局", "bottom:发湖西税联"),
                         fields(seller_tax_id=HUBEI_SELLER))
    assert got.owner == "国家税务总局湖北省税务局"
    assert "owner read:国家税务总局发湖西税联" in got.texts and any("seller_tax_id" in t for t in got.texts)
    fax = confirm_bureau(supervision("湖生者悦写局", "bottom:湖生者悦写局"), fields(seller_tax_id=HUBEI_SELLER))
    assert fax.owner == "国家税务总局湖北省税务局"


def test_supervision_seal_is_not_given_a_bureau_its_reading_does_not_show():
    from pipeline.seals.confirm import confirm_bureau

    f = fields(seller_tax_id=HUBEI_SELLER)
    # no character of 湖北 in the bottom line (an old-style seal's 国家税务总局监制, or nothing legible)
    s = supervision("州二天税理总局", "centre:州二", "bottom:天税理总局")
    assert confirm_bureau(s, f) is s
    # another region named in the reading: kept as read (which bureau it is, is a reviewer's question)
    s = supervision("国家税务总局湖南税", "centre:国家税务总局", "bottom:湖南税")
    assert confirm_bureau(s, f) is s
    # read whole already (its own bureau, nothing to add), or not a supervision seal
    s = supervision("国家税务总局湖北省税务局", "centre:国家税务总局", "bottom:湖北省税务局")
    assert confirm_bureau(s, f) is s
    s = seal("湖北", None, SealType.official)
    assert confirm_bureau(s, f) is s


SELLER = "深圳市南山区瑞辰百货商场"
SELLER_CODE = "9144030069L35821" + "0" + uscc_check_char("9144030069L358210")


def invoice_seal(owner: str, code: str | None, lat=None) -> Seal:
    return seal(owner, lat, SealType.invoice, SealShape.oval).model_copy(update={"code": code})


def test_invoice_seal_with_the_sellers_code_read_but_for_a_character_is_the_sellers():
    """The code across an invoice seal's middle identifies the taxpayer: its name misread at both ends (深 read 章,
    场 lost) and one character of the code misread, it is the seller's seal."""
    wrong = SELLER_CODE[:-1] + ("8" if SELLER_CODE[-1] != "8" else "7")
    read = invoice_seal("章圳市南山区瑞辰百货商", wrong, lattice("章圳市南山区瑞辰百货商"))
    out = confirm_by_code(read, fields(seller_name=SELLER, seller_tax_id=SELLER_CODE, buyer_name=B_NAME))
    assert (out.owner, out.code) == (SELLER, SELLER_CODE)
    assert "owner read:章圳市南山区瑞辰百货商" in out.texts and f"code read:{wrong}" in out.texts
    assert "owner confirmed by seller_tax_id: 17/18 characters of the code read" in out.texts
    # through the document, after the other confirmations
    page = Page(file_id="f", index=0, width=1000, height=800, dpi=200, kind=PageKind.scanned, seals=(read,),
                provenance=P)
    doc = Document(id="f", file_id="f", doc_type=DocType.invoice, pages=(page,),
                   fields=tuple(fields(seller_name=SELLER, seller_tax_id=SELLER_CODE)), provenance=P)
    assert confirm_owners(doc).pages[0].seals[0].owner == SELLER


def test_invoice_seal_code_too_far_from_the_sellers_or_another_name_on_its_arc_is_left_alone():
    far = "9144030069L3" + "999" + SELLER_CODE[15:]  # three characters off
    assert sum(a != b for a, b in zip(far, SELLER_CODE)) == 3
    read = invoice_seal("章圳市南山区瑞辰百货商", far, lattice("章圳市南山区瑞辰百货商"))
    assert confirm_by_code(read, fields(seller_name=SELLER, seller_tax_id=SELLER_CODE)) is read
    # the code read whole, but the arc reads another trade name (瑞辰 read 金鼎 with confidence)
    other = "深圳市南山区金鼎百货商场"
    read = invoice_seal(other, SELLER_CODE, lattice(SELLER, {6: ("金", 0.9, 0.0), 7: ("鼎", 0.9, 0.0)}))
    assert confirm_by_code(read, fields(seller_name=SELLER, seller_tax_id=SELLER_CODE)) is read
    # not an invoice seal; a seller's code that is no valid code
    official = seal("章圳市南山区瑞辰百货商", None).model_copy(update={"code": SELLER_CODE})
    assert confirm_by_code(official, fields(seller_name=SELLER, seller_tax_id=SELLER_CODE)) is official
    bad = SELLER_CODE[:-1] + ("A" if SELLER_CODE[-1] != "A" else "B")
    read = invoice_seal("章圳市南山区瑞辰百货商", bad)
    assert confirm_by_code(read, fields(seller_name=SELLER, seller_tax_id=bad)) is read


def test_a_seal_drawn_where_an_ofd_signature_is_stamped_carries_the_e_seals_name():
    from pipeline.seals.stamps import with_stamps

    garbled = seal("国家税务总局重庆市税", None, SealType.supervision, SealShape.oval)  # box 10..300
    company = seal(A_NAME, None).model_copy(update={"bbox": BBox(x0=400, y0=10, x1=690, y1=300)})
    stamps = [((0.0, 0.0, 320.0, 320.0), "测试全国统一发票监制章国家税务总局重庆市税务局"),
              ((380.0, 0.0, 700.0, 320.0), "博曜演示公章")]
    sup, comp = with_stamps([garbled, company], stamps)
    assert sup.owner == "国家税务总局重庆市税务局" and "e-seal:测试全国统一发票监制章国家税务总局重庆市税务局" in sup.texts
    assert "owner read:国家税务总局重庆市税" in sup.texts
    assert comp.owner == A_NAME and comp.texts[-1] == "e-seal:博曜演示公章"  # a company's owner stays as read
    # a stamp elsewhere on the page, or none with a name, leaves a seal alone
    assert with_stamps([garbled], [((500.0, 500.0, 800.0, 800.0), "国家税务总局重庆市税务局")]) == (garbled,)
    assert with_stamps([garbled], [((0.0, 0.0, 320.0, 320.0), None)]) == (garbled,)


def _invoice_page(*seals: Seal) -> Page:
    """An invoice's text from (100, 80) to (1900, 1100): title, parties, items, totals."""
    rows = [(700, 80, 1300, 130, "电子发票(普通发票)"), (100, 200, 900, 240, "购买方信息 名称:" + B_NAME),
            (1000, 200, 1900, 240, "销售方信息 名称:" + A_NAME), (100, 600, 1900, 640, "合计 ¥1,000.00"),
            (100, 1060, 600, 1100, "开票人:张三")]
    lines = tuple(TextLine(text=t, bbox=BBox(x0=a, y0=b, x1=c, y1=d), confidence=0.99, source=TextSource.ocr,
                           provenance=P) for a, b, c, d, t in rows)
    return Page(file_id="f", index=0, width=2000, height=1200, dpi=200, kind=PageKind.scanned, lines=lines,
                seals=seals, provenance=P)


def test_an_unread_oval_at_the_top_centre_of_an_invoice_is_its_supervision_seal():
    top = seal(None, None, SealType.other, SealShape.oval).model_copy(
        update={"bbox": BBox(x0=880, y0=40, x1=1120, y1=200), "texts": ("bottom:", "shape:oval")})
    out = supervision_by_place(top, _invoice_page(top), DocType.invoice)
    assert out.type == SealType.supervision and out.type_confidence == 0.5
    assert out.texts[-1].startswith("place: an oval at the top centre of an invoice (0.50 across, 0.04 down")
    # the seller's seal's place (bottom right), another document type, a round seal, a company's name read on it
    low = top.model_copy(update={"bbox": BBox(x0=1500, y0=900, x1=1740, y1=1060)})
    assert supervision_by_place(low, _invoice_page(low), DocType.invoice) is low
    assert supervision_by_place(top, _invoice_page(top), DocType.contract) is top
    rnd = top.model_copy(update={"shape": SealShape.round})
    assert supervision_by_place(rnd, _invoice_page(rnd), DocType.invoice) is rnd
    named = top.model_copy(update={"owner": "浙江省电子发票票据综合服务平"})  # a platform's seal on an e-invoice
    assert supervision_by_place(named, _invoice_page(named), DocType.invoice) is named
    noise = top.model_copy(update={"owner": "章艾"})  # two characters of noise: still its place decides
    assert supervision_by_place(noise, _invoice_page(noise), DocType.invoice).type == SealType.supervision
    # through the document
    doc = Document(id="f", file_id="f", doc_type=DocType.invoice, pages=(_invoice_page(top),), provenance=P)
    assert confirm_owners(doc).pages[0].seals[0].type == SealType.supervision


def test_a_round_seal_whose_title_was_not_read_is_the_finance_seal_on_a_voucher():
    # a finance seal whose small title is crossed by the voucher's figures: classify typed it official at 0.45
    titled = seal(A_NAME, None).model_copy(
        update={"type_confidence": 0.45, "texts": (f"arc:{A_NAME}", "bottom:北", "shape:round", TITLE_UNREAD)})
    out = finance_on_voucher(titled, DocType.voucher)
    assert out.type == SealType.finance and out.type_confidence == 0.5
    assert out.texts[-1] == "place: a titled round seal on a voucher" and out.owner == A_NAME
    # another document (an acceptance certificate's seal stays as read), no title seen, a slice, a surer reading
    assert finance_on_voucher(titled, DocType.acceptance) is titled
    untitled = titled.model_copy(update={"texts": (f"arc:{A_NAME}", "shape:round", "round, no type words")})
    assert finance_on_voucher(untitled, DocType.voucher) is untitled
    cross = titled.model_copy(update={"cross_page": True})
    assert finance_on_voucher(cross, DocType.voucher) is cross
    # through the document
    page = _invoice_page(titled)
    doc = Document(id="f", file_id="f", doc_type=DocType.voucher, pages=(page,), provenance=P)
    assert confirm_owners(doc).pages[0].seals[0].type == SealType.finance

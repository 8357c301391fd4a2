"""The structure of an OFD document: OFD.xml -> DocBody -> DocRoot (Document.xml) -> resources, template pages, pages,
annotations and signatures, and, per page, its drawables in z-order:

background templates, the page's layers (Background, Body, Foreground), foreground templates, annotation appearances,
then the seal pictures of signatures (StampAnnot), which are themselves small OFD documents (drawn recursively, one
level deep) or images, found inside ``SignedValue.dat`` or ``Seal.esl``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from pipeline.errors import InputError
from pipeline.ingest.ofd import geometry as g
from pipeline.ingest.ofd.content import (
    ContentParser, Drawable, ImagePlacement, Resources, TextRun, _param_style, _Style,
)
from pipeline.ingest.ofd.package import OfdPackage, resolve

_LAYER_ORDER = {"background": 0, "body": 1, "foreground": 2}
_DEFAULT_BOX = (0.0, 0.0, 210.0, 297.0)
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


@dataclass(frozen=True)
class Stamp:
    """Where a signature's seal picture goes: a page (by ID) and a boundary in millimetres."""

    page_id: str
    boundary: tuple[float, float, float, float]
    picture: tuple[str, bytes] | None  # ("ofd" | "image", bytes)
    name: str | None = None  # the e-seal's name (:func:`seal_name`)


@dataclass(frozen=True, eq=False)
class PageContent:
    """A page's drawables in z-order, the runs that are its text (not the seal pictures' text) and, by object ID, the
    text of its TextObjects and of its templates' TextObjects."""

    drawables: list[Drawable]
    text_runs: list[TextRun]
    texts: dict[str, str]
    template_texts: dict[str, str]


@dataclass(frozen=True)
class PageEntry:
    page_id: str
    path: str
    root: ET.Element


def _der_item(blob: bytes, at: int) -> tuple[int, int, int] | None:
    """(tag, content start, content end) of the DER item starting at ``at``, or None."""
    if at + 2 > len(blob):
        return None
    n = blob[at + 1]
    if n < 0x80:
        start, length = at + 2, n
    elif 0x81 <= n <= 0x84:
        start, length = at + 2 + (n - 0x80), int.from_bytes(blob[at + 2 : at + 2 + (n - 0x80)], "big")
    else:
        return None
    return (blob[at], start, start + length) if start + length <= len(blob) else None


def _der_octets(blob: bytes, at: int) -> bytes | None:
    """The content of the DER OCTET STRING starting at ``at``, or None."""
    item = _der_item(blob, at)
    return blob[item[1] : item[2]] if item and item[0] == 0x04 else None


def seal_name(blob: bytes) -> str | None:
    """The name of the e-seal (电子印章) in an SES seal or signature (GM/T 0031, GB/T 38540), or None: its
    ``SES_SealInfo`` is a header (IA5String ``ES``, the version, the vendor), the seal's ID (IA5String) and its
    property (the type INTEGER, then the name, UTF8String: 全国统一发票监制章国家税务总局重庆市税务局, 金格演示公章)."""
    at = blob.find(b"\x16\x02ES")
    while at >= 2:
        header = _der_item(blob, at - 2)
        if header and header[0] == 0x30 and header[1] == at:
            esid = _der_item(blob, header[2])
            prop = _der_item(blob, esid[2]) if esid and esid[0] == 0x16 else None
            kind = _der_item(blob, prop[1]) if prop and prop[0] == 0x30 else None
            name = _der_item(blob, kind[2]) if kind and kind[0] == 0x02 else None
            if name and name[0] == 0x0C and name[2] <= prop[2]:
                try:
                    return blob[name[1] : name[2]].decode("utf-8").strip() or None
                except UnicodeDecodeError:
                    return None
        at = blob.find(b"\x16\x02ES", at + 1)
    return None


def seal_picture(blob: bytes) -> tuple[str, bytes] | None:
    """The seal picture inside an SES signature or seal (ASN.1 DER): ``SES_ESPictrueInfo`` is a type (IA5String
    ``ofd``, ``png``, ``jpg``, ``gif``, ``bmp``) followed by the data (OCTET STRING). An OFD picture is a small OFD
    package (zip). Falls back to the first zip or image signature in the blob."""
    for kind in (b"ofd", b"png", b"jpg", b"jpeg", b"gif", b"bmp"):
        for variant in (kind, kind.upper()):
            i = blob.find(bytes([0x16, len(variant)]) + variant)
            if i >= 0:
                data = _der_octets(blob, i + 2 + len(variant))
                if data:
                    return ("ofd" if kind == b"ofd" else "image"), data
    for kind, magic in [("ofd", b"PK\x03\x04")] + [("image", m) for m in _IMAGE_MAGIC]:
        i = blob.find(magic)
        if i >= 0:
            return kind, blob[i:]
    return None


class OfdDocument:
    """One DocBody of a package, parsed eagerly (XML only; images are read when drawn)."""

    def __init__(self, pkg: OfdPackage, body: ET.Element, depth: int = 0) -> None:
        self.pkg = pkg
        self.depth = depth
        fid = pkg.file_id
        doc_path = resolve("OFD.xml", body.findtext("DocRoot"))
        if doc_path is None or pkg.find(doc_path) is None:
            raise InputError(fid, f"the DocRoot ({body.findtext('DocRoot')!r}) is missing from the OFD package")
        self.doc_path = pkg.find(doc_path) or doc_path
        self.root = pkg.xml(self.doc_path, "document")
        self.info = body.find("DocInfo")
        common = self.root.find("CommonData")
        self.res = Resources()
        for tag in ("PublicRes", "DocumentRes"):
            for el in (common.findall(tag) if common is not None else []):
                self.res.load(pkg, resolve(self.doc_path, el.text))
        self.default_box = g.box(common.findtext("PageArea/PhysicalBox")) if common is not None else None
        self.templates: dict[str, tuple[ET.Element, str]] = {}  # id -> (root, default z-order)
        for tp in (common.findall("TemplatePage") if common is not None else []):
            path = resolve(self.doc_path, tp.get("BaseLoc"))
            if path and pkg.find(path):
                self.templates[tp.get("ID", "")] = (pkg.xml(path, "template page"), tp.get("ZOrder") or "Background")
        self.pages: list[PageEntry] = []
        for el in self.root.iter("Page"):
            if el.get("BaseLoc") is None:
                continue
            path = resolve(self.doc_path, el.get("BaseLoc"))
            if path is None or pkg.find(path) is None:
                where = el.get("BaseLoc")
                raise InputError(fid, f"page {len(self.pages) + 1} ({where!r}) is missing from the OFD package")
            self.pages.append(PageEntry(el.get("ID", str(len(self.pages))), pkg.find(path) or path,
                                        pkg.xml(path, f"page {len(self.pages) + 1}")))
        self.annotations = self._annotations()
        self.signatures: list[ET.Element] = []
        self.seal_names: list[str | None] = []  # per signature, its e-seal's name
        self.stamps = self._stamps(body) if depth == 0 else []

    # -- structure ------------------------------------------------------------------------------------------------

    def _annotations(self) -> dict[str, list[ET.Element]]:
        out: dict[str, list[ET.Element]] = {}
        path = resolve(self.doc_path, self.root.findtext("Annotations"))
        if not path or not self.pkg.find(path):
            return out
        for page in self.pkg.xml(path, "annotations").findall("Page"):
            loc = resolve(path, page.findtext("FileLoc"))
            if loc and self.pkg.find(loc):
                out.setdefault(page.get("PageID", ""), []).extend(self.pkg.xml(loc, "annotation").findall("Annot"))
        return out

    def _stamps(self, body: ET.Element) -> list[Stamp]:
        stamps: list[Stamp] = []
        path = resolve("OFD.xml", body.findtext("Signatures"))
        if not path or not self.pkg.find(path):
            return stamps
        for sig in self.pkg.xml(path, "signatures").findall("Signature"):
            spath = resolve(path, sig.get("BaseLoc"))
            if not spath or not self.pkg.find(spath):
                continue
            root = self.pkg.xml(spath, "signature")
            picture = name = None
            for loc in (root.findtext("SignedValue"), root.findtext("SignedInfo/Seal/BaseLoc")):
                ref = resolve(spath, loc)
                if ref and self.pkg.find(ref):
                    blob = self.pkg.read(ref)
                    picture = picture or seal_picture(blob)
                    name = name or seal_name(blob)
            self.signatures.append(root)
            self.seal_names.append(name)
            for annot in root.iter("StampAnnot"):
                bnd = g.box(annot.get("Boundary"))
                if bnd:
                    stamps.append(Stamp(annot.get("PageRef", ""), bnd, picture, name))
        return stamps

    # -- pages ----------------------------------------------------------------------------------------------------

    def page_box(self, index: int) -> tuple[float, float, float, float]:
        page = self.pages[index].root
        bx = g.box(page.findtext("Area/PhysicalBox")) or self.default_box
        if bx is None:
            for tpl in page.findall("Template"):
                tpl_root = self.templates.get(tpl.get("TemplateID", ""), (None, ""))[0]
                if tpl_root is not None:
                    bx = g.box(tpl_root.findtext("Area/PhysicalBox"))
                    break
        if bx is None or bx[2] <= 0 or bx[3] <= 0:
            bx = _DEFAULT_BOX
        return bx

    def _page_res(self, root: ET.Element, path: str) -> Resources:
        res = self.res
        for el in root.findall("PageRes"):
            extra = Resources()
            extra.load(self.pkg, resolve(path, el.text))
            res = res.merged(extra)
        return res

    def _content(self, parser: ContentParser, root: ET.Element, base: g.Affine, out: list) -> None:
        layers = root.findall("Content/Layer")
        for layer in sorted(layers, key=lambda el: _LAYER_ORDER.get((el.get("Type") or "body").lower(), 1)):
            style = _param_style(parser.res, layer.get("DrawParam"), _Style())
            parser.block(layer, base, style, out)

    def content(self, index: int, base: g.Affine) -> PageContent:
        """The page's content, mapped by ``base`` (page millimetres -> wherever the page goes)."""
        entry = self.pages[index]
        res = self._page_res(entry.root, entry.path)
        page_parser, tpl_parser = ContentParser(self.pkg, res), ContentParser(self.pkg, res)
        back: list[Drawable] = []
        front: list[Drawable] = []
        for tpl in entry.root.findall("Template"):
            tpl_root, z = self.templates.get(tpl.get("TemplateID", ""), (None, "Background"))
            if tpl_root is not None:
                z = tpl.get("ZOrder") or z
                self._content(tpl_parser, tpl_root, base, front if z.lower() == "foreground" else back)
        out = back
        self._content(page_parser, entry.root, base, out)
        out.extend(front)
        for annot in self.annotations.get(entry.page_id, []):
            if (annot.get("Visible") or "true").lower() == "false":
                continue
            for app in annot.findall("Appearance"):
                bnd = g.box(app.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)
                page_parser.block(app, g.compose(base, g.translate(bnd[0], bnd[1])), _Style(), out)
        runs = [d for d in out if isinstance(d, TextRun)]
        for stamp in self.stamps:
            if stamp.page_id == entry.page_id and stamp.picture is not None:
                out.extend(self._stamp_drawables(stamp, base))
        return PageContent(out, runs, page_parser.texts, tpl_parser.texts)

    def _stamp_drawables(self, stamp: Stamp, base: g.Affine) -> list[Drawable]:
        kind, data = stamp.picture
        x, y, w, h = stamp.boundary
        place = g.compose(base, g.translate(x, y))
        if kind == "image":
            return [ImagePlacement(lambda: data, f"stamp:{id(data)}", g.compose(place, g.scale(w, h)), 1.0, True)]
        try:
            nested = OfdPackage(data, f"{self.pkg.file_id}#seal", self.pkg.limits)
            body = nested.xml("OFD.xml", "seal").find("DocBody")
            doc = OfdDocument(nested, body, depth=self.depth + 1) if body is not None else None
            if doc is None or not doc.pages:
                return []
            px, py, pw, ph = doc.page_box(0)
            m = g.compose(place, g.compose(g.scale(w / pw, h / ph), g.translate(-px, -py)))
            return doc.content(0, m).drawables
        except (InputError, ValueError, KeyError):
            return []  # an unreadable seal picture leaves the page without it


def open_documents(pkg: OfdPackage) -> tuple[ET.Element, list[OfdDocument]]:
    if pkg.find("OFD.xml") is None:
        raise InputError(pkg.file_id, "OFD.xml (the package entry point) is missing")
    root = pkg.xml("OFD.xml", "entry point")
    bodies = root.findall("DocBody")
    if not bodies:
        raise InputError(pkg.file_id, "OFD.xml has no DocBody")
    return root, [OfdDocument(pkg, body) for body in bodies]

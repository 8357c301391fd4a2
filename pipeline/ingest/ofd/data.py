"""Structured data carried by an OFD e-invoice, as :class:`EmbeddedData`, and the package's metadata.

- ``ofd_custom_data``: ``OFD.xml`` DocInfo/CustomDatas, ``Name`` -> value (发票号码, 开票日期, 价税合计 ... on many
  invoices).
- ``custom_tag:<file>``: each custom tag file (``Tags/CustomTag.xml``, ``Tag_Invoice.xml`` ...) with every tag resolved
  to the text of the TextObjects it points at (``ObjectRef``) or its ``ObjectData``; key = the tag's element path
  below the root (``InvoiceNo``, ``Buyer/BuyerName``, ``eInvoice/GoodsInfos/GoodsInfo[2]/Item``).
- ``attachment:<file>``: each XML attachment (``original_invoice.xml``, XBRL ``inv_ord_issuer_*.xml``) flattened to
  one entry per element that holds text, keyed by its element path below the root.

Keys drop namespace prefixes; a repeated sibling gets a 1-based ``[n]``. Values are NFKC-normalised and stripped.
"""

from __future__ import annotations

import posixpath
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator

from pipeline.errors import InputError
from pipeline.ingest.ofd.document import OfdDocument
from pipeline.ingest.ofd.package import resolve
from pipeline.types import EmbeddedData, KeyValue, Provenance

PROVENANCE = Provenance(stage="ingest", engine="ofd")
_MAX_VALUE = 2000
_REF_TAGS = ("ObjectRef", "ObjectData")


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFKC", (text or "").strip())[:_MAX_VALUE]


def _children(el: ET.Element, prefix: str, skip: tuple[str, ...] = ()) -> Iterator[tuple[str, ET.Element]]:
    kids = [c for c in el if isinstance(c.tag, str) and c.tag not in skip]
    counts = Counter(c.tag for c in kids)
    seen: Counter = Counter()
    for c in kids:
        seen[c.tag] += 1
        name = c.tag if counts[c.tag] == 1 else f"{c.tag}[{seen[c.tag]}]"
        yield (f"{prefix}/{name}" if prefix else name), c


def flatten(root: ET.Element) -> tuple[KeyValue, ...]:
    out: list[KeyValue] = []

    def walk(el: ET.Element, prefix: str) -> None:
        kids = list(_children(el, prefix))
        if not kids and prefix:
            value = _clean(el.text)
            if value:
                out.append(KeyValue(key=prefix, value=value))
        for path, child in kids:
            walk(child, path)

    walk(root, "")
    return tuple(out)


def _tag_entries(root: ET.Element, text_of: Callable[[str | None, str], str | None]) -> tuple[KeyValue, ...]:
    out: list[KeyValue] = []

    def walk(el: ET.Element, prefix: str) -> None:
        parts = []
        for c in el:
            if c.tag == "ObjectRef":
                parts.append(text_of(c.get("PageRef"), (c.text or "").strip()) or "")
            elif c.tag == "ObjectData":
                parts.append(c.text or "")
        value = _clean("".join(parts))
        if value and prefix:
            out.append(KeyValue(key=prefix, value=value))
        for path, child in _children(el, prefix, skip=_REF_TAGS):
            walk(child, path)

    walk(root, "")
    return tuple(out)


def custom_data(body: ET.Element) -> EmbeddedData | None:
    entries = tuple(
        KeyValue(key=_clean(el.get("Name")), value=_clean(el.text))
        for el in body.iterfind("DocInfo/CustomDatas/CustomData")
        if _clean(el.get("Name")) and _clean(el.text)
    )
    return EmbeddedData(name="ofd_custom_data", entries=entries, provenance=PROVENANCE) if entries else None


def custom_tags(doc: OfdDocument, texts: dict[str, dict[str, str]], fallback: dict[str, str]) -> list[EmbeddedData]:
    """Custom tags resolved against ``texts`` (page ID -> object ID -> text), then ``fallback`` (object ID -> text)."""
    path = resolve(doc.doc_path, doc.root.findtext("CustomTags"))
    if not path or not doc.pkg.find(path):
        return []

    def text_of(page_ref: str | None, obj_id: str) -> str | None:
        page = texts.get(page_ref or "", {})
        return page.get(obj_id) or fallback.get(obj_id)

    out = []
    for tag in doc.pkg.xml(path, "custom tags").findall("CustomTag"):
        loc = resolve(path, tag.findtext("FileLoc"))
        if not loc or not doc.pkg.find(loc):
            continue
        entries = _tag_entries(doc.pkg.xml(loc, "custom tag"), text_of)
        if entries:
            name = f"custom_tag:{posixpath.basename(loc)}"
            out.append(EmbeddedData(name=name, entries=entries, provenance=PROVENANCE))
    return out


def attachments(doc: OfdDocument) -> tuple[list[EmbeddedData], list[KeyValue]]:
    """XML attachments flattened, and metadata lines naming every attachment (and any that could not be read)."""
    path = resolve(doc.doc_path, doc.root.findtext("Attachments"))
    data: list[EmbeddedData] = []
    meta: list[KeyValue] = []
    if not path or not doc.pkg.find(path):
        return data, meta
    for att in doc.pkg.xml(path, "attachments").findall("Attachment"):
        loc = resolve(path, att.findtext("FileLoc"))
        name = posixpath.basename(loc or att.get("Name") or "?")
        what = f"{name} ({att.get('Format') or '?'}, name {att.get('Name') or '?'})"
        meta.append(KeyValue(key="attachment", value=what))
        if not loc or not doc.pkg.find(loc):
            meta.append(KeyValue(key="attachment_error", value=f"{name}: missing from the package"))
            continue
        raw = doc.pkg.read(loc)
        if not raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            continue  # not XML (a PDF, an image): named in the metadata only
        try:
            root = doc.pkg.xml(loc, "attachment")
        except InputError as exc:  # a broken attachment does not spoil the invoice's pages
            meta.append(KeyValue(key="attachment_error", value=f"{name}: {exc.reason}"))
            continue
        entries = flatten(root)
        if entries:
            data.append(EmbeddedData(name=f"attachment:{name}", entries=entries, provenance=PROVENANCE))
    return data, meta


def metadata(ofd_root: ET.Element, body: ET.Element, doc: OfdDocument) -> list[KeyValue]:
    """Document info (keys as PyMuPDF names PDF metadata where they match) and the signatures' providers, times and
    e-seal names."""
    out = [KeyValue(key="format", value=f"OFD {ofd_root.get('Version') or ''}".strip())]
    names = {"DocID": "docId", "Title": "title", "Author": "author", "Subject": "subject", "Creator": "creator",
             "CreatorVersion": "creatorVersion", "CreationDate": "creationDate", "ModDate": "modDate",
             "DocUsage": "docUsage"}
    info = body.find("DocInfo")
    for tag, key in names.items():
        value = _clean(info.findtext(tag)) if info is not None else ""
        if value:
            out.append(KeyValue(key=key, value=value))
    out.append(KeyValue(key="signatures", value=str(len(doc.signatures))))
    for i, sig in enumerate(doc.signatures, 1):
        prov = sig.find("SignedInfo/Provider")
        if prov is not None:
            who = " ".join(x for x in (prov.get("ProviderName"), prov.get("Company"), prov.get("Version")) if x)
            out.append(KeyValue(key=f"signature_{i}_provider", value=_clean(who)))
        for tag in ("SignatureDateTime", "SignatureMethod"):
            value = _clean(sig.findtext(f"SignedInfo/{tag}"))
            if value:
                out.append(KeyValue(key=f"signature_{i}_{tag[9:].lower() or tag.lower()}", value=value))
        pages = sorted({a.get("PageRef", "") for a in sig.iter("StampAnnot")})
        if pages:
            out.append(KeyValue(key=f"signature_{i}_stamp_pages", value=",".join(pages)))
        name = _clean(doc.seal_names[i - 1]) if i <= len(doc.seal_names) else ""
        if name:  # the e-seal's own name, as its maker registered it (监制章, 发票专用章, a company's 公章)
            out.append(KeyValue(key=f"signature_{i}_seal_name", value=name))
    return out

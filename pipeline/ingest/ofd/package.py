"""An OFD package opened safely: a zip read in memory under the archive limits, XML parsed without DTDs or entities.

Member names that escape the package (``..``, drive letters) reject the file; sizes are enforced on the bytes actually
read. OFD XML comes with the ``http://www.ofdspec.org/2016`` namespace (``ofd:`` prefix), with another prefix, or with
none at all: :meth:`OfdPackage.xml` strips namespaces from element tags so the rest of the loader uses plain local
names (``Page``, ``TextObject``) whatever the producer wrote.
"""

from __future__ import annotations

import posixpath
import re
import threading
import zipfile
import zlib
import xml.etree.ElementTree as ET

import defusedxml
import defusedxml.ElementTree as SafeET

from pipeline.config import ArchiveLimits
from pipeline.errors import InputError
from pipeline.ingest.archive import open_zip

_DECL_ENCODING = re.compile(rb"^\s*(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding=[\"']([A-Za-z0-9_.-]+)[\"'][^>]*\?>")
_PREFIX = re.compile(rb"<(/?)[A-Za-z0-9_.-]*:(?=[A-Za-z_])|<(/?):")
_XMLNS = re.compile(rb"\sxmlns(?::[A-Za-z0-9_.-]*)?\s*=\s*(?:\"[^\"]*\"|'[^']*')")
_EXPAT_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"}


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].split(":")[-1]


def strip_namespaces(root: ET.Element) -> ET.Element:
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = local_name(el.tag)
    return root


def parse_xml(data: bytes, file_id: str, what: str) -> ET.Element:
    """Parse untrusted XML: no DTD, no entities, no external references. InputError names the file and member."""
    text: bytes | str = data
    m = _DECL_ENCODING.match(data[:200])
    if m and m.group(1).decode().lower() not in _EXPAT_ENCODINGS:  # GBK/GB2312/GB18030 declarations: decode first
        try:
            text = data[m.end():].decode(m.group(1).decode())
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError(file_id, f"{what}: cannot decode XML ({exc})") from exc
    try:
        try:
            return strip_namespaces(_parse(text))
        except ET.ParseError as exc:
            first = exc
        # Some producers write broken namespaces (``<:eInvoice xmlns:="">``, an undeclared ``ofd:`` prefix). Tags are
        # stripped of their namespaces anyway, so drop prefixes and declarations and try once more.
        raw = text.encode("utf-8") if isinstance(text, str) else text
        lenient = _XMLNS.sub(b"", _PREFIX.sub(lambda mm: b"<" + (mm.group(1) or mm.group(2) or b""), raw))
        try:
            return strip_namespaces(_parse(lenient))
        except ET.ParseError:
            raise InputError(file_id, f"{what}: malformed XML ({first})") from first
    except defusedxml.DefusedXmlException as exc:
        raise InputError(file_id, f"{what}: unsafe XML rejected (DTDs and entities are not allowed: {exc})") from exc


def _parse(text: bytes | str) -> ET.Element:
    return SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)


def _clean_member_name(file_id: str, name: str) -> str:
    name = name.replace("\\", "/")
    parts = name.lstrip("/").split("/")
    if (len(name) > 1 and name[1] == ":") or ".." in parts or "\x00" in name:
        raise InputError(file_id, f"unsafe OFD package: member {name!r} points outside the package (path traversal)")
    return "/".join(p for p in parts if p not in ("", "."))


class OfdPackage:
    """Members of an OFD zip by normalised path (case-insensitive fallback). Reads are serialised by a lock."""

    def __init__(self, data: bytes, file_id: str, limits: ArchiveLimits) -> None:
        self.file_id = file_id
        self.limits = limits
        self._zip, infos = open_zip(file_id, data, limits, "OFD package")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if info.flag_bits & 0x1:
                raise InputError(file_id, f"OFD member {info.filename!r} is encrypted")
            self._infos[_clean_member_name(file_id, info.filename)] = info
        self._lower = {k.lower(): k for k in self._infos}
        self._lock = threading.Lock()
        self._read_total = 0
        self._cache: dict[str, bytes] = {}

    def close(self) -> None:
        with self._lock:
            self._zip.close()

    def names(self) -> list[str]:
        return list(self._infos)

    def find(self, path: str | None) -> str | None:
        """The member name for ``path`` (already resolved, package-absolute), or None."""
        if not path:
            return None
        path = path.lstrip("/")
        if path in self._infos:
            return path
        return self._lower.get(path.lower())

    def read(self, path: str) -> bytes:
        name = self.find(path)
        if name is None:
            raise KeyError(path)
        with self._lock:
            if name in self._cache:
                return self._cache[name]
            info = self._infos[name]
            cap = min(self.limits.max_file_bytes, self.limits.max_total_bytes - self._read_total)
            try:
                with self._zip.open(info) as fh:
                    content = fh.read(cap + 1)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError, zlib.error) as exc:
                raise InputError(self.file_id, f"OFD member {name!r} cannot be read ({exc})") from exc
            if len(content) > cap:
                raise InputError(self.file_id, f"OFD member {name!r} expands beyond the size limit (zip bomb?)")
            ratio = len(content) / max(info.compress_size, 1)
            if len(content) > 1 << 20 and ratio > self.limits.max_ratio:
                raise InputError(self.file_id, f"OFD member {name!r} has compression ratio {ratio:.0f}:1 (zip bomb)")
            self._read_total += len(content)
            if name.lower().endswith(".xml"):
                self._cache[name] = content
            return content

    def xml(self, path: str, what: str | None = None) -> ET.Element:
        name = self.find(path)
        if name is None:
            raise InputError(self.file_id, f"{what or path} is missing from the OFD package ({path})")
        return parse_xml(self.read(name), self.file_id, f"{what + ' ' if what else ''}{name}")


def resolve(base_file: str, loc: str | None) -> str | None:
    """A reference inside ``base_file`` (a member path) made package-absolute: ``/x`` from the root, else relative to
    the directory of ``base_file``. None when empty or when it climbs out of the package."""
    if loc is None or not loc.strip():
        return None
    loc = loc.strip().replace("\\", "/")
    joined = loc if loc.startswith("/") else posixpath.join(posixpath.dirname(base_file), loc)
    parts: list[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts) or None

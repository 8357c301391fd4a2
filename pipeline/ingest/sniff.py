"""Detect a file's format from its content. Extensions lie (a ``.png`` holding JPEG data, a ``.jpg`` holding GIF)."""

from __future__ import annotations

import io
import zipfile

PDF = "application/pdf"
OFD = "application/ofd"
ZIP = "application/zip"
JPEG = "image/jpeg"
PNG = "image/png"
GIF = "image/gif"
BMP = "image/bmp"
TIFF = "image/tiff"
WEBP = "image/webp"
UNKNOWN = "application/octet-stream"

IMAGE_TYPES = (JPEG, PNG, GIF, BMP, TIFF, WEBP)

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, JPEG),
    (b"\x89PNG\r\n\x1a\n", 0, PNG),
    (b"GIF87a", 0, GIF),
    (b"GIF89a", 0, GIF),
    (b"BM", 0, BMP),
    (b"II*\x00", 0, TIFF),
    (b"MM\x00*", 0, TIFF),
)


def sniff(data: bytes) -> str:
    """The media type of ``data``, from its leading bytes (and, for zips, from the members' names)."""
    head = data[:1024]
    if b"%PDF-" in head:  # PDF allows junk before the header within the first 1024 bytes
        return PDF
    for magic, offset, media_type in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"PK\x03\x04" or head[:4] == b"PK\x05\x06":
        return _zip_kind(data)
    return UNKNOWN


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = {n.lstrip("/") for n in zf.namelist()}
    except zipfile.BadZipFile:
        return UNKNOWN
    return OFD if "OFD.xml" in names else ZIP

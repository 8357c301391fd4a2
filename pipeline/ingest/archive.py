"""Collect a submission's files from paths (files, folders, zip archives) without trusting the archives.

Archives are read in memory, never extracted to disk. An archive is rejected whole, with an :class:`InputError` naming
it and the member at fault, when a member name escapes the archive (``../``, absolute paths, drive letters), or when
it exceeds the limits of :class:`ArchiveLimits`: member count, uncompressed size per member and in total, and
compression ratio (a zip bomb). Sizes are enforced on the bytes actually read, not on the headers, which can lie.
Member names of zips made on Chinese Windows (GBK without the UTF-8 flag) are decoded as GBK.
"""

from __future__ import annotations

import fnmatch

import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.config import ArchiveLimits
from pipeline.errors import InputError
from pipeline.ingest.sniff import ZIP, sniff
from pipeline.types import SourceFile

_JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_JUNK_DIRS = {"__MACOSX"}


@dataclass(frozen=True)
class InputFile:
    source: SourceFile
    data: bytes


def make_source(file_id: str, data: bytes, parent: str | None = None) -> SourceFile:
    return SourceFile(
        id=file_id,
        name=PurePosixPath(file_id).name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        media_type=sniff(data),
        parent=parent,
    )


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # no UTF-8 flag: zipfile decoded the raw bytes as cp437
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


def _safe_member_path(archive_id: str, name: str) -> str:
    p = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in p.parts:
        raise InputError(archive_id, f"unsafe archive: member {name!r} points outside the archive (path traversal)")
    return str(p)


def _is_junk(path: str) -> bool:
    p = PurePosixPath(path)
    return p.name in _JUNK_NAMES or p.name.startswith("._") or any(part in _JUNK_DIRS for part in p.parts)


def open_zip(file_id: str, data: bytes, limits: ArchiveLimits, what: str) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The zip and its file members, after the member-count and declared-size limits (``what`` names it in errors)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise InputError(file_id, f"not a readable {what} ({exc})") from exc
    if len(infos) > limits.max_files:
        raise InputError(file_id, f"{what} has {len(infos)} files, more than the limit of {limits.max_files}")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_total_bytes:
        raise InputError(file_id, f"{what} would expand to {declared} bytes, more than {limits.max_total_bytes}")
    return zf, infos


def expand_zip(archive_id: str, data: bytes, limits: ArchiveLimits, depth: int = 1) -> list[InputFile]:
    """The files inside a zip archive (nested zips expanded up to ``limits.max_depth``)."""
    zf, infos = open_zip(archive_id, data, limits, "zip archive")

    out: list[InputFile] = []
    total = 0
    with zf:
        for info in infos:
            name = _safe_member_path(archive_id, _member_name(info))
            if _is_junk(name):
                continue
            if info.flag_bits & 0x1:
                raise InputError(archive_id, f"member {name!r} is encrypted; send the archive without a password")
            cap = min(limits.max_file_bytes, limits.max_total_bytes - total)
            try:
                with zf.open(info) as fh:
                    content = fh.read(cap + 1)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise InputError(archive_id, f"member {name!r} cannot be read ({exc})") from exc
            if len(content) > cap:
                raise InputError(archive_id, f"member {name!r} expands beyond the size limit (zip bomb?)")
            ratio = len(content) / max(info.compress_size, 1)
            if len(content) > 1 << 20 and ratio > limits.max_ratio:
                raise InputError(
                    archive_id, f"member {name!r} has compression ratio {ratio:.0f}:1, above {limits.max_ratio:.0f}:1 (zip bomb)"
                )
            total += len(content)
            member_id = f"{archive_id}/{name}"
            if sniff(content) == ZIP:
                if depth >= limits.max_depth:
                    raise InputError(member_id, f"archive nested deeper than {limits.max_depth} levels")
                out.extend(expand_zip(member_id, content, limits, depth + 1))
            else:
                out.append(InputFile(make_source(member_id, content, parent=archive_id), content))
    if total > 1 << 20 and total / max(len(data), 1) > limits.max_ratio:
        raise InputError(archive_id, f"archive expands {total / len(data):.0f}-fold, above {limits.max_ratio:.0f} (zip bomb)")
    return out


def _walk(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and not _is_junk(child.name):
                yield child
    else:
        yield path


def collect(paths: Iterable[str | Path], limits: ArchiveLimits | None = None, exclude: Iterable[str] = ()
            ) -> tuple[list[InputFile], list[InputError]]:
    """All input files under ``paths``, zips expanded; and the errors of paths or archives that could not be read.

    File ids are paths relative to the folder given (or the file's name), so a report names files as the user knows
    them; an archive's members are ``archive.zip/inner/path``. Files whose id matches one of the ``exclude`` glob
    patterns (``manifest.json``, ``labels/*``) are left out.
    """
    exclude = tuple(exclude)
    limits = limits or ArchiveLimits()
    roots = [Path(p) for p in paths]
    files: list[InputFile] = []
    errors: list[InputError] = []
    seen: set[str] = set()
    for root in roots:
        if not root.exists():
            errors.append(InputError(str(root), "no such file or folder"))
            continue
        for path in _walk(root):
            file_id = str(path.relative_to(root)) if root.is_dir() else path.name
            if root.is_dir() and len(roots) > 1:
                file_id = f"{root.name}/{file_id}"
            base, n = file_id, 2
            while file_id in seen:
                file_id, n = f"{base}#{n}", n + 1
            seen.add(file_id)
            if any(fnmatch.fnmatchcase(file_id, pat) for pat in exclude):
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                errors.append(InputError(file_id, f"cannot be read ({exc.strerror})"))
                continue
            if sniff(data) == ZIP:
                try:
                    files.extend(expand_zip(file_id, data, limits))
                except InputError as exc:
                    errors.append(exc)
            else:
                files.append(InputFile(make_source(file_id, data), data))
    return files, errors

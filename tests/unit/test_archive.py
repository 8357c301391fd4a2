import io
import zipfile

import pytest

from pipeline.config import ArchiveLimits
from pipeline.errors import InputError
from pipeline.ingest.archive import collect, expand_zip
from pipeline.ingest.sniff import JPEG, PDF, ZIP, sniff

PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _zip(members: dict[str, bytes], *, utf8_names: bool = True, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()


def test_members_are_listed_with_archive_prefixed_ids_and_junk_skipped():
    data = _zip({"contract/合同.pdf": PDF_BYTES, "__MACOSX/._合同.pdf": b"junk", ".DS_Store": b"x"})
    files = expand_zip("sub.zip", data, ArchiveLimits())
    assert [f.source.id for f in files] == ["sub.zip/contract/合同.pdf"]
    assert files[0].source.parent == "sub.zip"
    assert files[0].source.media_type == PDF


@pytest.mark.parametrize("name", ["../evil.pdf", "a/../../evil.pdf", "/etc/passwd", "C:/Windows/evil.pdf", "..\\evil.pdf"])
def test_path_traversal_rejects_the_whole_archive(name):
    data = _zip({"ok.pdf": PDF_BYTES, name: PDF_BYTES})
    with pytest.raises(InputError) as err:
        expand_zip("bad.zip", data, ArchiveLimits())
    assert err.value.file == "bad.zip"
    assert "path traversal" in err.value.reason


def test_zip_bomb_by_ratio_is_rejected():
    data = _zip({"bomb.pdf": b"\0" * (20 * 1024 * 1024)})  # 20 MiB of zeros compress about 1000:1
    assert len(data) < 100_000
    with pytest.raises(InputError, match="zip bomb"):
        expand_zip("bomb.zip", data, ArchiveLimits())


def test_member_larger_than_limit_is_rejected_even_if_header_lies():
    data = _zip({"big.pdf": PDF_BYTES + b"x" * 5000}, compression=zipfile.ZIP_STORED)
    with pytest.raises(InputError, match="size limit"):
        expand_zip("big.zip", data, ArchiveLimits(max_file_bytes=1000))


def test_too_many_members_is_rejected():
    data = _zip({f"{i}.pdf": PDF_BYTES for i in range(12)})
    with pytest.raises(InputError, match="more than the limit of 10"):
        expand_zip("many.zip", data, ArchiveLimits(max_files=10))


def test_nested_archives_expand_to_the_depth_limit():
    inner = _zip({"inv.pdf": PDF_BYTES})
    outer = _zip({"inner.zip": inner})
    files = expand_zip("outer.zip", outer, ArchiveLimits(max_depth=2))
    assert [f.source.id for f in files] == ["outer.zip/inner.zip/inv.pdf"]
    with pytest.raises(InputError, match="nested deeper"):
        expand_zip("outer.zip", _zip({"mid.zip": outer}), ArchiveLimits(max_depth=2))


def test_gbk_member_names_from_chinese_windows_are_decoded():
    gbk = "发票.pdf".encode("gbk")
    placeholder = b"X" * (len(gbk) - 4) + b".pdf"
    # an ASCII name of the same length, swapped for the raw GBK bytes: no UTF-8 flag, as Windows zip tools write it
    raw = _zip({placeholder.decode(): PDF_BYTES}).replace(placeholder, gbk)
    files = expand_zip("sub.zip", raw, ArchiveLimits())
    assert files[0].source.id == "sub.zip/发票.pdf"


def test_corrupt_zip_is_an_input_error_naming_the_file():
    data = _zip({"a.pdf": PDF_BYTES})
    with pytest.raises(InputError) as err:
        expand_zip("broken.zip", data[:30] + b"\0" * 50, ArchiveLimits())
    assert err.value.file == "broken.zip"


def test_collect_walks_folders_and_keeps_going_past_a_bad_archive(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "contract.pdf").write_bytes(PDF_BYTES)
    (tmp_path / "evil.zip").write_bytes(_zip({"../x.pdf": PDF_BYTES}))
    (tmp_path / "good.zip").write_bytes(_zip({"inv.pdf": PDF_BYTES}))
    files, errors = collect([tmp_path])
    assert sorted(f.source.id for f in files) == ["a/contract.pdf", "good.zip/inv.pdf"]
    assert [e.file for e in errors] == ["evil.zip"]
    files, errors = collect([tmp_path / "a", tmp_path / "missing.pdf"])
    assert [f.source.id for f in files] == ["a/contract.pdf"]  # several roots: ids keep the folder name
    assert [e.reason for e in errors] == ["no such file or folder"]


def test_sniff_uses_content_not_extension():
    assert sniff(b"\xff\xd8\xff\xe0" + b"\0" * 20) == JPEG
    assert sniff(_zip({"a.pdf": PDF_BYTES})) == ZIP
    assert sniff(b"junk" + PDF_BYTES) == PDF
    assert sniff(_zip({"OFD.xml": b"<ofd/>"})) == "application/ofd"

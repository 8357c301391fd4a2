import io

from pipeline.cli import _Progress


def test_progress_bar_counts_pages_across_files_as_they_are_opened():
    out = io.StringIO()
    progress = _Progress(enabled=True, file=out)
    for file_id, count in (("contract.pdf", 3), ("invoice.ofd", 1)):
        for index in range(count):
            progress(file_id, index, count)
    assert progress.bar.n == 4 and progress.bar.total == 4
    progress.close()
    assert "4/4" in out.getvalue() and "invoice.ofd" in out.getvalue()


def test_progress_bar_stays_silent_when_disabled():
    out = io.StringIO()
    progress = _Progress(enabled=False, file=out)
    progress("a.pdf", 0, 2)
    progress.close()
    assert out.getvalue() == "" and progress.bar is None

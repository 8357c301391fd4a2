"""The pipeline's exception hierarchy.

Every failure the pipeline raises on purpose is a :class:`PipelineError`. Low confidence is data, not an exception:
these are for input that cannot be processed, models that cannot be loaded and stages that broke.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class of every error the pipeline raises on purpose."""


class InputError(PipelineError):
    """A file cannot be processed: corrupt, encrypted, empty, unsupported or unsafe.

    Carries the file name so that a report can say which file of a submission failed and why.
    """

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


class ModelError(PipelineError):
    """A model or engine is missing, unverifiable or fails to load. The message names the path and the fix."""


class StageError(PipelineError):
    """A stage failed on one page; the other pages and files go on."""

    def __init__(self, stage: str, message: str, *, file: str | None = None, page: int | None = None) -> None:
        self.stage = stage
        self.file = file
        self.page = page
        where = ", ".join(p for p in (file, None if page is None else f"page {page + 1}") if p)
        super().__init__(f"{stage} failed{' on ' + where if where else ''}: {message}")


class ConfigError(PipelineError):
    """A setting or option is invalid (unknown engine name, bad value)."""


class RulePackError(PipelineError):
    """A rule pack is invalid; raised at load time with the file and the rule id."""

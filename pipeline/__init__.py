"""evidence-pipeline: pre-screening of evidence for Chinese SME digitalisation subsidies."""

__version__ = "0.1.0"

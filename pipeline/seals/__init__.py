"""Seals: find every seal on a page (red ink, or ring structure on greyscale pages), read its text with the OCR
engine's recogniser and classify it (type, shape, owner, code). See docs/seals.md."""

from pipeline.seals.classify import classify
from pipeline.config import SealConfig
from pipeline.seals.detect import Candidate, SealDetector
from pipeline.seals.read import SealReader, SealText
from pipeline.seals.stage import SealStage

__all__ = ["Candidate", "SealConfig", "SealDetector", "SealReader", "SealStage", "SealText", "classify"]

"""Synthetic evidence for tests and benchmarks: rendered pages with their ground truth, and scanner degradations.

Everything here is deterministic for a given seed and uses only local fonts (fonts-noto-cjk).
"""

"""Scanner-style degradations of a page image, seeded: skew, blur, noise, uneven light, JPEG.

Images are HxWx3 BGR uint8 numpy arrays (the pipeline's page raster). :func:`degrade` returns the affine matrix of
the geometric part so that ground-truth boxes can follow the page (:func:`map_points`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class DegradeParams:
    skew_deg: float = 0.0  # counter-clockwise, as cv2.getRotationMatrix2D
    blur_sigma: float = 0.0
    noise_sigma: float = 0.0
    light_strength: float = 0.0  # darkest corner loses this share of its brightness
    light_angle: float = 0.0  # direction of the light gradient, degrees
    jpeg_quality: int = 0  # 0: no JPEG round trip


@dataclass(frozen=True)
class Degraded:
    image: np.ndarray
    matrix: np.ndarray  # 2x3 affine: source page pixels -> degraded image pixels
    params: DegradeParams


def sample_params(rng: random.Random, max_skew: float = 3.0, jpeg: bool = True) -> DegradeParams:
    return DegradeParams(
        skew_deg=round(rng.uniform(-max_skew, max_skew), 2),
        blur_sigma=round(rng.uniform(0.3, 0.9), 2),
        noise_sigma=round(rng.uniform(2.0, 8.0), 1),
        light_strength=round(rng.uniform(0.05, 0.25), 2),
        light_angle=round(rng.uniform(0, 360), 1),
        jpeg_quality=rng.randrange(55, 86) if jpeg else 0,
    )


def skew(image: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate about the centre, same canvas size, white fill."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    out = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    return out, matrix


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return image if sigma <= 0 else cv2.GaussianBlur(image, (0, 0), sigma)


def add_noise(image: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    if sigma <= 0:
        return image
    noise = np.random.default_rng(seed).normal(0.0, sigma, image.shape[:2]).astype(np.float32)
    return np.clip(image.astype(np.float32) + noise[:, :, None], 0, 255).astype(np.uint8)


def uneven_light(image: np.ndarray, strength: float, angle: float) -> np.ndarray:
    """Multiply by a linear brightness ramp along ``angle``: 1.0 on one side, 1 - strength on the other."""
    if strength <= 0:
        return image
    h, w = image.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    t = np.cos(np.radians(angle)) * xs / w + np.sin(np.radians(angle)) * ys / h
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    gain = (1.0 - strength * t)[:, :, None]
    return np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    if quality <= 0:
        return image
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def degrade(image: np.ndarray, seed: int, *, max_skew: float = 3.0, params: DegradeParams | None = None,
            apply_jpeg: bool = True) -> Degraded:
    """A scanned-looking copy of ``image``. ``apply_jpeg=False`` leaves the JPEG step to the caller's encoder."""
    params = params or sample_params(random.Random(seed), max_skew)
    out, matrix = skew(image, params.skew_deg)
    out = uneven_light(blur(out, params.blur_sigma), params.light_strength, params.light_angle)
    out = add_noise(out, params.noise_sigma, seed)
    if apply_jpeg:
        out = jpeg(out, params.jpeg_quality)
    return Degraded(image=out, matrix=matrix, params=params)


def map_points(matrix: np.ndarray, points) -> list[tuple[float, float]]:
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    mapped = pts @ matrix[:, :2].T + matrix[:, 2]
    return [(float(x), float(y)) for x, y in mapped]

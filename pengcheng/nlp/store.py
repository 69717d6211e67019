"""模型文件: where model versions live on disk, and the per-process cache of loaded models.

A model file is written once (``hotline-v<N>.joblib`` under ``PENGCHENG_NLP_MODEL_DIR``) and its
SHA-256 kept in the version's row; a file that is missing, altered or unreadable is not loaded. The
active version is looked up at most every few seconds, and each version is unpickled at most once per
process. When the active model cannot be loaded, classification returns nothing (dispatchers work
by hand), the failure is logged and written on the version row for the console's warning.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path
from typing import Any

import joblib
from django.conf import settings

from pengcheng.nlp.models import ModelVersion, VersionStatus
from pengcheng.nlp.pipeline import TextModel

logger = logging.getLogger(__name__)

ACTIVE_CACHE_SECONDS = 10.0
_lock = threading.Lock()
_models: dict[int, TextModel] = {}
_failed: dict[int, str] = {}
_active: dict[str, Any] = {"checked": 0.0, "version": None}


class ModelUnavailable(Exception):
    """The model file cannot be used; the message says why (for operators)."""


def model_dir() -> Path:
    configured = getattr(settings, "PENGCHENG_NLP_MODEL_DIR", "")
    path = Path(configured) if configured else Path(settings.DATA_DIR) / "models" / "nlp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(model: TextModel, version: int) -> tuple[str, str, int]:
    """Write the model file for ``version``; returns (file name, sha256, size)."""
    name = f"hotline-v{version}.joblib"
    path = model_dir() / name
    partial = path.with_suffix(".partial")
    joblib.dump(model, partial, compress=3)
    partial.replace(path)  # never leave a half-written file under the final name
    return name, file_sha256(path), path.stat().st_size


_digests: dict[tuple[str, int, int], str] = {}


def check_file(version: ModelVersion) -> str:
    """Why the version's file cannot be used, or "" when it is present and intact. The checksum of
    an unchanged file (same path, size and modification time) is computed once per process."""
    path = model_dir() / version.file_name
    try:
        stat = path.stat()
    except OSError:
        return f"model file {version.file_name} is missing"
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    digest = _digests.get(key)
    if digest is None:
        digest = _digests[key] = file_sha256(path)
    if digest != version.sha256:
        return f"model file {version.file_name} does not match its checksum (altered or corrupt)"
    return ""


def load(version: ModelVersion) -> TextModel:
    """The model of ``version``, unpickled once per process. Raises ``ModelUnavailable``."""
    cached = _models.get(version.version)
    if cached is not None:
        return cached
    with _lock:
        cached = _models.get(version.version)
        if cached is not None:
            return cached
        problem = check_file(version)
        model: Any = None
        if not problem:
            try:
                model = joblib.load(model_dir() / version.file_name)
            except Exception as exc:  # a damaged pickle can raise nearly anything
                problem = f"model file {version.file_name} cannot be read: {type(exc).__name__}"
        if not problem and not isinstance(model, TextModel):
            problem = f"model file {version.file_name} does not hold a text model"
        if problem:
            _failed[version.version] = problem
            raise ModelUnavailable(problem)
        _failed.pop(version.version, None)
        _models[version.version] = model
        return model


def active_version() -> ModelVersion | None:
    now = time.monotonic()
    if now - float(_active["checked"]) < ACTIVE_CACHE_SECONDS:
        return _active["version"]
    found = ModelVersion.objects.filter(status=VersionStatus.ACTIVE).first()
    _active["version"] = found
    _active["checked"] = now
    return found


def active_model() -> tuple[ModelVersion, TextModel] | None:
    """The active version and its model, or None (no active version, or it cannot be loaded:
    logged, and noted on the version row for the console)."""
    version = active_version()
    if version is None:
        return None
    if version.version in _failed:
        return None
    try:
        return version, load(version)
    except ModelUnavailable as exc:
        logger.error("hotline classifier v%s unavailable, dispatch is manual: %s", version.version, exc)
        ModelVersion.objects.filter(pk=version.pk).update(load_error=str(exc)[:300])
        return None


def forget(version: int | None = None) -> None:
    """Drop cached state (after promotion, rollback, or in tests)."""
    with _lock:
        _active["checked"] = 0.0
        if version is None:
            _models.clear()
            _failed.clear()
            _digests.clear()
        else:
            _models.pop(version, None)
            _failed.pop(version, None)

"""Classifier test fixtures: a scratch model folder and fresh per-process caches."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from pengcheng.hotline import deadlines, routing, selectors
from pengcheng.nlp import store, suggest


@pytest.fixture(autouse=True)
def model_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "models"
    with override_settings(PENGCHENG_NLP_MODEL_DIR=str(folder)):
        store.forget()
        yield folder
    store.forget()
    suggest.forget_lookups()
    selectors.forget_categories()
    routing.forget_rules()
    deadlines.forget_rules()

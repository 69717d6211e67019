"""The per-process knowledge-base search index (知识检索).

Each process builds an ``engine.Index`` from the published articles' stored search terms and the
active learned model on first use, and rebuilds it when any process changes an article or the
model (a version counter in the cache, checked every few seconds; a change in this process is seen
at once). Up to 5,000 articles the rebuild happens in the request (about a second); above that, in
a background thread while the previous index keeps answering.
Validity dates are checked at query time, so an article whose validity ends drops out
the next day without a rebuild; drafts and expired articles are not in the index at all.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from django.core.cache import cache
from django.db import transaction

from pengcheng.knowledge import engine
from pengcheng.knowledge.models import Article, ArticleStatus, SearchModel

_VERSION_KEY = "pengcheng:knowledge:index-version"
_RECHECK_SECONDS = 3.0
_lock = threading.Lock()
_state: dict[str, Any] = {"index": None, "version": None, "checked": 0.0, "stale": False, "building": False}


def _analysed(terms: dict[str, Any], body: str, title: str, variants: list[str]) -> engine.Analysed:
    if terms:
        return engine.Analysed.from_json(terms)
    return engine.analyse(body, title, variants)  # rows written before terms were stored


def documents_from_db(*, published_only: bool = True) -> list[engine.Document]:
    rows = Article.objects.order_by("key")
    if published_only:
        rows = rows.filter(status=ArticleStatus.PUBLISHED)
    return [
        engine.Document(
            key=key,
            analysed=_analysed(terms, body, title, variants),
            valid_from=valid_from,
            valid_to=valid_to,
            live=status == ArticleStatus.PUBLISHED,
        )
        for key, terms, body, title, variants, valid_from, valid_to, status in rows.values_list(
            "key", "search_terms", "body", "title", "variants", "valid_from", "valid_to", "status"
        ).iterator(chunk_size=2000)
    ]


def active_model() -> engine.LearnedModel:
    row = SearchModel.objects.filter(active=True).order_by("-created_at").values_list("parameters", flat=True).first()
    return engine.LearnedModel.from_json(row)


def _load() -> engine.Index:
    return engine.Index(documents_from_db(), active_model())


SYNC_REBUILD_LIMIT = 5000  # below this many articles a rebuild takes about a second: do it in the request


def _rebuild_in_background(version: int) -> None:
    def run() -> None:
        try:
            fresh = _load()
        finally:
            from django.db import connection

            connection.close()  # this thread's own connection
        with _lock:
            _state["index"] = fresh
            _state["version"] = version
            _state["building"] = False

    _state["building"] = True
    threading.Thread(target=run, name="knowledge-index", daemon=True).start()


def index() -> engine.Index:
    """This process's index. A large index is rebuilt in a background thread while the previous one
    keeps answering; ``selectors.search`` re-checks every hit in the database, so an article
    withdrawn meanwhile is still never returned (a new one shows up when the rebuild is done)."""
    now = time.monotonic()
    current: engine.Index | None = _state["index"]
    if current is not None and not _state["stale"] and now - _state["checked"] < _RECHECK_SECONDS:
        return current
    with _lock:
        version = cache.get(_VERSION_KEY, 0)
        current = _state["index"]
        if current is None or ((_state["stale"] or version != _state["version"]) and len(current) < SYNC_REBUILD_LIMIT):
            current = _state["index"] = _load()
            _state["version"] = version
        elif (_state["stale"] or version != _state["version"]) and not _state["building"]:
            _rebuild_in_background(version)
        _state["stale"] = False
        _state["checked"] = time.monotonic()
        return current


def search(query: str, limit: int = 5, on: dt.date | None = None) -> list[tuple[str, float]]:
    """(article key, score) pairs, best first; only articles answerable on ``on`` (default today)."""
    return index().search(query[:500], limit=limit, on=on)


def invalidate() -> None:
    """Rebuild this process's index on next use, and every other process's once the transaction commits."""

    def _bump() -> None:
        try:
            cache.incr(_VERSION_KEY)
        except ValueError:
            cache.set(_VERSION_KEY, 1, timeout=None)
        _state["stale"] = True

    _state["stale"] = True
    transaction.on_commit(_bump)


def reset() -> None:
    """Forget this process's index now (tests whose transaction rolls back call this)."""
    _state["index"] = None
    _state["stale"] = False

"""Chinese search over the catalogue: an in-process inverted index, the same on SQLite and PostgreSQL.

Terms are computed once, when a version is published (``terms_for``), and stored on the version:
jieba words of the name, themes, department, materials and guide, weighted by field; character
bigrams of the name (a wrong character still leaves most bigrams matching); and pinyin syllable
bigrams of the name (a homophone typo such as 居住正 for 居住证 matches exactly). A query is expanded
with a synonym table (社保 → 社会保险, 老人 → 高龄, …); a query in Latin letters matches the full
pinyin or the initials of names (``gaolingjintie``, ``gljt``).

Each process builds the index from the database on first use and rebuilds it when any process
publishes a change (a version counter in the cache, checked every few seconds). Building reads the
stored terms only, so it takes well under a second for 10,000 items.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import re
import threading
import time
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jieba
from django.core.cache import cache
from django.db import transaction
from pypinyin import Style, lazy_pinyin

from pengcheng.catalog.models import ItemStatus, ServiceItem

jieba.setLogLevel(logging.WARNING)

# Groups of words people use for the same thing. Each word is also taught to the tokenizer.
SYNONYMS: list[tuple[str, ...]] = [
    ("社保", "社会保险", "养老保险", "医保"),
    ("医保", "医疗保险", "医疗保障"),
    ("公积金", "住房公积金"),
    ("老人", "老年人", "高龄", "长者", "敬老"),
    ("高龄津贴", "老年人津贴", "长寿补贴", "敬老金"),
    ("身份证", "居民身份证"),
    ("居住证", "深圳经济特区居住证", "暂住证"),
    ("签注", "续签", "延期"),
    ("营业执照", "个体工商户", "工商登记", "开店", "开公司", "市场主体"),
    ("开公司", "企业设立", "公司设立", "企业开办"),
    ("人才引进", "人才补贴", "引进人才", "落户补贴", "新引进人才"),
    ("落户", "入户", "户籍迁入", "迁户口"),
    ("户口", "户籍"),
    ("结婚", "婚姻登记", "领证"),
    ("离婚", "婚姻登记"),
    ("生孩子", "生育", "出生", "新生儿"),
    ("生育津贴", "生育保险", "产假"),
    ("驾照", "驾驶证", "机动车驾驶证"),
    ("车牌", "号牌", "机动车登记"),
    ("护照", "出入境", "普通护照"),
    ("港澳通行证", "往来港澳通行证", "港澳"),
    ("失业", "失业保险", "失业金"),
    ("退休", "养老金", "退休金"),
    ("残疾", "残疾人", "残疾人证"),
    ("低保", "最低生活保障", "社会救助"),
    ("上学", "入学", "学位", "义务教育"),
    ("房子", "住房", "住房保障", "公租房", "保障性住房"),
    ("交税", "纳税", "税务", "发票"),
    ("食品", "食品经营", "食品经营许可"),
    ("卫生", "卫生许可", "公共场所卫生许可"),
    ("狗", "犬只", "养犬", "犬类"),
    ("当兵", "兵役", "退役军人", "征兵"),
]
_SYNONYM_INDEX: dict[str, set[str]] = defaultdict(set)
for _group in SYNONYMS:
    for _word in _group:
        _SYNONYM_INDEX[_word].update(w for w in _group if w != _word)
        jieba.add_word(_word, freq=20000)

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_QUERY = re.compile(r"^[A-Za-z\s']+$")
STOPWORDS = frozenset("的和与及或等在对为了是由将其之中按向于以个年月日号第条款项")

# Field weights.
W_NAME, W_NAME_BIGRAM, W_PINYIN, W_THEME, W_DEPARTMENT, W_MATERIAL, W_GUIDE = 6.0, 3.0, 2.0, 4.0, 1.5, 1.0, 0.5


def words(text: str) -> list[str]:
    """jieba words (search mode) without punctuation and stop words."""
    found = []
    for word in jieba.lcut_for_search(text or ""):
        word = _PUNCT.sub("", word).lower()
        if word and word not in STOPWORDS:
            found.append(word)
    return found


def bigrams(text: str) -> list[str]:
    grams: list[str] = []
    for run in _CJK.findall(text or ""):
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def pinyin_bigrams(text: str) -> list[str]:
    grams: list[str] = []
    for run in _CJK.findall(text or ""):
        syllables = lazy_pinyin(run)
        grams.extend(f"py:{a}_{b}" for a, b in itertools.pairwise(syllables))
    return grams


def terms_for(
    *, name: str, themes: Iterable[str], department: str, materials: Iterable[str], guide: str
) -> dict[str, Any]:
    """The stored search terms of one version: ``{"t": {term: weight}, "py": …, "pyi": …}``."""
    weights: dict[str, float] = defaultdict(float)

    def add(terms: Iterable[str], weight: float) -> None:
        for term in set(terms):
            weights[term] = max(weights[term], weight)

    add(words(name), W_NAME)
    add((f"bi:{g}" for g in bigrams(name)), W_NAME_BIGRAM)
    add(pinyin_bigrams(name), W_PINYIN)
    for theme in themes:
        add([f"theme:{theme}"], W_THEME)
        add(words(theme), W_THEME / 2)
    add(words(department), W_DEPARTMENT)
    add((w for material in materials for w in words(material)), W_MATERIAL)
    add(words(guide[:3000]), W_GUIDE)
    syllables = lazy_pinyin(name)
    return {
        "t": {term: round(weight, 2) for term, weight in weights.items()},
        "py": "".join(s for s in syllables if s.isascii()).lower(),
        "pyi": "".join(s[0] for s in lazy_pinyin(name, style=Style.FIRST_LETTER) if s and s.isascii()).lower(),
    }


@dataclass
class Hit:
    ids: list[int]
    total: int


@dataclass
class _Doc:
    item_id: int
    name: str
    pinyin: str
    initials: str
    department_id: int
    themes: tuple[str, ...]
    audiences: tuple[str, ...]
    division_prefix: str


@dataclass
class SearchIndex:
    docs: list[_Doc] = field(default_factory=list)
    postings: dict[str, tuple[array, array]] = field(default_factory=dict)
    filter_cache: dict[tuple[str, str], frozenset[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, rows: Iterable[tuple[Any, ...]]) -> SearchIndex:
        index = cls()
        building: dict[str, tuple[array, array]] = {}
        for item_id, name, department_id, themes, audiences, prefix, stored in rows:
            stored = stored or {}
            position = len(index.docs)
            index.docs.append(
                _Doc(
                    item_id,
                    name,
                    stored.get("py", ""),
                    stored.get("pyi", ""),
                    department_id,
                    tuple(themes or ()),
                    tuple(audiences or ()),
                    prefix or "",
                )
            )
            for term, weight in (stored.get("t") or {}).items():
                posting = building.get(term)
                if posting is None:
                    posting = building[term] = (array("i"), array("f"))
                posting[0].append(position)
                posting[1].append(weight)
        index.postings = building
        return index

    def _idf(self, term: str) -> float:
        posting = self.postings.get(term)
        if posting is None:
            return 0.0
        n = len(self.docs)
        return math.log(1 + (n - len(posting[0]) + 0.5) / (len(posting[0]) + 0.5))

    def _query_terms(self, query: str) -> dict[str, float]:
        terms: dict[str, float] = {}

        def add(term: str, weight: float) -> None:
            terms[term] = max(terms.get(term, 0.0), weight)

        for word in words(query):
            add(word, 1.0)
            add(f"theme:{word}", 1.0)
            for synonym in _SYNONYM_INDEX.get(word, ()):
                for part in words(synonym):
                    add(part, 0.7)
        for gram in bigrams(query):
            add(f"bi:{gram}", 0.8)
        for gram in pinyin_bigrams(query):
            add(gram, 0.8)
        return terms

    def _matching(self, kind: str, value: str) -> frozenset[int]:
        """Positions of the documents passing one filter, computed once per index and value."""
        key = (kind, value)
        found = self.filter_cache.get(key)
        if found is None:
            if kind == "department":
                found = frozenset(p for p, d in enumerate(self.docs) if str(d.department_id) == value)
            elif kind == "theme":
                found = frozenset(p for p, d in enumerate(self.docs) if value in d.themes)
            elif kind == "audience":
                found = frozenset(p for p, d in enumerate(self.docs) if value in d.audiences)
            else:  # district: its own items and those of the levels above it
                found = frozenset(
                    p
                    for p, d in enumerate(self.docs)
                    if value.startswith(d.division_prefix) or d.division_prefix.startswith(value)
                )
            self.filter_cache[key] = found
        return found

    def _allowed(self, department: int | None, theme: str, audience: str, district: str) -> frozenset[int] | None:
        """Positions passing every filter, or None when there is no filter."""
        sets = [
            self._matching(kind, value)
            for kind, value in (
                ("department", "" if department is None else str(department)),
                ("theme", theme),
                ("audience", audience),
                ("district", district),
            )
            if value
        ]
        if not sets:
            return None
        sets.sort(key=len)
        allowed = sets[0]
        for other in sets[1:]:
            allowed = allowed & other
        return allowed

    def search(
        self,
        query: str = "",
        *,
        department: int | None = None,
        theme: str = "",
        audience: str = "",
        district: str = "",
        offset: int = 0,
        limit: int = 20,
    ) -> Hit:
        query = query.strip()[:100]
        allowed = self._allowed(department, theme, audience, district)
        if not query:
            positions = range(len(self.docs)) if allowed is None else sorted(allowed)
            return Hit([self.docs[p].item_id for p in positions[offset : offset + limit]], len(positions))
        scores: dict[int, float] = defaultdict(float)
        if _LATIN_QUERY.match(query):
            latin = re.sub(r"[\s']+", "", query).lower()
            for position, doc in enumerate(self.docs):
                if latin and (latin in doc.pinyin or (len(latin) >= 2 and doc.initials.startswith(latin))):
                    scores[position] += 10.0 + (5.0 if doc.pinyin.startswith(latin) else 0.0)
        for term, query_weight in self._query_terms(query).items():
            posting = self.postings.get(term)
            if posting is None:
                continue
            factor = query_weight * self._idf(term)
            for position, weight in zip(posting[0], posting[1], strict=True):
                scores[position] += factor * weight
        if allowed is not None:
            scores = defaultdict(float, {p: s for p, s in scores.items() if p in allowed})
        if len(query) > 1:
            for position in scores:
                if query in self.docs[position].name:
                    scores[position] += 50.0
        best = heapq.nsmallest(offset + limit, scores.items(), key=lambda pair: (-pair[1], pair[0]))
        return Hit([self.docs[p].item_id for p, _ in best[offset:]], len(scores))


# The per-process index --------------------------------------------------------------------------

_VERSION_KEY = "pengcheng:catalog:index-version"
_RECHECK_SECONDS = 3.0
_lock = threading.Lock()
_state: dict[str, Any] = {"index": None, "version": None, "checked": 0.0}


def _load() -> SearchIndex:
    rows = (
        ServiceItem.objects.filter(status=ItemStatus.ONLINE, current_version__isnull=False)
        .order_by("code")
        .values_list(
            "pk",
            "current_version__name",
            "department_id",
            "current_version__themes",
            "current_version__audiences",
            "division__prefix",
            "current_version__search_terms",
        )
    )
    return SearchIndex.build(rows.iterator(chunk_size=2000))


def index() -> SearchIndex:
    now = time.monotonic()
    if _state["index"] is not None and now - _state["checked"] < _RECHECK_SECONDS:
        return _state["index"]
    with _lock:
        version = cache.get(_VERSION_KEY, 0)
        if _state["index"] is None or version != _state["version"]:
            _state["index"] = _load()
            _state["version"] = version
        _state["checked"] = time.monotonic()
        return _state["index"]


def index_version() -> int:
    """A number that changes whenever any process publishes a catalogue change."""
    version: int = cache.get(_VERSION_KEY, 0)
    return version


def invalidate() -> None:
    """Rebuild this process's index on next use, and make every other process rebuild its own once
    the current transaction commits."""

    def _bump() -> None:
        try:
            cache.incr(_VERSION_KEY)
        except ValueError:
            cache.set(_VERSION_KEY, 1, timeout=None)
        _state["index"] = None

    _state["index"] = None
    transaction.on_commit(_bump)


def reset() -> None:
    """Forget this process's index now (tests whose transaction rolls back call this)."""
    _state["index"] = None

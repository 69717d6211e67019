"""热点发现: clustering requests by topic, place and time window, and the hotness index.

Pure functions over plain records (no database), so the scheduled job, the Teddy Cup evaluation
command and the benchmark run exactly the same code.

1. Text → TF-IDF over jieba words (1–2 grams) and character bigrams, L2-normalised (scikit-learn).
2. A sparse similarity graph: cosine ≥ ``threshold`` between two requests of the same place (when both
   places are known), computed in row blocks so memory stays flat.
3. Greedy leader clustering on that graph: the request with most neighbours leads a cluster of its
   unassigned neighbours; the rest join their most similar assigned neighbour. Unlike connected
   components this does not chain unrelated requests through intermediate ones.
4. Hotness from volume, growth against the previous window, distinct callers and votes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

DEFAULT_THRESHOLD = 0.35
DEFAULT_MERGE = 0.45
MAX_CHARS = 200  # the subject and the start of a request say what it is about
BLOCK = 2000
SMALL_WINDOW = 200

# Words that occur in almost every request and say nothing about its topic.
STOPWORDS = frozenset(
    [
        "我们",
        "你们",
        "他们",
        "自己",
        "这个",
        "那个",
        "这些",
        "那些",
        "什么",
        "怎么",
        "如何",
        "为什么",
        "是否",
        "能否",
        "可以",
        "没有",
        "一个",
        "一些",
        "已经",
        "现在",
        "目前",
        "希望",
        "请问",
        "请求",
        "要求",
        "反映",
        "投诉",
        "咨询",
        "建议",
        "问题",
        "情况",
        "相关",
        "部门",
        "领导",
        "政府",
        "市民",
        "群众",
        "居民",
        "谢谢",
        "感谢",
        "你好",
        "您好",
        "尊敬",
        "关于",
        "对于",
        "以及",
        "还是",
        "但是",
        "因为",
        "所以",
        "如果",
        "而且",
        "并且",
        "或者",
        "就是",
        "不是",
        "这样",
        "那么",
        "进行",
        "解决",
        "处理",
        "一下",
        "非常",
        "严重",
        "影响",
        "存在",
        "出现",
        "导致",
        "造成",
        "时候",
        "时间",
        "今年",
        "去年",
        "每天",
        "多次",
        "一直",
        "本人",
        "我家",
        "我们",
        "大家",
        "有关",
        "有些",
        "这里",
        "那里",
        "其他",
        "其中",
        "之后",
        "之前",
        "以来",
        "以后",
        "以前",
        "为了",
        "通过",
        "根据",
        "按照",
        "能够",
        "应该",
        "需要",
        "不能",
        "不会",
        "不要",
        "还有",
        "而是",
        "只是",
        "只有",
        "由于",
        "然后",
        "同时",
        "是不是",
        "有没有",
        "到底",
        "究竟",
        "多少",
        "留言",
        "网友",
        "来电",
        "市长",
        "书记",
        "回复",
        "答复",
        "尽快",
        "及时",
        "落实",
        "督促",
        "望",
        "请",
        "谢",
        "万分",
    ]
)
_PLACE = re.compile(r"[A-Z]\d*[市区县]|[A-Z]\d+")
_NOISE = re.compile(r"[\s\d０-９a-zA-Z_\-—:：/\\.,，。；;！!？?、\"'“”‘’（）()《》【】\[\]…·~～@#%&*+=<>|^$]+")


@dataclass
class Doc:
    """One request as the clustering sees it."""

    key: Any
    title: str
    text: str
    at: dt.datetime
    place: str = ""
    caller: str = ""
    votes: int = 0


@dataclass
class Cluster:
    """A hot-topic candidate: the indexes of its requests and its figures."""

    members: list[int]
    terms: list[str] = field(default_factory=list)
    place: str = ""
    count: int = 0
    previous: int = 0
    callers: int = 0
    votes: int = 0
    growth: float = 1.0
    hotness: float = 0.0
    representatives: list[int] = field(default_factory=list)
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None

    @property
    def label(self) -> str:
        return " ".join(self.terms[:4])


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def clean(text: str) -> str:
    """Drop place codes (place is a separate dimension), digits, Latin letters and punctuation."""
    return _NOISE.sub(" ", _PLACE.sub(" ", text or ""))


def words(text: str) -> list[str]:
    """Content words of a request (jieba, without the HMM for speed; stopwords and single characters out)."""
    jieba = _jieba()
    return [w for w in jieba.lcut(text, HMM=False) if len(w) > 1 and w not in STOPWORDS and not w.isspace()]


WORD_CHARS = 80


def _doc_text(doc: Doc) -> str:
    return clean(f"{doc.title} {doc.text}")[:MAX_CHARS]


def _subject(doc: Doc) -> str:
    """What jieba reads: the subject and the start of the text. Word segmentation is the slow step
    (about 200,000 characters a second here), so the full text is left to the character bigrams."""
    return clean(f"{doc.title} {doc.text[:WORD_CHARS]}")


@lru_cache(maxsize=1)
def background_idf() -> tuple[dict[str, float], float]:
    """Word IDF from jieba's bundled general-Chinese corpus. A window's own IDF would make a topic that
    fills a small window weigh least exactly where it is hottest; the background IDF does not."""
    _jieba()
    import jieba.analyse

    table = jieba.analyse.default_tfidf
    return table.idf_freq, float(table.median_idf)


def _idf_of(term: str, table: dict[str, float], median: float) -> float:
    parts = term.split(" ")
    return sum(table.get(part, median) for part in parts) / len(parts)


class TopicSpace:
    """Words (jieba, background IDF) and character bigrams (the window's IDF), fitted on one window."""

    def __init__(self, *, word_weight: float = 0.75, char_weight: float = 0.25) -> None:
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.word_vectorizer = CountVectorizer(analyzer=_word_ngrams, dtype=np.float32)
        self.char_vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=(2, 2), min_df=2, max_df=0.3, sublinear_tf=True, dtype=np.float32
        )
        self._fitted = False
        self._feature_names: Any = None
        self._no_words = False
        self._no_chars = False

    def fit_transform(self, subjects: Sequence[str], texts: Sequence[str]) -> sparse.csr_matrix:
        tokens = [words(text) for text in subjects]
        if len(texts) < SMALL_WINDOW:
            # In a small window one topic can fill most of it: keep every term (IDF still weighs them).
            self.char_vectorizer.set_params(max_df=1.0, min_df=1 if len(texts) < 2 else 2)
        try:
            word_matrix = self._weigh(self.word_vectorizer.fit_transform(tokens))
        except ValueError:  # no content word at all (emoji, digits, stopwords only)
            word_matrix, self._no_words = sparse.csr_matrix((len(tokens), 0), dtype=np.float32), True
        try:
            char_matrix = self.char_vectorizer.fit_transform(texts)
        except ValueError:  # every bigram filtered out (tiny or uniform input)
            self.char_vectorizer.set_params(max_df=1.0, min_df=1)
            try:
                char_matrix = self.char_vectorizer.fit_transform(texts)
            except ValueError:
                char_matrix, self._no_chars = sparse.csr_matrix((len(texts), 0), dtype=np.float32), True
        self._fitted = True
        return self._combine(word_matrix, char_matrix)

    def _weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        table, median = background_idf()
        idf = np.array([_idf_of(term, table, median) for term in self.word_vectorizer.get_feature_names_out()])
        weighted = counts.tocsr().astype(np.float32)
        weighted.data = np.log1p(weighted.data)  # sublinear term frequency
        return (weighted @ sparse.diags(idf.astype(np.float32))).tocsr()

    def char_part(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Only the character-bigram part, L2-normalised: no word segmentation, so comparing a whole
        previous window with the clusters costs a fraction of vectorising it."""
        if self._no_chars:
            return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        return normalize(self.char_vectorizer.transform(texts)).astype(np.float32)

    @property
    def word_width(self) -> int:
        return 0 if self._no_words else len(self.word_vectorizer.vocabulary_)

    def _combine(self, word_matrix: Any, char_matrix: Any) -> sparse.csr_matrix:
        parts = [
            normalize(part) * weight if part.shape[1] else part
            for part, weight in ((word_matrix, self.word_weight), (char_matrix, self.char_weight))
        ]
        combined = sparse.hstack(parts, format="csr")
        return (normalize(combined) if combined.shape[1] else combined).astype(np.float32)

    def _names(self) -> Any:
        if self._feature_names is None:
            self._feature_names = self.word_vectorizer.get_feature_names_out()
        return self._feature_names

    def top_terms(self, centre: sparse.csr_matrix, n: int = 6) -> list[str]:
        """The words that weigh most in a cluster's centre (a one-row sparse matrix)."""
        width = self.word_width
        word_part = centre.indices < width
        indices, values = centre.indices[word_part], centre.data[word_part]
        names = self._names()
        picked: list[str] = []
        for position in np.argsort(-values, kind="stable")[:40]:
            if values[position] <= 0 or len(picked) >= n:
                break
            term = str(names[indices[position]]).replace(" ", "")
            # a bigram adds nothing when its words are already there
            if any(term in other or other in term for other in picked):
                continue
            picked.append(term)
        return picked


def _word_ngrams(tokens: list[str]) -> list[str]:
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def _block_pairs(
    left: sparse.csr_matrix,
    right_t: sparse.csc_matrix,
    threshold: float,
    offset_rows: np.ndarray,
    offset_cols: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    block = (left @ right_t).tocoo()
    keep = block.data >= threshold
    return offset_rows[block.row[keep]], offset_cols[block.col[keep]], block.data[keep]


def similarity_graph(
    matrix: sparse.csr_matrix,
    places: Sequence[str],
    threshold: float,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> sparse.csr_matrix:
    """Pairs with cosine ≥ threshold, no self-loops. Requests of two different known places are never
    compared (place is a clustering dimension), so the work is done per place, plus the requests with
    no known place against everything: that blocking is what keeps a 30,000-ticket day fast."""
    n = matrix.shape[0]
    by_place: dict[str, list[int]] = {}
    for index, place in enumerate(places):
        by_place.setdefault(place, []).append(index)
    everyone = np.arange(n)
    rows_out, cols_out, data_out = [], [], []
    done = 0
    for place, members in sorted(by_place.items()):
        indexes = np.array(members)
        # the unknown place is compared with everyone; a known place with itself (and the unknown
        # ones come in through their own rows, then the graph is made symmetric)
        targets = everyone if place == "" else indexes
        target_t = matrix[targets].T.tocsc()
        for start in range(0, len(indexes), BLOCK):
            chunk = indexes[start : start + BLOCK]
            r, c, d = _block_pairs(matrix[chunk], target_t, threshold, chunk, targets)
            rows_out.append(r)
            cols_out.append(c)
            data_out.append(d)
            done += len(chunk)
            if progress is not None:
                progress(done, n)
    if not rows_out:
        return sparse.csr_matrix((n, n), dtype=np.float32)
    rows = np.concatenate(rows_out)
    cols = np.concatenate(cols_out)
    data = np.concatenate(data_out)
    keep = rows != cols
    graph = sparse.coo_matrix((data[keep], (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    # pairs found from an unknown-place row exist once; make every pair two-way
    return graph.maximum(graph.T).tocsr()


def leader_clusters(
    graph: sparse.csr_matrix, min_size: int = 2, places: Sequence[str] | None = None
) -> list[list[int]]:
    """Greedy leader clustering on a similarity graph (see the module docstring). A cluster keeps to
    one known place: a leader of unknown place takes the most common known place of its neighbours."""
    n = graph.shape[0]
    codes: dict[str, int] = {"": 0}
    place = np.array([codes.setdefault(p, len(codes)) for p in (places or [""] * n)], dtype=np.int64)
    degree = np.diff(graph.indptr)
    label = np.full(n, -1, dtype=np.int64)
    cluster_place: list[int] = []
    clusters: list[list[int]] = []
    for node in np.argsort(-degree, kind="stable"):
        if degree[node] < min_size - 1:
            break
        if label[node] >= 0:
            continue
        neighbours = graph.indices[graph.indptr[node] : graph.indptr[node + 1]]
        free = neighbours[label[neighbours] < 0]
        home = int(place[node])
        if home == 0 and len(free):
            known = place[free][place[free] > 0]
            home = int(np.bincount(known).argmax()) if len(known) else 0
        if home:
            free = free[(place[free] == 0) | (place[free] == home)]
        if len(free) + 1 < min_size:
            continue
        members = [int(node), *(int(i) for i in free)]
        label[members] = len(clusters)
        clusters.append(members)
        cluster_place.append(home)
    # Fringe: an unassigned request joins the cluster of its most similar assigned neighbour.
    for node in np.flatnonzero(label < 0):
        start, stop = graph.indptr[node], graph.indptr[node + 1]
        neighbours, sims = graph.indices[start:stop], graph.data[start:stop]
        assigned = label[neighbours] >= 0
        if place[node]:
            homes = np.array([cluster_place[k] for k in label[neighbours[assigned]]], dtype=np.int64)
            compatible = (homes == 0) | (homes == place[node])
            candidates, candidate_sims = neighbours[assigned][compatible], sims[assigned][compatible]
        else:
            candidates, candidate_sims = neighbours[assigned], sims[assigned]
        if len(candidates):
            best = candidates[int(np.argmax(candidate_sims))]
            label[node] = label[best]
            clusters[int(label[best])].append(int(node))
    return [members for members in clusters if len(members) >= min_size]


def centroids(groups: list[list[int]], matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Mean vector of each group, in one sparse product."""
    rows = np.concatenate([np.full(len(g), k) for k, g in enumerate(groups)])
    cols = np.concatenate([np.array(g) for g in groups])
    weights = np.concatenate([np.full(len(g), 1.0 / len(g), dtype=np.float32) for g in groups])
    indicator = sparse.csr_matrix((weights, (rows, cols)), shape=(len(groups), matrix.shape[0]))
    return (indicator @ matrix).tocsr()


def merge_close(
    groups: list[list[int]], matrix: sparse.csr_matrix, places: Sequence[str], threshold: float
) -> list[list[int]]:
    """Join clusters whose centres are close (cosine ≥ threshold, compatible places): a leader's
    reach is one hop, so one busy topic can come out as two or three neighbouring clusters."""
    if len(groups) < 2:
        return groups
    centres = normalize(centroids(groups, matrix))
    group_places = [_majority([places[i] for i in g]) for g in groups]
    parent = list(range(len(groups)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    sims = (centres @ centres.T).tocoo()
    for a, b, value in zip(sims.row, sims.col, sims.data, strict=True):
        if a < b and value >= threshold:
            left, right = group_places[a], group_places[b]
            if left and right and left != right:
                continue
            parent[root(int(b))] = root(int(a))
    merged: dict[int, list[int]] = {}
    for index, members in enumerate(groups):
        merged.setdefault(root(index), []).extend(members)
    return list(merged.values())


def hotness(count: int, previous: int, callers: int, votes: int, growth: float | None = None) -> float:
    """热度指数. Logarithms, because ten times the volume is not ten times as hot; growth only adds
    heat (a topic that is fading is still as big as it is). ``growth`` defaults to the window's volume
    against the previous window's."""
    if growth is None:
        growth = (count + 1) / (previous + 1)
    return round(
        math.log1p(count) + 0.8 * math.log1p(callers) + 0.5 * math.log1p(votes) + 0.7 * max(0.0, math.log(growth)),
        4,
    )


def _majority(values: Sequence[str]) -> str:
    known = [value for value in values if value]
    return Counter(known).most_common(1)[0][0] if known else ""


@dataclass
class Result:
    clusters: list[Cluster]
    space: TopicSpace
    matrix: sparse.csr_matrix
    seconds: dict[str, float]


def find_topics(
    docs: Sequence[Doc],
    *,
    previous: Sequence[Doc] = (),
    threshold: float = DEFAULT_THRESHOLD,
    merge_threshold: float = DEFAULT_MERGE,
    min_size: int = 2,
    representatives: int = 3,
    progress: Callable[[str, int, int], None] | None = None,
) -> Result:
    """Cluster ``docs`` (one time window) and score every cluster. ``previous`` is the window before:
    its requests close to a cluster's centre (same place) count as the cluster's previous volume."""
    import time

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    space = TopicSpace()
    if not docs:
        return Result([], space, sparse.csr_matrix((0, 0)), seconds)
    matrix = space.fit_transform([_subject(doc) for doc in docs], [_doc_text(doc) for doc in docs])
    seconds["vectorise"] = time.perf_counter() - started
    places = [doc.place for doc in docs]
    mark = time.perf_counter()
    graph = similarity_graph(
        matrix, places, threshold, progress=(lambda done, total: progress("graph", done, total)) if progress else None
    )
    seconds["graph"] = time.perf_counter() - mark
    mark = time.perf_counter()
    groups = merge_close(leader_clusters(graph, min_size, places), matrix, places, merge_threshold)
    seconds["cluster"] = time.perf_counter() - mark
    mark = time.perf_counter()
    centres = centroids(groups, matrix) if groups else sparse.csr_matrix((0, matrix.shape[1]))
    clusters = [
        _describe(members, centres[k], docs, matrix, space, representatives) for k, members in enumerate(groups)
    ]
    if previous and clusters:
        _count_previous(clusters, normalize(centres), previous, space, threshold, matrix)
    for cluster in clusters:
        cluster.growth = round((cluster.count + 1) / (cluster.previous + 1), 3)
        cluster.hotness = hotness(cluster.count, cluster.previous, cluster.callers, cluster.votes)
    clusters.sort(key=lambda c: (-c.hotness, -c.count, c.members[0]))
    seconds["describe+previous"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    return Result(clusters, space, matrix, seconds)


def _describe(
    members: list[int],
    centre: sparse.csr_matrix,
    docs: Sequence[Doc],
    matrix: sparse.csr_matrix,
    space: TopicSpace,
    representatives: int,
) -> Cluster:
    rows = np.array(members)
    closeness = np.asarray((matrix[rows] @ centre.T).todense()).ravel()
    order = rows[np.argsort(-closeness, kind="stable")]
    times = [docs[i].at for i in members]
    return Cluster(
        members=members,
        terms=space.top_terms(centre),
        place=_majority([docs[i].place for i in members]),
        count=len(members),
        callers=len({docs[i].caller or f"#{i}" for i in members}),
        votes=sum(max(0, docs[i].votes) for i in members),
        representatives=[int(i) for i in order[:representatives]],
        first_at=min(times),
        last_at=max(times),
    )


def _count_previous(
    clusters: list[Cluster],
    centres: sparse.csr_matrix,
    previous: Sequence[Doc],
    space: TopicSpace,
    threshold: float,
    matrix: sparse.csr_matrix,
) -> None:
    """Previous-window tickets of the cluster's place that are as close to its centre (on character
    bigrams) as its own members are: the cut is the threshold, or lower for a broad cluster whose own
    members sit further from their centre (its lower quartile), so that broad topics do not look new."""
    width = space.word_width
    before = space.char_part([_doc_text(doc) for doc in previous])
    char_centres = normalize(centres[:, width:])
    sims = (before @ char_centres.T).tocsc()
    own = normalize(matrix[:, width:])
    codes: dict[str, int] = {"": 0}
    previous_places = np.array([codes.setdefault(doc.place, len(codes)) for doc in previous])
    for index, cluster in enumerate(clusters):
        member_sims = np.asarray((own[cluster.members] @ char_centres[index].T).todense()).ravel()
        cut = min(threshold, float(np.percentile(member_sims, 25))) if len(member_sims) else threshold
        column = sims[:, index]
        close = column.indices[column.data >= cut]
        if cluster.place:
            place = codes.get(cluster.place, -1)
            close = close[(previous_places[close] == 0) | (previous_places[close] == place)]
        cluster.previous = len(close)


def peak_growth(cluster: Cluster, docs: Sequence[Doc], window: dt.timedelta) -> tuple[int, int]:
    """For a history without day windows (the Teddy Cup file): the requests in the cluster's busiest
    window and in the window before it."""
    times = sorted(docs[i].at for i in cluster.members)
    best_count, best_start = 0, times[0]
    right = 0
    for left, start in enumerate(times):
        while right < len(times) and times[right] < start + window:
            right += 1
        if right - left > best_count:
            best_count, best_start = right - left, start
    before = sum(1 for moment in times if best_start - window <= moment < best_start)
    return best_count, before

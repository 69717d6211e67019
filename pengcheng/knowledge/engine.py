"""知识库检索引擎: the one search path for agents, citizens, the API and ``kb_evaluate``.

Pure Python over numpy/scipy/scikit-learn, no Django, so the evaluation command and the
benchmark run exactly what production runs.

Retrieval is BM25 over three fields of each article (jieba words, CJK character bigrams, and the
article's question variants), then a learned re-ranker over the top candidates. What is learned
from real question → article pairs (``train``) is a logistic-regression re-ranker over
per-candidate features (the field scores, an LSA cosine fitted on the article corpus, query
coverage, a match at the article's start, length), so it carries over to articles that no training
question asked about.

Articles that are not answerable today (draft, expired, outside their validity dates) are
filtered at query time from per-document arrays, so a date passing needs no rebuild.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

_CJK = re.compile(r"[\u3400-\u9fff]+")
_ALNUM = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_WORDISH = re.compile(r"[\u3400-\u9fffa-z0-9]")

# Function words that carry no topic; BM25's IDF weighs everything else.
_STOPWORD_TEXT = """
的 了 吗 呢 吧 啊 呀 是 在 和 与 及 或 等 我 我们 你 您 他 她 它 请问 一下 这个 那个 这 那 有 个 也
都 就 还 被 把 对 于 从 向 之 其 为 以 而 并 且 则 又 中 上 下 里 能 会 要 可 可以 么
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_jieba_ready = False


def _jieba() -> Any:
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        jieba.setLogLevel(60)  # no "Building prefix dict" chatter on stderr
        jieba.initialize()
        _jieba_ready = True
    return jieba


def normalise(text: str) -> str:
    """Full-width → half-width, lower case, collapsed spaces."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


def words(text: str) -> list[str]:
    """jieba words (precise mode), without punctuation and function words."""
    out = []
    for token in _jieba().lcut(normalise(text)):
        token = token.strip()
        if token and _WORDISH.search(token) and token not in STOPWORDS:
            out.append(token)
    return out


def bigrams(text: str) -> list[str]:
    """Overlapping CJK character bigrams (single characters for one-character runs), plus ASCII words."""
    text = normalise(text)
    out: list[str] = []
    for run in _CJK.findall(text):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    out.extend(_ALNUM.findall(text))
    return out


@dataclass
class Analysed:
    """An article's text, tokenised once (stored with the article, so rebuilding the index is cheap)."""

    words: list[str]
    bigrams: list[str]
    lead: list[str]  # bigrams of the first sentence-ish stretch: answers often restate the question
    variants: list[str]  # bigrams of the question variants and title

    def to_json(self) -> dict[str, list[str]]:
        return {"w": self.words, "b": self.bigrams, "l": self.lead, "v": self.variants}

    @classmethod
    def from_json(cls, data: dict[str, list[str]]) -> Analysed:
        return cls(data.get("w", []), data.get("b", []), data.get("l", []), data.get("v", []))


LEAD_CHARS = 60


def analyse(body: str, title: str = "", variants: Sequence[str] = ()) -> Analysed:
    head = " ".join([title, *variants])
    return Analysed(
        words=words(f"{title} {body}"),
        bigrams=bigrams(f"{title} {body}"),
        lead=bigrams(normalise(body)[:LEAD_CHARS]),
        variants=bigrams(head) + words(head) if head.strip() else [],
    )


@dataclass
class Document:
    key: str
    analysed: Analysed
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    live: bool = True  # published (drafts and expired articles are indexed but never returned)


# Learned parameters -----------------------------------------------------------------------------

FEATURES = (
    "bm25_words",
    "bm25_bigrams",
    "bm25_variants",
    "words_rel",
    "bigrams_rel",
    "lsa",
    "coverage_words",
    "coverage_bigrams",
    "lead",
    "log_length",
    "rank_words",
    "rank_bigrams",
)


@dataclass
class LearnedModel:
    """What ``train`` learns from question → article pairs. JSON-serialisable."""

    coefficients: list[float] = field(default_factory=list)  # one per FEATURES, then the intercept
    means: list[float] = field(default_factory=list)
    scales: list[float] = field(default_factory=list)
    trained_on: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "coefficients": self.coefficients,
            "means": self.means,
            "scales": self.scales,
            "trained_on": self.trained_on,
            "features": list(FEATURES),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> LearnedModel:
        if not data or data.get("features") != list(FEATURES):
            return cls()  # an old or foreign model: fall back to plain BM25
        return cls(
            coefficients=[float(x) for x in data.get("coefficients", [])],
            means=[float(x) for x in data.get("means", [])],
            scales=[float(x) for x in data.get("scales", [])],
            trained_on=int(data.get("trained_on", 0)),
        )


# BM25 -------------------------------------------------------------------------------------------


class _Field:
    """One BM25 field: a documents × terms matrix of BM25 term weights (queries are sparse sums)."""

    def __init__(self, token_lists: Sequence[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lengths = np.zeros(len(token_lists), dtype=np.float64)
        for row, tokens in enumerate(token_lists):
            lengths[row] = len(tokens)
            for token, count in Counter(tokens).items():
                col = vocab.setdefault(token, len(vocab))
                rows.append(row)
                cols.append(col)
                vals.append(count)
        n = max(len(token_lists), 1)
        tf = sparse.csr_matrix((vals, (rows, cols)), shape=(len(token_lists), max(len(vocab), 1)), dtype=np.float64)
        df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float64)
        self.idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        avg = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        norm = k1 * (1 - b + b * lengths / avg)
        tf = tf.tocoo()
        weighted = tf.data * (k1 + 1) / (tf.data + norm[tf.row]) * self.idf[tf.col]
        # Stored as terms × documents (CSR), so a query touches only its own terms' rows.
        self.matrix = sparse.csr_matrix((weighted, (tf.col, tf.row)), shape=(tf.shape[1], tf.shape[0]))
        self.vocab = vocab
        self.present = sparse.csr_matrix((np.ones_like(weighted), (tf.col, tf.row)), shape=(tf.shape[1], tf.shape[0]))

    def query(self, tokens: Iterable[str], weights: dict[str, float] | None = None) -> tuple[list[int], np.ndarray]:
        ids: list[int] = []
        w: list[float] = []
        for token, count in Counter(tokens).items():
            col = self.vocab.get(token)
            if col is None:
                continue
            ids.append(col)
            w.append((weights or {}).get(token, 1.0) * (1.0 + math.log(count)))
        return ids, np.asarray(w, dtype=np.float64)

    def scores(self, ids: list[int], w: np.ndarray) -> np.ndarray:
        n_docs = self.matrix.shape[1]
        if not ids:
            return np.zeros(n_docs)
        return np.asarray(self.matrix[ids].T @ w).ravel()


class Index:
    """The in-process index over a set of documents, with the learned model applied."""

    CANDIDATES = 40
    FIELD_WEIGHTS = (1.0, 0.6, 1.0)  # words, bigrams, variants (before any re-ranker is learned)

    def __init__(self, documents: Sequence[Document], model: LearnedModel | None = None, lsa_dims: int = 160) -> None:
        self.keys = [d.key for d in documents]
        self.model = model or LearnedModel()
        self.words = _Field([d.analysed.words for d in documents])
        self.bigrams = _Field([d.analysed.bigrams for d in documents])
        self.variants = _Field([d.analysed.variants for d in documents])
        self.lead = _Field([d.analysed.lead for d in documents], b=0.0)
        self.lengths = np.log1p(np.array([len(d.analysed.bigrams) for d in documents], dtype=np.float64))
        self.live = np.array([d.live for d in documents], dtype=bool)
        far_past, far_future = dt.date.min.toordinal(), dt.date.max.toordinal()
        self.valid_from = np.array(
            [d.valid_from.toordinal() if d.valid_from else far_past for d in documents], dtype=np.int64
        )
        self.valid_to = np.array(
            [d.valid_to.toordinal() if d.valid_to else far_future for d in documents], dtype=np.int64
        )
        self._fit_lsa(lsa_dims)

    LSA_SAMPLE = 3000  # documents the SVD is fitted on; the rest are projected (bounds rebuild time)

    def _fit_lsa(self, dims: int) -> None:
        """A dense representation fitted on the article corpus (TF-IDF of words + bigrams → SVD)."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.preprocessing import normalize

        matrix = sparse.vstack([self.words.present, self.bigrams.present]).T.tocsr()  # docs × terms
        n_docs = matrix.shape[0]
        self.lsa_idf = np.concatenate([self.words.idf, self.bigrams.idf])
        self.lsa_components: np.ndarray | None = None
        self.lsa_docs = np.zeros((n_docs, 1), dtype=np.float32)
        df = np.bincount(matrix.indices, minlength=matrix.shape[1])
        terms = np.flatnonzero(df >= 2)  # a term in one article cannot relate two texts
        if n_docs < 3 or len(terms) < 3:
            return
        tfidf = normalize(matrix.multiply(self.lsa_idf).tocsr())
        step = max(1, n_docs // self.LSA_SAMPLE)
        sample = tfidf[::step][:, terms]
        dims = max(1, min(dims, sample.shape[0] - 1, len(terms) - 1))
        svd = TruncatedSVD(n_components=dims, random_state=0, algorithm="randomized", n_iter=4)
        svd.fit(sample)
        components = np.zeros((matrix.shape[1], dims), dtype=np.float32)
        components[terms] = svd.components_.T
        self.lsa_components = components
        self.lsa_docs = normalize(np.asarray(tfidf @ components)).astype(np.float32)

    def _lsa_query(self, word_ids: list[int], bigram_ids: list[int]) -> np.ndarray | None:
        if self.lsa_components is None:
            return None
        ids = word_ids + [len(self.words.idf) + i for i in bigram_ids]
        if not ids:
            return None
        vec = self.lsa_idf[ids] @ self.lsa_components[ids]
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else None

    def __len__(self) -> int:
        return len(self.keys)

    def answerable(self, on: dt.date) -> np.ndarray:
        day = on.toordinal()
        return self.live & (self.valid_from <= day) & (self.valid_to >= day)

    def features(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Candidate document rows and their feature matrix (rows × FEATURES), all documents considered."""
        weights = None
        q_words = words(query)
        q_bigrams = bigrams(query)
        w_ids, w_w = self.words.query(q_words, weights)
        b_ids, b_w = self.bigrams.query(q_bigrams, weights)
        v_ids, v_w = self.variants.query(q_bigrams + q_words, weights)
        s_words = self.words.scores(w_ids, w_w)
        s_bigrams = self.bigrams.scores(b_ids, b_w)
        s_variants = self.variants.scores(v_ids, v_w)
        fw = self.FIELD_WEIGHTS
        first = fw[0] * s_words / (s_words.max() or 1) + fw[1] * s_bigrams / (s_bigrams.max() or 1)
        first += fw[2] * s_variants / (s_variants.max() or 1)
        return self._candidate_features(first, s_words, s_bigrams, s_variants, w_ids, w_w, b_ids, b_w, q_bigrams)

    def _candidate_features(
        self,
        first: np.ndarray,
        s_words: np.ndarray,
        s_bigrams: np.ndarray,
        s_variants: np.ndarray,
        w_ids: list[int],
        w_w: np.ndarray,
        b_ids: list[int],
        b_w: np.ndarray,
        q_bigrams: list[str],
    ) -> tuple[np.ndarray, np.ndarray]:
        n = min(self.CANDIDATES, len(first))
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros((0, len(FEATURES)))
        rows = np.argpartition(-first, n - 1)[:n]
        rows = rows[np.argsort(-first[rows], kind="stable")]
        feats = np.zeros((n, len(FEATURES)))
        feats[:, 0] = s_words[rows]
        feats[:, 1] = s_bigrams[rows]
        feats[:, 2] = s_variants[rows]
        feats[:, 3] = s_words[rows] / (s_words[rows].max() or 1)
        feats[:, 4] = s_bigrams[rows] / (s_bigrams[rows].max() or 1)
        q_lsa = self._lsa_query(w_ids, b_ids)
        if q_lsa is not None:
            feats[:, 5] = self.lsa_docs[rows] @ q_lsa
        if w_ids:
            idf = self.words.idf[w_ids] * w_w
            feats[:, 6] = (self.words.present[w_ids][:, rows].T @ idf) / (idf.sum() or 1)
        if b_ids:
            idf = self.bigrams.idf[b_ids] * b_w
            feats[:, 7] = (self.bigrams.present[b_ids][:, rows].T @ idf) / (idf.sum() or 1)
        l_ids, l_w = self.lead.query(q_bigrams)
        if l_ids:
            feats[:, 8] = self.lead.matrix[l_ids][:, rows].T @ l_w
        feats[:, 9] = self.lengths[rows]
        for col, scores in ((10, s_words), (11, s_bigrams)):
            order = np.argsort(-scores[rows], kind="stable")
            ranks = np.empty(n)
            ranks[order] = np.arange(n)
            feats[:, col] = 1.0 / (1.0 + ranks)
        return rows, feats

    def _rerank(self, feats: np.ndarray) -> np.ndarray | None:
        m = self.model
        if len(m.coefficients) != len(FEATURES) + 1 or len(feats) == 0:
            return None
        x = (feats - np.asarray(m.means)) / np.asarray(m.scales)
        return np.asarray(x @ np.asarray(m.coefficients[:-1]) + m.coefficients[-1])

    def search(self, query: str, limit: int = 5, on: dt.date | None = None) -> list[tuple[str, float]]:
        """The best answerable articles for ``query``: (key, score), best first."""
        if not query.strip() or not self.keys:
            return []
        rows, feats = self.features(query)
        if len(rows) == 0:
            return []
        reranked = self._rerank(feats)
        if reranked is None:
            fw = self.FIELD_WEIGHTS
            scores = fw[0] * feats[:, 3] + fw[1] * feats[:, 4] + fw[2] * feats[:, 2] / (feats[:, 2].max() or 1)
        else:
            scores = reranked
        ok = self.answerable(on or dt.date.today())[rows]
        relevant = (feats[:, 0] + feats[:, 1] + feats[:, 2]) > 0
        keep = np.flatnonzero(ok & relevant)
        keep = keep[np.argsort(-scores[keep], kind="stable")][:limit]
        return [(self.keys[rows[i]], float(scores[i])) for i in keep]


# Learning ---------------------------------------------------------------------------------------

RERANK_C = 0.05  # strong L2 regularisation: a few hundred questions must teach weights that transfer


def train(
    documents: Sequence[Document],
    pairs: Sequence[tuple[str, str]],
    *,
    progress: Any = None,
    index: Index | None = None,
) -> LearnedModel:
    """Learn the re-ranker from (question, article key) pairs: a logistic regression over the
    candidates' features, the answer being the positive. The features describe how a question and
    an article match (field scores, coverage, LSA similarity, length), not which words or articles
    are involved, so the weights carry over to articles that no training question asked about.

    Validated by splitting the pairs by article (docs/knowledge.md); per-word term weights learned
    from the same pairs were tried and lowered hit@3 on unseen articles, so they are not used."""
    from sklearn.linear_model import LogisticRegression

    known = {d.key for d in documents}
    usable = [(q, k) for q, k in pairs if k in known and q.strip()]
    if not usable:
        return LearnedModel()
    index = index or Index(documents)
    saved_model = index.model
    index.model = LearnedModel()  # features as the unlearned first stage computes them
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    step = max(1, len(usable) // 10)
    for i, (query, key) in enumerate(usable, start=1):
        rows, feats = index.features(query)
        labels = np.array([index.keys[r] == key for r in rows], dtype=np.int64)
        if labels.sum():  # an answer not retrieved at all teaches nothing about ordering
            xs.append(feats)
            ys.append(labels)
        if progress and (i % step == 0 or i == len(usable)):
            progress(i, len(usable))
    index.model = saved_model
    model = LearnedModel(trained_on=len(usable))
    if not xs or sum(int(y.sum()) for y in ys) < 2:
        return model
    x = np.vstack(xs)
    y = np.concatenate(ys)
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    clf = LogisticRegression(C=RERANK_C, max_iter=3000)
    clf.fit((x - means) / scales, y)
    model.coefficients = [*map(float, clf.coef_[0]), float(clf.intercept_[0])]
    model.means = [float(v) for v in means]
    model.scales = [float(v) for v in scales]
    return model


def hits_at(
    index: Index, queries: Sequence[tuple[str, str]], ks: Sequence[int] = (1, 3, 5), on: dt.date | None = None
) -> dict[int, float]:
    """hit@k: the share of questions whose expected article is among the first k results."""
    top = max(ks)
    counts = dict.fromkeys(ks, 0)
    for query, key in queries:
        found = [k for k, _ in index.search(query, limit=top, on=on)]
        for k in ks:
            if key in found[:k]:
                counts[k] += 1
    n = max(len(queries), 1)
    return {k: counts[k] / n for k in ks}

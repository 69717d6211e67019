"""工单文本分类流水线: the one pipeline that production and ``nlp_evaluate`` both use.

text → ``text.normalise`` (繁简转换, NFKC, cut) → features → one linear classifier per head
(request type, category, department; the evaluation command uses a single head) → top-k labels
with calibrated confidence.

Features:
- character 1–3-grams (TF-IDF, sublinear), which need no segmentation and survive typos and
  mixed scripts;
- jieba word unigrams and bigrams (TF-IDF);
- a dense latent-semantic representation (LSA: truncated SVD of a word TF-IDF matrix) learned
  from the labelled *and* all unlabelled text we are given, so words that are rare in the
  labelled rows still land near related words.

Each head is a ``LinearSVC`` with balanced class weights. A slice of the training rows picks the
regularisation strength (among ``Options.svm_c``) and calibrates: decision values become probabilities by temperature
scaling (a softmax whose temperature minimises the log-loss on that slice), which keeps the
top-3 confidences honest at no cost at prediction time.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jieba
import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import normalize as l2_normalise
from sklearn.svm import LinearSVC

from pengcheng.nlp.text import Refusal, normalise

jieba.setLogLevel(60)  # jieba logs its dictionary loading at INFO

Progress = Callable[[str], None]
SEED = 20221125


def _quiet(_: str) -> None:
    return None


def words(text: str) -> str:
    """jieba 分词 (dictionary only: the HMM for unknown words costs 40% more time and adds little
    next to the character n-grams), joined by spaces for the word vectoriser."""
    return " ".join(token for token in jieba.lcut(text, HMM=False) if not token.isspace())


def _split_words(text: str) -> list[str]:
    return text.split()


@dataclass(frozen=True)
class Options:
    """Hyper-parameters. The defaults are what the validation splits chose (docs/nlp.md)."""

    char_ngrams: tuple[int, int] = (1, 3)
    word_ngrams: tuple[int, int] = (1, 2)
    max_features: int = 400_000
    lsa_dims: int = 200
    lsa_vocabulary: int = 40_000
    lsa_weight: float = 0.5
    # Tried on the calibration slice, the best kept. Heads with many rows per label (Beijing 类型:
    # ~2,500) want strong regularisation (0.1), heads with few (Taipei agencies: ~34) want weak
    # (0.5); one shared C lost ~0.01 macro-F1 on one or the other (docs/nlp.md).
    svm_c: tuple[float, ...] = (0.1, 0.5)
    # Ridge (least-squares one-vs-rest) candidates, compared on the same slice. Off by default: on
    # Taipei agencies (0.3) it won by +0.0035 validation macro-F1 but tripled the head's training
    # time (sparse conjugate gradients per label), which the 2-minute training budget cannot afford.
    ridge_alpha: tuple[float, ...] = ()
    balanced: bool = True
    calibration_share: float = 0.15
    max_unlabelled: int = 60_000


@dataclass
class Head:
    """One classification target (e.g. 部门) with its classifier and calibration."""

    name: str
    labels: list[str]
    model: LinearSVC | RidgeClassifier | None  # None when the training rows held a single label
    temperature: float = 1.0
    counts: dict[str, int] = field(default_factory=dict)
    c: float = 1.0  # the SVM's C, or the ridge's alpha
    algorithm: str = "svm"

    def probabilities(self, features: Any) -> np.ndarray:
        if self.model is None:
            return np.ones((features.shape[0], 1))
        scores = self.model.decision_function(features)
        if scores.ndim == 1:  # two labels: sklearn returns one column for the second label
            scores = np.column_stack([-scores, scores])
        return _softmax(scores / self.temperature)


@dataclass(frozen=True)
class Guess:
    label: str
    score: float


@dataclass(frozen=True)
class Classified:
    """The top-k guesses per head for one text."""

    heads: dict[str, list[Guess]]
    truncated: bool = False

    def best(self, head: str) -> Guess | None:
        guesses = self.heads.get(head) or []
        return guesses[0] if guesses else None


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return result


def _fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature with the least log-loss on held-out rows (golden-section on log T)."""
    if scores.ndim == 1:
        scores = np.column_stack([-scores, scores])
    rows = np.arange(len(truth))

    def loss(log_t: float) -> float:
        probs = _softmax(scores / math.exp(log_t))
        return float(-np.log(np.clip(probs[rows, truth], 1e-12, 1.0)).mean())

    low, high = math.log(0.01), math.log(10.0)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    for _ in range(40):
        if loss(a) < loss(b):
            high = b
        else:
            low = a
        a, b = high - ratio * (high - low), low + ratio * (high - low)
    return math.exp((low + high) / 2)


class Features:
    """Character n-grams + jieba words (sparse TF-IDF), plus LSA dimensions learned from unlabelled text."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.chars = TfidfVectorizer(
            analyzer="char",
            ngram_range=options.char_ngrams,
            sublinear_tf=True,
            min_df=2,
            max_features=options.max_features,
            lowercase=False,
            dtype=np.float32,
        )
        self.words = TfidfVectorizer(
            tokenizer=_split_words,
            token_pattern=None,
            lowercase=False,
            ngram_range=options.word_ngrams,
            sublinear_tf=True,
            min_df=2,
            max_features=options.max_features,
            dtype=np.float32,
        )
        self.lsa_words: TfidfVectorizer | None = None
        self.lsa: TruncatedSVD | None = None

    def fit(
        self, texts: Sequence[str], segmented: Sequence[str], unlabelled: Sequence[str], progress: Progress
    ) -> None:
        """Vocabularies and IDF weights from the labelled ``texts``; the LSA basis from their words
        and the (already segmented) ``unlabelled`` texts."""
        progress(f"features: character and word vocabularies from {len(texts):,} texts")
        self.chars.fit(texts)
        self.words.fit(segmented)
        if self.options.lsa_dims < 2:
            return
        everything = [*segmented, *unlabelled]
        self.lsa_words = TfidfVectorizer(
            tokenizer=_split_words,
            token_pattern=None,
            lowercase=False,
            sublinear_tf=True,
            min_df=3 if len(everything) >= 1000 else 1,
            max_features=self.options.lsa_vocabulary,
            dtype=np.float32,
        )
        matrix = self.lsa_words.fit_transform(everything)
        dims = min(self.options.lsa_dims, matrix.shape[1] - 1, len(everything) - 1)
        if dims < 2:
            self.lsa_words = None
            return
        progress(f"features: LSA, {dims} dimensions from {len(everything):,} texts ({len(unlabelled):,} unlabelled)")
        self.lsa = TruncatedSVD(dims, random_state=SEED, n_iter=3).fit(matrix)

    def transform(self, texts: Sequence[str], segmented: Sequence[str]) -> sparse.csr_matrix:
        tfidf = sparse.hstack([self.chars.transform(texts), self.words.transform(segmented)]).tocsr()
        if self.lsa is None or self.lsa_words is None:
            return tfidf
        dense = l2_normalise(self.lsa.transform(self.lsa_words.transform(segmented))) * self.options.lsa_weight
        return sparse.hstack([tfidf, sparse.csr_matrix(dense.astype(np.float32))]).tocsr()


class TextModel:
    """The trained pipeline: features plus one head per target. Pickled whole into a model file."""

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        self.features = Features(self.options)
        self.heads: dict[str, Head] = {}
        self.info: dict[str, Any] = {}

    # Training ------------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[object],
        targets: dict[str, Sequence[str | None]],
        *,
        weights: Sequence[float] | None = None,
        unlabelled: Sequence[object] = (),
        progress: Progress = _quiet,
    ) -> TextModel:
        """Train every head in ``targets`` (a label per text, or None where a row has none for that
        head). Texts that normalisation refuses are left out and counted in ``info``."""
        started = time.monotonic()
        clean: list[str] = []
        keep: list[int] = []
        for index, raw in enumerate(texts):
            normal = normalise(raw)
            if isinstance(normal, str):
                clean.append(normal)
                keep.append(index)
        if not clean:
            raise ValueError("no usable training text")
        progress(f"normalised {len(clean):,} texts ({len(texts) - len(clean):,} refused)")
        extra: list[str] = []
        if self.options.lsa_dims >= 2:
            extra = [
                n for n in (normalise(raw) for raw in unlabelled[: self.options.max_unlabelled]) if isinstance(n, str)
            ]
        progress(f"segmenting {len(clean) + len(extra):,} texts with jieba")
        segmented = [words(t) for t in clean]
        extra_segmented = [words(t) for t in extra]
        self.features.fit(clean, segmented, extra_segmented, progress)
        matrix = self.features.transform(clean, segmented)
        row_weights = np.asarray([weights[i] for i in keep] if weights is not None else [1.0] * len(keep))
        for name, labels in targets.items():
            rows = [pos for pos, index in enumerate(keep) if labels[index]]
            progress(f"head {name}: {len(rows):,} labelled rows")
            self.heads[name] = self._fit_head(
                name, matrix[rows], [str(labels[keep[pos]]) for pos in rows], row_weights[rows], progress
            )
        self.info = {
            "trained_rows": len(clean),
            "refused_rows": len(texts) - len(clean),
            "unlabelled_rows": len(extra),
            "seconds": round(time.monotonic() - started, 1),
            "options": self.options.__dict__,
        }
        progress(f"trained in {self.info['seconds']} s")
        return self

    def _classifier(self, algorithm: str, c: float) -> LinearSVC | RidgeClassifier:
        weights = "balanced" if self.options.balanced else None
        if algorithm == "ridge":
            return RidgeClassifier(alpha=c, class_weight=weights, solver="sparse_cg")
        return LinearSVC(C=c, class_weight=weights, random_state=SEED)

    def _fit_head(
        self, name: str, matrix: sparse.csr_matrix, labels: list[str], weights: np.ndarray, progress: Progress
    ) -> Head:
        counts = Counter(labels)
        ordered = sorted(counts)
        if len(ordered) < 2:
            return Head(name, ordered, None, 1.0, dict(counts))
        temperature = 1.0
        candidates = [("svm", c) for c in self.options.svm_c] + [("ridge", a) for a in self.options.ridge_alpha]
        best_algorithm, best_c = candidates[0]
        if len(labels) >= 40:
            # Choose C and calibrate on a held-out slice, then refit on everything with that C.
            indices = np.arange(len(labels))
            stratify = labels if min(counts.values()) >= 2 else None
            try:
                fit_idx, cal_idx = train_test_split(
                    indices, test_size=self.options.calibration_share, random_state=SEED, stratify=stratify
                )
            except ValueError:
                fit_idx, cal_idx = train_test_split(
                    indices, test_size=self.options.calibration_share, random_state=SEED
                )
            fit_labels = [labels[i] for i in fit_idx]
            cal_labels = [labels[i] for i in cal_idx]
            best_score = -1.0
            best_probe: LinearSVC | RidgeClassifier | None = None
            for algorithm, c in candidates:
                probe = self._classifier(algorithm, c).fit(matrix[fit_idx], fit_labels, sample_weight=weights[fit_idx])
                score = float(f1_score(cal_labels, probe.predict(matrix[cal_idx]), average="macro"))
                progress(f"head {name}: {algorithm} {c} macro-F1 {score:.4f} on the calibration slice")
                if score > best_score:
                    best_score, best_algorithm, best_c, best_probe = score, algorithm, c, probe
            assert best_probe is not None
            known = {label: i for i, label in enumerate(best_probe.classes_)}
            usable = [i for i in cal_idx if labels[i] in known]
            if usable and len(best_probe.classes_) >= 2:
                temperature = _fit_temperature(
                    best_probe.decision_function(matrix[usable]), np.asarray([known[labels[i]] for i in usable])
                )
            progress(f"head {name}: {best_algorithm} {best_c}, softmax temperature {temperature:.3f}")
        model = self._classifier(best_algorithm, best_c).fit(matrix, labels, sample_weight=weights)
        # float32 weights: half the file and memory (149 agencies × 10⁵ features adds up), same ranking.
        model.coef_ = model.coef_.astype(np.float32)
        model.intercept_ = model.intercept_.astype(np.float32)
        return Head(name, [str(c) for c in model.classes_], model, temperature, dict(counts), best_c, best_algorithm)

    # Prediction ----------------------------------------------------------------------------

    def classify(self, texts: Sequence[object], k: int = 3) -> list[Classified | Refusal]:
        """Top-``k`` guesses per head for each text, or the reason a text was refused."""
        results: list[Classified | Refusal | None] = [None] * len(texts)
        clean: list[str] = []
        where: list[int] = []
        truncated: list[bool] = []
        for index, raw in enumerate(texts):
            normal = normalise(raw)
            if isinstance(normal, Refusal):
                results[index] = normal
            else:
                clean.append(normal)
                where.append(index)
                truncated.append(isinstance(raw, str) and len(raw) > len(normal) * 2 and len(normal) >= 1000)
        if clean:
            matrix = self.features.transform(clean, [words(t) for t in clean])
            per_head: dict[str, list[list[Guess]]] = {}
            for name, head in self.heads.items():
                probs = head.probabilities(matrix)
                top = np.argsort(-probs, axis=1)[:, :k]
                per_head[name] = [
                    [Guess(head.labels[j], float(probs[row, j])) for j in top[row]] for row in range(len(clean))
                ]
            for pos, index in enumerate(where):
                results[index] = Classified({name: guesses[pos] for name, guesses in per_head.items()}, truncated[pos])
        return [r for r in results if r is not None]

    def predict(self, texts: Sequence[object], head: str) -> list[str | None]:
        """The best label of one head per text (None where refused)."""
        found: list[str | None] = []
        for result in self.classify(texts, k=1):
            guess = result.best(head) if isinstance(result, Classified) else None
            found.append(guess.label if guess else None)
        return found

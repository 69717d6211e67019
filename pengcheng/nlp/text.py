"""文本规范化: what every ticket text goes through before the model sees it.

Traditional Chinese becomes Simplified (OpenCC's tables, through opencc-python-reimplemented), full-width
forms become half-width (NFKC), Latin letters are lower-cased, control characters and runs of
whitespace collapse to one space, and very long texts are cut. A text with nothing to classify
(empty, only punctuation or emoji) is refused with a reason instead of being guessed at.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

import opencc

MAX_CHARS = 2000  # longer texts are cut: the first part carries the request, and cost stays bounded
_SPACE = re.compile(r"\s+")
# Something worth classifying: a CJK ideograph, a letter or a digit (emoji and punctuation alone are not).
_CONTENT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\w]")
_CONTROL = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})

_local = threading.local()


def _converter() -> Any:
    # OpenCC objects keep per-instance state while converting, so each thread gets its own.
    converter = getattr(_local, "t2s", None)
    if converter is None:
        converter = _local.t2s = opencc.OpenCC("t2s")
    return converter


@dataclass(frozen=True)
class Refusal:
    """A text the classifier will not guess at, and why (shown to operators and in API answers)."""

    reason: str
    code: str


EMPTY = Refusal("The text is empty or holds nothing to classify (only punctuation, emoji or spaces).", "empty")
NOT_TEXT = Refusal("The input is not text.", "not_text")


def _strip_controls(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(" " if unicodedata.category(ch) in _CONTROL else ch for ch in text)


def to_simplified(text: str) -> str:
    """繁简转换: Traditional → Simplified (phrase-aware, OpenCC's t2s tables)."""
    if text.isascii():
        return text
    return str(_converter().convert(text))


def normalise(text: object) -> str | Refusal:
    """The normalised text, or a ``Refusal`` when there is nothing to classify."""
    if text is None:
        return EMPTY
    if not isinstance(text, str):
        return NOT_TEXT
    # Cut before the expensive steps, with slack for what NFKC and whitespace folding remove.
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2])
    text = _SPACE.sub(" ", _strip_controls(text)).strip()[:MAX_CHARS]
    if not _CONTENT.search(text):
        return EMPTY
    return to_simplified(text).lower()

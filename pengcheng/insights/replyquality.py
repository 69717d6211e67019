"""答复质量评分: how well a department's reply answers a citizen's request.

Three parts, each 0–1, combined into a score out of 100:

- **relevance** (相关性): the request's key terms (jieba's TF-IDF keywords) found in the reply, and the
  cosine of their character-bigram profiles once greetings and set phrases are removed;
- **completeness** (完整性): the share of the request's questions and demands (clauses with 吗/如何/
  是否/希望/要求 …) whose content words the reply takes up, the reply's length, and whether it names
  concrete action, time, contact or legal basis;
- **timeliness** (及时性): working days from request to reply against the time limit; it decays to 0
  at twice the limit.

Pure functions: the platform job and the ``reply_quality`` command use the same code.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_lazy as _

from pengcheng.insights.clustering import STOPWORDS, clean, words

WEIGHTS = {"relevance": 0.4, "completeness": 0.4, "timeliness": 0.2}
FLAG_BELOW = 60.0
MIN_RELEVANCE = 0.2
MIN_COMPLETENESS = 0.35
SHORT_REPLY = 40
FULL_LENGTH = 200

_CLAUSES = re.compile(r"[。！？!?；;\n]+")
QUESTION = re.compile(
    r"[？?]|吗|什么|怎么|怎样|如何|能否|可否|是否|何时|多久|多少|哪里|为何|为什么|有没有|是不是|能不能"
)
ASKS_WHEN = re.compile(r"什么时候|何时|多久|哪天|几时|时间")
ASKS_WHERE = re.compile(r"哪里|在哪|哪儿|地址|找谁|电话")
DEMAND = re.compile(r"希望|请求|要求|恳请|建议|呼吁|请|盼|尽快|督促|查处|整改|解决|取缔|处理")
ACTION = re.compile(
    r"已(?:经)?|调查|核实|核查|责令|督促|安排|整改|处理|协调|查处|办理|拆除|修复|清理|约谈|处罚|立案|落实|组织|"
    r"派员|现场|检查|维修|更换|完成|启动|开展"
)
TIME = re.compile(
    r"\d{4}年|\d{1,2}月(?:\d{1,2}日)?|\d+个?(?:工作)?日内?|\d+天|近期|目前|下一步|今后|计划|预计|年底|月底|上半年|下半年"
)
CONTACT = re.compile(r"电话|联系人|联系方式|0\d{2,3}-?\d{7,8}|1[3-9]\d{9}|\d{7,8}|窗口|网址|邮箱|地址[:：]")
LEGAL = re.compile(
    r"《[^》]{2,40}》|第[一二三四五六七八九十百零\d]+条|依据|根据.{0,20}(?:规定|办法|条例|政策|标准|法)|"
    r"按照.{0,20}(?:规定|办法|条例|政策|标准)|法律|法规"
)
# Greetings and set phrases every reply has; they must not count as answering anything.
BOILERPLATE = re.compile(
    r"您好|你好|网友|首先|感谢您?对我们工作的(?:信任|关心|理解)和支持|感谢|谢谢|已收悉|现将.{0,40}?答复如下|"
    r"调查核实情况|答复如下|再次|理解和支持|关心和支持|来信|留言|反映的问题|问政西地省|栏目"
)


@dataclass
class Assessment:
    relevance: float
    completeness: float
    timeliness: float | None
    score: float
    flagged: bool
    reasons: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _analyse() -> Any:
    from pengcheng.insights.clustering import _jieba

    _jieba()
    import jieba.analyse

    return jieba.analyse


def key_terms(text: str, n: int = 10) -> list[tuple[str, float]]:
    """The request's keywords by jieba's bundled IDF (no corpus needed, so one ticket can be scored)."""
    terms = _analyse().extract_tags(clean(text), topK=n * 2, withWeight=True)
    return [(term, weight) for term, weight in terms if len(term) > 1 and term not in STOPWORDS][:n]


def _bigrams(text: str) -> Counter[str]:
    text = re.sub(r"\s+", "", text)
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def cosine(left: Counter[str], right: Counter[str]) -> float:
    if not left or not right:
        return 0.0
    dot = sum(value * right.get(key, 0) for key, value in left.items())
    norm = math.sqrt(sum(v * v for v in left.values())) * math.sqrt(sum(v * v for v in right.values()))
    return dot / norm if norm else 0.0


def strip_boilerplate(reply: str) -> str:
    return BOILERPLATE.sub(" ", reply)


def relevance(request: str, reply: str) -> tuple[float, dict[str, Any]]:
    content = strip_boilerplate(reply)
    terms = key_terms(request)
    total = sum(weight for _term, weight in terms)
    found = [term for term, _weight in terms if term in content]
    coverage = sum(weight for term, weight in terms if term in content) / total if total else 0.0
    similarity = cosine(_bigrams(clean(request)), _bigrams(clean(content)))
    value = 0.6 * coverage + 0.4 * min(1.0, similarity / 0.35)
    return round(value, 4), {
        "terms": [term for term, _w in terms],
        "terms_found": found,
        "coverage": round(coverage, 4),
        "similarity": round(similarity, 4),
    }


def points(request: str, limit: int = 8) -> list[str]:
    """The questions and demands in a request (clauses with a question or demand marker)."""
    clauses = [c.strip() for c in _CLAUSES.split(request) if len(c.strip()) >= 4]
    marked = [c for c in clauses if QUESTION.search(c) or DEMAND.search(c)]
    return (marked or clauses[-1:])[:limit]


def completeness(request: str, reply: str) -> tuple[float, dict[str, Any]]:
    content = strip_boilerplate(reply)
    asked = points(request)
    addressed = 0
    for point in asked:
        # "when?" is answered by a date or time limit, "where?" by a place or contact, whatever the words
        if (ASKS_WHEN.search(point) and TIME.search(content)) or (ASKS_WHERE.search(point) and CONTACT.search(content)):
            addressed += 1
            continue
        point_words = [w for w in words(clean(point)) if len(w) >= 2]
        if point_words and sum(1 for w in point_words if w in content) >= max(1, math.ceil(len(point_words) / 4)):
            addressed += 1
    addressed_share = addressed / len(asked) if asked else 1.0
    length = len(re.sub(r"\s+", "", content))
    length_score = min(1.0, length / FULL_LENGTH)
    elements = {
        "action": bool(ACTION.search(content)),
        "time": bool(TIME.search(content)),
        "contact": bool(CONTACT.search(content)),
        "legal_basis": bool(LEGAL.search(content)),
    }
    concrete = (
        0.4 * elements["action"] + 0.25 * elements["time"] + 0.35 * (elements["contact"] or elements["legal_basis"])
    )
    value = 0.45 * addressed_share + 0.25 * length_score + 0.30 * concrete
    return round(value, 4), {
        "points": len(asked),
        "points_addressed": addressed,
        "length": length,
        "elements": elements,
    }


def timeliness(delay_workdays: int | None, limit_workdays: int) -> float | None:
    """1 within the limit, falling linearly to 0 at twice the limit; None when the delay is unknown."""
    if delay_workdays is None or limit_workdays <= 0:
        return None
    if delay_workdays <= limit_workdays:
        return 1.0
    return round(max(0.0, 1.0 - (delay_workdays - limit_workdays) / limit_workdays), 4)


def assess(
    request: str,
    reply: str,
    *,
    delay_workdays: int | None = None,
    limit_workdays: int = 15,
    flag_below: float = FLAG_BELOW,
) -> Assessment:
    """Score one reply to one request."""
    reply = (reply or "").strip()
    if not reply:
        return Assessment(0.0, 0.0, timeliness(delay_workdays, limit_workdays), 0.0, True, ["no_reply"], {})
    rel, rel_details = relevance(request, reply)
    comp, comp_details = completeness(request, reply)
    timely = timeliness(delay_workdays, limit_workdays)
    weights = dict(WEIGHTS)
    parts = {"relevance": rel, "completeness": comp}
    if timely is None:
        weights.pop("timeliness")
    else:
        parts["timeliness"] = timely
    score = round(100.0 * sum(parts[k] * weights[k] for k in weights) / sum(weights.values()), 1)
    reasons: list[str] = []
    if rel < MIN_RELEVANCE:
        reasons.append("off_topic")
    if comp < MIN_COMPLETENESS:
        reasons.append("incomplete")
    if comp_details["length"] < SHORT_REPLY:
        reasons.append("too_short")
    if not comp_details["elements"]["action"]:
        reasons.append("no_action")
    if timely is not None and timely < 1.0:
        reasons.append("late" if timely > 0 else "very_late")
    severe = {"off_topic", "too_short"}  # lateness lowers the score; the content decides the review
    flagged = score < flag_below or bool(severe & set(reasons))
    details = {
        **rel_details,
        **comp_details,
        "delay_workdays": delay_workdays,
        "limit_workdays": limit_workdays,
    }
    return Assessment(rel, comp, timely, score, flagged, reasons, details)


REASON_LABELS = {
    "no_reply": _("No reply text"),
    "off_topic": _("Does not answer the request"),
    "incomplete": _("Leaves questions or demands unanswered"),
    "too_short": _("Too short"),
    "no_action": _("Names no concrete action"),
    "late": _("Late"),
    "very_late": _("Very late"),
}

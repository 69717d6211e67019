"""The rules engine: Google CEL (``cel-python``) compiled once per process, evaluated safely.

No Django models here: the services build the input (``form``, ``registry``, ``licences``, ``today``)
and keep the results. Safety is the engine's job: a rule that errors, a value that is missing or of the
wrong type, or any unexpected exception ends in ``refer`` with the reason, never in ``approve``.

Hit policy: rules are tried in order and the first that holds decides (DMN "first"). A rule that cannot
be evaluated stops the evaluation with ``refer``: a later approve must not win over an earlier rule that
might have rejected.
"""

from __future__ import annotations

import ast
import datetime as dt
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import celpy
import celpy.celtypes as celtypes
from celpy.celparser import CELParseError
from lark import Token, Tree

APPROVE, REJECT, REFER = "approve", "reject", "refer"
OUTCOMES = (APPROVE, REJECT, REFER)

# What rules may name at the top level; anything else is a typo caught on save.
ROOTS = ("form", "registry", "licences", "today", "declared", "subject")
MACROS = {"all", "exists", "exists_one", "map", "filter"}
# What a licence offers to rules: ``licences["SZ-JZZ"].valid_until`` etc.
LICENCE_KEYS = {"number", "issued_at", "valid_from", "valid_until", "issuer", "data"}


class RuleSyntaxError(ValueError):
    """An expression that does not parse, with its 1-based position."""

    def __init__(self, message: str, line: int | None, column: int | None, snippet: str = "") -> None:
        self.line, self.column, self.snippet = line, column, snippet
        super().__init__(message)


# Functions beyond standard CEL ------------------------------------------------------------------------


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    raise TypeError(f"not a date: {value!r}")


def cel_date(value: Any) -> celtypes.TimestampType:
    """``date("2026-01-31")``: a date string as a CEL timestamp (midnight UTC)."""
    day = _as_date(value)
    return celtypes.TimestampType(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))


def cel_years_between(start: Any, end: Any) -> celtypes.IntType:
    """``years_between(birth, today)``: whole years from ``start`` to ``end`` (an age)."""
    a, b = _as_date(start), _as_date(end)
    return celtypes.IntType(b.year - a.year - ((b.month, b.day) < (a.month, a.day)))


def cel_days_between(start: Any, end: Any) -> celtypes.IntType:
    """``days_between(a, b)``: calendar days from ``a`` to ``b``."""
    return celtypes.IntType((_as_date(end) - _as_date(start)).days)


FUNCTIONS: dict[str, Any] = {"date": cel_date, "years_between": cel_years_between, "days_between": cel_days_between}


# Values into CEL --------------------------------------------------------------------------------------


def to_cel(value: Any) -> Any:
    """Plain Python (JSON, dates, decimals) as CEL values. ``None`` stays null: comparing it errors,
    which refers the case."""
    if value is None:
        return None
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        return celtypes.IntType(value)
    if isinstance(value, float | Decimal):
        return celtypes.DoubleType(float(value))
    if isinstance(value, str):
        return celtypes.StringType(value)
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return celtypes.TimestampType(aware.astimezone(dt.UTC))
    if isinstance(value, dt.date):
        return celtypes.TimestampType(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC))
    if isinstance(value, Mapping):
        return celtypes.MapType({celtypes.StringType(str(k)): to_cel(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return celtypes.ListType([to_cel(v) for v in value])
    raise TypeError(f"cannot give {type(value).__name__} to a rule")


def plain(value: Any) -> Any:
    """A value as JSON for an explanation."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# Compiling --------------------------------------------------------------------------------------------

_environment = celpy.Environment()
_parse_lock = threading.Lock()
_programs: dict[str, Compiled] = {}
_CACHE_LIMIT = 5000


@dataclass(frozen=True)
class Reference:
    """A path a rule reads, e.g. ``("registry", "population", "birth_date")``, and where it is written."""

    path: tuple[str, ...]
    line: int | None
    column: int | None

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Compiled:
    expression: str
    program: Any
    references: tuple[Reference, ...]  # paths read
    key_tests: tuple[Reference, ...]  # paths asked about with ``in`` or ``has`` (e.g. ``"SZ-JZZ" in licences``)
    unknown_roots: tuple[Reference, ...]
    observations: tuple[Observation, ...] = ()


def _literal_string(tree: Any) -> str | None:
    """The string literal an expression subtree consists of, if it is one."""
    while isinstance(tree, Tree) and len(tree.children) == 1 and tree.data != "literal":
        tree = tree.children[0]
    if isinstance(tree, Tree) and tree.data == "literal":
        tree = tree.children[0]
    if isinstance(tree, Token) and tree.value[:1] in "\"'":
        try:
            value = ast.literal_eval(tree.value)
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, str) else None
    return None


def _chain(tree: Any) -> tuple[list[str], Any] | None:
    """For ``member``/``member_dot``/``member_index``/``primary`` nodes: the access path and its root node."""
    if not isinstance(tree, Tree):
        return None
    if tree.data == "member" and len(tree.children) == 1:
        return _chain(tree.children[0])
    if tree.data == "primary" and len(tree.children) == 1:
        child = tree.children[0]
        if isinstance(child, Tree) and child.data == "ident":
            return [str(child.children[0])], child
        return None
    if tree.data == "member_dot":
        inner = _chain(tree.children[0])
        if inner is None:
            return None
        return [*inner[0], str(tree.children[1])], inner[1]
    if tree.data == "member_index":
        inner = _chain(tree.children[0])
        key = _literal_string(tree.children[1])
        if inner is None or key is None:
            return inner
        return [*inner[0], key], inner[1]
    return None


def _position(node: Any) -> tuple[int | None, int | None]:
    meta = getattr(node, "meta", None)
    return getattr(meta, "line", None), getattr(meta, "column", None)


@dataclass(frozen=True)
class Observation:
    """How an expression looks at a path: its ``value``; only whether it is ``present`` (``has(x.y)``,
    ``"k" in x``); only ``years`` (``years_between(path, today)``); or only a string ``method`` with
    literal arguments (``path.startsWith("4403")``). The matching job memoises on observations, so two
    profiles with the same age but different birth dates share one evaluation."""

    kind: str
    path: tuple[str, ...]
    detail: tuple[str, ...] = ()


STRING_METHODS = {"startsWith", "endsWith", "contains"}


def _literal_value(tree: Any) -> tuple[str, ...] | None:
    """A string literal or ``null`` on the right of ``==``/``!=``, as an observation detail."""
    text = _literal_string(tree)
    if text is not None:
        return ("str", text)
    while isinstance(tree, Tree) and len(tree.children) == 1 and tree.data != "literal":
        tree = tree.children[0]
    if isinstance(tree, Tree) and tree.data == "literal" and str(tree.children[0]) == "null":
        return ("null",)
    return None


COMPARISONS = ("relation_lt", "relation_le", "relation_gt", "relation_ge")


def _literal_number(tree: Any) -> str | None:
    """An integer literal on the right of a comparison (``declared.income < 3000``), as text."""
    while isinstance(tree, Tree) and len(tree.children) == 1 and tree.data != "literal":
        tree = tree.children[0]
    if isinstance(tree, Tree) and tree.data == "literal":
        text = str(tree.children[0])
        if text.lstrip("-").isdigit():
            return text
    return None


def _args(exprlist: Any) -> list[Any]:
    return list(exprlist.children) if isinstance(exprlist, Tree) else []


def references_of(tree: Tree) -> tuple[list[Reference], set[str], list[Observation]]:
    """Every data path the expression reads (with how it looks at it), and the names its macros bind
    (``x`` in ``l.all(x, …)``)."""
    found: list[Reference] = []
    observed: list[Observation] = []
    bound: set[str] = set()

    def note(kind: str, path: list[str], root: Any, detail: tuple[str, ...] = ()) -> None:
        line, column = _position(root)
        found.append(Reference(tuple(path), line, column))
        observed.append(Observation(kind, tuple(path), detail))

    def visit(node: Any) -> None:
        if not isinstance(node, Tree):
            return
        if node.data == "ident_arg" and node.children:
            name = str(node.children[0])
            args = _args(node.children[1]) if len(node.children) > 1 else []
            if name == "has" and len(args) == 1:
                chain = _chain(_unwrap(args[0]))
                if chain is not None and len(chain[0]) > 1:
                    note("present", chain[0], chain[1])
                    return
            if name == "years_between" and len(args) == 2:
                first, second = _chain(_unwrap(args[0])), _chain(_unwrap(args[1]))
                if first is not None and second is not None and second[0] == ["today"] and first[0][0] != "today":
                    note("years", first[0], first[1])
                    note("value", ["today"], second[1])
                    return
        if node.data == "member_dot_arg" and len(node.children) >= 2:
            method = str(node.children[1])
            args = _args(node.children[2]) if len(node.children) > 2 else []
            literals = [_literal_string(arg) for arg in args]
            receiver = _chain(node.children[0])
            if method in STRING_METHODS and receiver is not None and args and None not in literals:
                note("method", receiver[0], receiver[1], (method, *(lit or "" for lit in literals)))
                return
            if method in MACROS and args:
                chain = _chain(_unwrap(args[0]))
                if chain is not None and len(chain[0]) == 1:
                    bound.add(chain[0][0])
        if (
            node.data == "relation"
            and len(node.children) == 2
            and isinstance(node.children[0], Tree)
            and node.children[0].data in ("relation_eq", "relation_ne", *COMPARISONS)
        ):
            left = _chain(_unwrap(node.children[0].children[0]))
            if node.children[0].data in COMPARISONS:
                number = _literal_number(node.children[1])
                if left is not None and number is not None:
                    note("compare", left[0], left[1], (node.children[0].data, number))
                    return
            else:
                literal = _literal_value(node.children[1])
                if left is not None and literal is not None:
                    note("equals", left[0], left[1], literal)
                    return
        if node.data == "relation" and len(node.children) == 2 and _is_in(node):
            key = _literal_string(node.children[0].children[0])
            target = _chain(_unwrap(node.children[1]))
            if key is not None and target is not None:
                note("present", [*target[0], key], target[1])
                return
        if node.data in ("member_dot", "member_index", "primary"):
            chain = _chain(node)
            if chain is not None:
                note("value", chain[0], chain[1])
                if node.data == "member_index":
                    visit(node.children[1])
                return
        for child in node.children:
            visit(child)

    visit(tree)
    return found, bound, observed


def _unwrap(tree: Any) -> Any:
    while isinstance(tree, Tree) and tree.data != "member" and len(tree.children) == 1:
        tree = tree.children[0]
    return tree


def _is_in(node: Tree) -> bool:
    return bool(node.children) and isinstance(node.children[0], Tree) and node.children[0].data == "relation_in"


def compile_expression(expression: str) -> Compiled:
    """Parse and prepare one expression (cached per process by its text). Raises ``RuleSyntaxError``."""
    cached = _programs.get(expression)
    if cached is not None:
        return cached
    if not expression.strip():
        raise RuleSyntaxError("the expression is empty", 1, 1)
    with _parse_lock:  # the lark parser keeps state between parses
        try:
            tree = _environment.compile(expression)
        except CELParseError as exc:
            line = getattr(exc, "line", None)
            column = getattr(exc, "column", None)
            snippet = str(exc.args[0]).rstrip("\n") if exc.args else ""
            raise RuleSyntaxError(f"syntax error at line {line}, column {column}", line, column, snippet) from None
        program = _environment.program(tree, functions=FUNCTIONS)
    refs, bound, observed = references_of(tree)
    known = set(ROOTS) | bound | set(FUNCTIONS) | {"null", "true", "false"}
    unknown = tuple(ref for ref in refs if ref.path[0] not in known)
    # ``note`` appends to both lists together: each reference has its observation.
    reads = tuple(
        ref for ref, obs in zip(refs, observed, strict=True) if ref.path[0] in ROOTS and obs.kind != "present"
    )
    tests = tuple(
        ref for ref, obs in zip(refs, observed, strict=True) if ref.path[0] in ROOTS and obs.kind == "present"
    )
    observations = tuple(dict.fromkeys(obs for obs in observed if obs.path[0] in ROOTS))
    compiled = Compiled(expression, program, reads, tests, unknown, observations)
    if len(_programs) >= _CACHE_LIMIT:
        _programs.clear()
    _programs[expression] = compiled
    return compiled


def clear_cache() -> None:
    _programs.clear()


# Evaluating -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """One rule as the engine needs it."""

    key: str
    expression: str
    outcome: str
    reason: str
    reason_en: str = ""


@dataclass
class RuleResult:
    key: str
    outcome: str
    status: str  # "fired", "not_fired", "error", "not_evaluated"
    values: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"rule": self.key, "outcome": self.outcome, "status": self.status}
        if self.values:
            data["values"] = self.values
        if self.error:
            data["error"] = self.error
        return data


@dataclass
class Evaluation:
    outcome: str
    rule: str
    reason: str
    reason_en: str
    results: list[RuleResult]
    error: str = ""
    duration_ms: float = 0.0

    def explanation(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "outcome": self.outcome,
            "rule": self.rule,
            "rules": [result.as_dict() for result in self.results],
        }
        if self.error:
            data["error"] = self.error
        return data


MISSING = "<missing>"


def lookup(context: Mapping[str, Any], path: Sequence[str]) -> Any:
    """The value at ``path`` in the plain context, or ``MISSING``."""
    value: Any = context
    for part in path:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return MISSING
    return value


def observe(observation: Observation, context: Mapping[str, Any]) -> Any:
    """What the expression can see of a path in ``context``: a hashable memo key part."""
    if observation.kind == "present":
        parent = lookup(context, observation.path[:-1])
        return isinstance(parent, Mapping) and observation.path[-1] in parent
    value = lookup(context, observation.path)
    if observation.kind == "years":
        try:
            return ("years", int(cel_years_between(value, context.get("today"))))
        except Exception:
            return ("raw", freeze(value))
    if observation.kind == "compare" and type(value) is int:
        # An int against an int literal: only the comparison's answer matters.
        operator, number = observation.detail
        bound = int(number)
        answer = {"relation_lt": value < bound, "relation_le": value <= bound, "relation_gt": value > bound}.get(
            operator, value >= bound
        )
        return ("compare", answer)
    if observation.kind == "equals":
        # CEL equality depends only on the types and on equality itself: same type, same answer.
        literal: Any = observation.detail[1] if observation.detail[0] == "str" else None
        return ("equals", type(value).__name__, value == literal)
    if observation.kind == "method" and isinstance(value, str):
        method, *args = observation.detail
        if method == "startsWith":
            return value.startswith(args[0])
        if method == "endsWith":
            return value.endswith(args[0])
        return args[0] in value
    return freeze(value)


def freeze(value: Any) -> Any:
    """A hashable form of a context value (type-tagged, so 1, 1.0 and True stay apart)."""
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), freeze(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("list", tuple(freeze(v) for v in value))
    return (type(value).__name__, value)


def _values(compiled: Compiled, context: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for ref in compiled.references:
        if ref.path == ("today",) or ref.path[0] == "today":
            continue
        value = lookup(context, ref.path)
        if isinstance(value, Mapping | list) and len(ref.path) < 3:
            continue  # a whole registry or form is not a "value"; its fields are listed
        values[ref.dotted] = plain(value)
    return values


def _error_text(exc: BaseException) -> str:
    if exc.args:
        first = exc.args[0]
        if isinstance(first, str):
            return first[:300]
    return f"{type(exc).__name__}"[:300]


def refer(reason: str, reason_en: str, results: list[RuleResult], *, rule: str = "", error: str = "") -> Evaluation:
    return Evaluation(REFER, rule, reason, reason_en, results, error=error)


def evaluate(rules: Iterable[RuleSpec], context: Mapping[str, Any]) -> Evaluation:
    """Apply the rules, in order, to ``context`` (plain Python values). Never raises; never approves on
    an error."""
    started = time.perf_counter()
    try:
        evaluation = _evaluate(list(rules), context)
    except Exception as exc:
        evaluation = refer(
            "规则计算出错，转人工审核。",
            "The rules could not be applied; a clerk will decide.",
            [],
            error=_error_text(exc),
        )
    evaluation.duration_ms = (time.perf_counter() - started) * 1000
    return evaluation


def activation_of(context: Mapping[str, Any]) -> dict[str, Any]:
    return {name: to_cel(value) for name, value in context.items()}


def _evaluate(rules: list[RuleSpec], context: Mapping[str, Any]) -> Evaluation:
    results: list[RuleResult] = []
    if not rules:
        return refer("本事项没有可用的审批规则，转人工审核。", "No approval rules apply; a clerk will decide.", results)
    try:
        activation = activation_of(context)
    except Exception as exc:
        return refer(
            "申请数据无法读取，转人工审核。",
            "The application data could not be read; a clerk will decide.",
            results,
            error=_error_text(exc),
        )
    decided: Evaluation | None = None
    for rule in rules:
        if decided is not None:
            results.append(RuleResult(rule.key, rule.outcome, "not_evaluated"))
            continue
        if rule.outcome not in OUTCOMES:
            results.append(RuleResult(rule.key, rule.outcome, "error", error="unknown outcome"))
            decided = refer(
                "规则配置有误，转人工审核。",
                "A rule is misconfigured; a clerk will decide.",
                results,
                rule=rule.key,
                error="unknown outcome",
            )
            continue
        values: dict[str, Any] = {}
        try:
            compiled = compile_expression(rule.expression)
            values = _values(compiled, context)
            value = compiled.program.evaluate(activation)
            if isinstance(value, BaseException):
                raise value
            if not isinstance(value, bool | celtypes.BoolType):
                raise TypeError(f"the rule gave {type(value).__name__}, not true or false")
            value = bool(value)
        except Exception as exc:
            message = _error_text(exc)
            missing = [path for path, v in values.items() if v == MISSING or v is None]
            results.append(RuleResult(rule.key, rule.outcome, "error", values, message))
            if missing:
                reason = f"缺少数据（{'、'.join(missing)}），无法自动审批，转人工审核。"
                reason_en = f"Data is missing ({', '.join(missing)}); a clerk will decide."
            else:
                reason = f"规则“{rule.key}”无法计算，转人工审核。"
                reason_en = f"The rule “{rule.key}” could not be evaluated; a clerk will decide."
            decided = refer(reason, reason_en, results, rule=rule.key, error=message)
            continue
        if value:
            results.append(RuleResult(rule.key, rule.outcome, "fired", values))
            decided = Evaluation(rule.outcome, rule.key, rule.reason, rule.reason_en or rule.reason, results)
        else:
            results.append(RuleResult(rule.key, rule.outcome, "not_fired", values))
    if decided is not None:
        decided.results = results
        return decided
    return refer(
        "没有规则适用于本申请，转人工审核。", "No rule applies to this application; a clerk will decide.", results
    )

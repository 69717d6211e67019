"""The datastore: one real database table per loaded resource version, on SQLite or PostgreSQL.

Tables are created with raw DDL (quoted identifiers, physical column names ``c0``, ``c1``, … so any
header is safe); the version's ``columns`` maps them to field ids and types. PostgreSQL loads with
COPY, SQLite with batched inserts. Every filterable column gets an index. Searches build
parameterised SQL from validated field names only.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from pengcheng.opendata import ingest

MAX_LIMIT = 32_000  # CKAN's ckan.datastore.search.rows_max default
DEFAULT_LIMIT = 100
BATCH = 10_000

_SQL_TYPES = {
    "postgresql": {
        "text": "TEXT",
        "int": "BIGINT",
        "numeric": "DOUBLE PRECISION",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "bool": "BOOLEAN",
    },
    "sqlite": {
        "text": "TEXT",
        "int": "INTEGER",
        "numeric": "REAL",
        "date": "TEXT",
        "timestamp": "TEXT",
        "bool": "INTEGER",
    },
}


class QueryError(ValueError):
    """A search the datastore refuses: ``field`` names the offending parameter."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _vendor() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def new_table_name() -> str:
    return f"ods_{secrets.token_hex(10)}"


def physical(index: int) -> str:
    return f"c{index}"


def create_table(name: str, types: list[str]) -> None:
    sql_types = _SQL_TYPES[_vendor()]
    columns = ", ".join(f"{_q(physical(i))} {sql_types[kind]}" for i, kind in enumerate(types))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {_q(name)} ({_q('_id')} BIGINT PRIMARY KEY, {columns})")


def create_indexes(name: str, indexed: list[int]) -> None:
    with connection.cursor() as cursor:
        for index in indexed:
            cursor.execute(f"CREATE INDEX {_q(f'{name}_i{index}')} ON {_q(name)} ({_q(physical(index))})")
        if _vendor() == "postgresql":
            cursor.execute(f"ANALYZE {_q(name)}")


def drop_table(name: str) -> None:
    if not re.fullmatch(r"ods_[0-9a-f]{20}", name):
        raise ValueError(f"not a datastore table: {name!r}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_q(name)}")


def table_exists(name: str) -> bool:
    return name in connection.introspection.table_names()


def _to_db(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if _vendor() == "sqlite":
        if kind in ("date", "timestamp"):
            return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
        if kind == "bool":
            return int(value)
    return value


class LoadError(ValueError):
    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        self.row = row
        self.column = column
        super().__init__(message)


def load(
    name: str,
    columns: list[dict[str, Any]],
    rows: Iterable[list[Any]],
    transform: Callable[[list[Any]], list[Any]] | None = None,
    progress: Callable[[int], None] | None = None,
    first_row: int = 2,
) -> int:
    """Convert and insert ``rows`` into table ``name``; returns the number of rows.

    Each row is converted to the column types; a value that does not fit raises ``LoadError`` with
    its row number and column. ``transform`` (masking, dropping) runs before conversion."""
    kinds = [column["type"] for column in columns]
    ids = [column["id"] for column in columns]
    placeholders = ", ".join(["%s"] * (len(kinds) + 1))
    names = ", ".join(_q(c) for c in ["_id", *(physical(i) for i in range(len(kinds)))])
    insert = f"INSERT INTO {_q(name)} ({names}) VALUES ({placeholders})"
    batch: list[list[Any]] = []
    count = 0

    def converted() -> Iterator[list[Any]]:
        nonlocal count
        for number, raw in enumerate(rows, start=first_row):
            values = transform(raw) if transform else raw
            row: list[Any] = [count + 1]
            for index, (value, kind) in enumerate(zip(values, kinds, strict=True)):
                try:
                    row.append(_to_db(ingest.convert(value, kind), kind))
                except ValueError as exc:
                    raise LoadError(f"column {ids[index]!r}: {exc}", row=number, column=ids[index]) from None
            count += 1
            yield row

    postgres = _vendor() == "postgresql"
    with connection.cursor() as cursor:
        for row in converted():
            batch.append(row)
            if len(batch) >= BATCH:
                _insert(cursor, postgres, name, names, insert, batch)
                batch.clear()
                if progress:
                    progress(count)
        if batch:
            _insert(cursor, postgres, name, names, insert, batch)
    if progress:
        progress(count)
    return count


def _insert(cursor: Any, postgres: bool, name: str, names: str, insert: str, batch: list[list[Any]]) -> None:
    """One batch: COPY on PostgreSQL (an order of magnitude faster than INSERT), executemany on SQLite."""
    if postgres:
        with cursor.cursor.copy(f"COPY {_q(name)} ({names}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(row)
    else:
        cursor.executemany(insert, batch)


# Searching --------------------------------------------------------------------------------------


@dataclass
class Field:
    id: str
    type: str
    column: str  # physical column


@dataclass
class SearchResult:
    fields: list[Field]
    records: list[list[Any]]
    total: int | None


def fields_of(columns: list[dict[str, Any]]) -> list[Field]:
    return [Field("_id", "int", "_id")] + [
        Field(column["id"], column["type"], physical(index)) for index, column in enumerate(columns)
    ]


def _from_db(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind == "date":
        return value if isinstance(value, str) else value.isoformat()
    if kind == "timestamp":
        return value.replace(" ", "T") if isinstance(value, str) else value.isoformat()
    return value


def _filter_value(field: Field, value: Any) -> Any:
    if isinstance(value, dict | list):
        raise QueryError("filters", f"the filter on {field.id!r} must be a value or a list of values")
    try:
        return _to_db(ingest.convert(value, field.type), field.type)
    except ValueError as exc:
        raise QueryError("filters", f"{field.id}: {exc}") from None


def _where(
    by_id: dict[str, Field], filters: dict[str, Any] | None, q: str | dict[str, str] | None
) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for key, raw in (filters or {}).items():
        field = by_id.get(key)
        if field is None:
            raise QueryError("filters", f"field {key!r} not in the resource")
        values = raw if isinstance(raw, list) else [raw]
        if not values:
            raise QueryError("filters", f"the filter on {key!r} has no values")
        converted = [_filter_value(field, value) for value in values]
        if len(converted) == 1:
            if converted[0] is None:
                clauses.append(f"{_q(field.column)} IS NULL")
            else:
                clauses.append(f"{_q(field.column)} = %s")
                params.append(converted[0])
        else:
            clauses.append(f"{_q(field.column)} IN ({', '.join(['%s'] * len(converted))})")
            params.extend(converted)
    like = "ILIKE" if _vendor() == "postgresql" else "LIKE"
    if isinstance(q, dict):
        for key, text in q.items():
            field = by_id.get(key)
            if field is None or field.type != "text":
                raise QueryError("q", f"field {key!r} is not a text field of the resource")
            clauses.append(f"{_q(field.column)} {like} %s ESCAPE '\\'")
            params.append(f"%{_escape_like(str(text))}%")
    elif q:
        text_fields = [field for field in by_id.values() if field.type == "text"]
        for word in str(q).split():
            if not text_fields:
                clauses.append("1 = 0")
                break
            clauses.append("(" + " OR ".join(f"{_q(f.column)} {like} %s ESCAPE '\\'" for f in text_fields) + ")")
            params.extend([f"%{_escape_like(word)}%"] * len(text_fields))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _order_by(by_id: dict[str, Field], sort: str | None) -> str:
    if not sort:
        return f" ORDER BY {_q('_id')}"
    parts = []
    for item in str(sort).split(","):
        words = item.strip().split()
        if not words:
            continue
        key = words[0].strip('"')
        direction = words[1].lower() if len(words) > 1 else "asc"
        field = by_id.get(key)
        if field is None or direction not in ("asc", "desc") or len(words) > 2:
            raise QueryError("sort", f"cannot sort by {item.strip()!r}")
        parts.append(f"{_q(field.column)} {direction.upper()}")
    return " ORDER BY " + ", ".join(parts or [_q("_id")])


def search(
    table: str,
    columns: list[dict[str, Any]],
    *,
    filters: dict[str, Any] | None = None,
    q: str | dict[str, str] | None = None,
    fields: list[str] | None = None,
    sort: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    include_total: bool = True,
    known_total: int | None = None,
) -> SearchResult:
    all_fields = fields_of(columns)
    by_id = {field.id: field for field in all_fields}
    if fields:
        missing = [name for name in fields if name not in by_id]
        if missing:
            raise QueryError("fields", f"fields not in the resource: {', '.join(missing)}")
        chosen = [by_id[name] for name in fields]
    else:
        chosen = all_fields
    where, params = _where(by_id, filters, q)
    select = ", ".join(_q(field.column) for field in chosen)
    sql = f"SELECT {select} FROM {_q(table)}{where}{_order_by(by_id, sort)} LIMIT %s OFFSET %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        rows = cursor.fetchall()
        total: int | None = None
        if include_total:
            if not where and known_total is not None:
                total = known_total
            else:
                cursor.execute(f"SELECT COUNT(*) FROM {_q(table)}{where}", params)
                total = int(cursor.fetchone()[0])
    kinds = [field.type for field in chosen]
    records = [[_from_db(value, kind) for value, kind in zip(row, kinds, strict=True)] for row in rows]
    return SearchResult(chosen, records, total)


def iterate(table: str, columns: list[dict[str, Any]], chunk: int = 2_000) -> Iterator[list[Any]]:
    """Every row (without ``_id``), in order, fetched in chunks by keyset paging."""
    fields = fields_of(columns)[1:]
    select = ", ".join(_q(field.column) for field in fields)
    kinds = [field.type for field in fields]
    last = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_q('_id')}, {select} FROM {_q(table)} WHERE {_q('_id')} > %s ORDER BY {_q('_id')} LIMIT %s",
                [last, chunk],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        for row in rows:
            yield [_from_db(value, kind) for value, kind in zip(row[1:], kinds, strict=True)]
        last = rows[-1][0]

"""Statements compiled once per database connection and run again with new values.

Django compiles a queryset to SQL on every evaluation and saves a model through its whole save
machinery. For a ``select_related`` read over three models that compilation costs about 1.6 ms of
CPU, ten times the cost of running the SQL it produces. The few statements on a path that runs
hundreds of times a second (the OpenID Connect token exchange) are compiled here once and re-run.

They still produce and take ordinary model instances: reads go through Django's own converters
and related-object population, and writes through each field's ``pre_save`` and
``get_db_prep_save``. A write falls back to the ORM when the model has signal receivers (which
would be skipped otherwise), and a delete falls back when other rows could cascade.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

M = TypeVar("M", bound=Model)


def _where(model: type[Model], by: tuple[str, ...], connection: BaseDatabaseWrapper) -> tuple[str, list[Field]]:
    qn = connection.ops.quote_name
    fields = [cast(Field, model._meta.get_field(name)) for name in by]
    table = qn(model._meta.db_table)
    return " AND ".join(f"{table}.{qn(str(f.column))} = %s" for f in fields), fields


@dataclass(frozen=True)
class _CompiledLookup:
    sql: str
    fields: list[Field]
    compiler: Any
    converters: dict[int, Any]
    init_list: list[str]
    model_slice: slice
    populators: list[Any]


class PreparedLookup(Generic[M]):
    """The first row of ``queryset`` whose ``by`` fields equal the given values.

    ``queryset`` names the model, ``select_related`` and ``only``; it must not filter. Values are
    given as stored: a foreign key takes the related row's primary key."""

    def __init__(self, queryset: QuerySet[M], by: tuple[str, ...]) -> None:
        self.queryset = queryset.order_by()
        self.by = by
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _CompiledLookup] = weakref.WeakKeyDictionary()

    def _compile(self, connection: BaseDatabaseWrapper) -> _CompiledLookup:
        compiled = self._compiled.get(connection)
        if compiled is None:
            # A compiler belongs to one connection (each thread has its own), hence one per wrapper.
            compiler = self.queryset.query.get_compiler(connection=connection)
            select_sql, params = compiler.as_sql()
            if params:
                raise ValueError("PreparedLookup takes a queryset without filters")
            columns = [column[0] for column in compiler.select[: compiler.col_count]]
            if compiler.has_composite_fields(columns):
                raise ValueError("PreparedLookup does not read composite primary keys")
            where, fields = _where(self.queryset.model, self.by, connection)
            limit = connection.ops.limit_offset_sql(0, 1)
            klass_info = compiler.klass_info
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            compiled = _CompiledLookup(
                sql=f"{select_sql} WHERE {where} {limit}",
                fields=fields,
                compiler=compiler,
                converters=compiler.get_converters(columns),
                init_list=[column[0].target.attname for column in compiler.select[start:end]],
                model_slice=slice(start, end),
                # django-stubs describe a later Django, whose populators take a fetch mode too
                populators=get_related_populators(klass_info, compiler.select, connection.alias),  # type: ignore[call-arg]
            )
            self._compiled[connection] = compiled
        return compiled

    def first(self, *values: Any) -> M | None:
        alias = router.db_for_read(self.queryset.model)
        connection = connections[alias]
        compiled = self._compile(connection)
        fields = compiled.fields
        params = [field.get_db_prep_value(value, connection) for field, value in zip(fields, values, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        converted = row
        if compiled.converters:
            converted = next(iter(compiled.compiler.apply_converters([row], compiled.converters)))
        obj: M = self.queryset.model.from_db(alias, compiled.init_list, converted[compiled.model_slice])
        for populator in compiled.populators:
            populator.populate(converted, obj)
        return obj


@dataclass(frozen=True)
class _CompiledInsert:
    sql: str
    fields: list[Field]
    returning: list[Field]


class PreparedInsert:
    """Inserts a new instance of ``model`` (primary key not yet set), as ``obj.save()`` would."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _CompiledInsert] = weakref.WeakKeyDictionary()

    def _compile(self, connection: BaseDatabaseWrapper) -> _CompiledInsert:
        compiled = self._compiled.get(connection)
        if compiled is None:
            meta = self.model._meta
            qn = connection.ops.quote_name
            fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
            returning = list(meta.db_returning_fields) if connection.features.can_return_columns_from_insert else []
            ops: Any = connection.ops  # return_insert_columns: on the backends that can return columns
            returning_sql = ops.return_insert_columns(returning)[0] if returning else ""
            compiled = _CompiledInsert(
                sql=(
                    f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(str(f.column)) for f in fields)}) "
                    f"VALUES ({', '.join(['%s'] * len(fields))}) {returning_sql or ''}"
                ),
                fields=fields,
                returning=returning,
            )
            self._compiled[connection] = compiled
        return compiled

    def save(self, obj: Model) -> None:
        meta = self.model._meta
        if (
            obj.pk is not None
            or meta.parents
            or pre_save.has_listeners(self.model)
            or post_save.has_listeners(self.model)
        ):
            obj.save(force_insert=True)
            return
        alias = router.db_for_write(self.model, instance=obj)
        connection = connections[alias]
        compiled = self._compile(connection)
        # As save() does: a related object not saved yet is an error, not a NULL foreign key.
        cast(Any, obj)._prepare_related_fields_for_save(operation_name="save")
        params = []
        for field in compiled.fields:
            value = field.pre_save(obj, True)
            if hasattr(value, "resolve_expression"):  # e.g. Now(): leave it to the ORM
                obj.save(force_insert=True)
                return
            params.append(field.get_db_prep_save(value, connection=connection))
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            if compiled.returning:
                returned = cursor.fetchone()
                for field, value in zip(compiled.returning, returned, strict=True):
                    column = field.get_col(meta.db_table)
                    for converter in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
                        value = converter(value, column, connection)
                    setattr(obj, field.attname, value)
            else:
                obj.pk = connection.ops.last_insert_id(cursor, meta.db_table, str(meta.pk.column))
        obj._state.adding = False
        obj._state.db = alias


class PreparedDelete:
    """Deletes the rows of ``model`` whose ``by`` fields equal the given values; returns how many."""

    def __init__(self, model: type[Model], by: tuple[str, ...]) -> None:
        self.model = model
        self.by = by
        self._sql: weakref.WeakKeyDictionary[BaseDatabaseWrapper, tuple[str, list[Field]]] = weakref.WeakKeyDictionary()

    def delete(self, *values: Any) -> int:
        meta = self.model._meta
        if (
            meta.related_objects
            or meta.private_fields
            or pre_delete.has_listeners(self.model)
            or post_delete.has_listeners(self.model)
        ):
            return self.model._default_manager.filter(**dict(zip(self.by, values, strict=True))).delete()[0]
        connection = connections[router.db_for_write(self.model)]
        compiled = self._sql.get(connection)
        if compiled is None:
            where, fields = _where(self.model, self.by, connection)
            compiled = (f"DELETE FROM {connection.ops.quote_name(meta.db_table)} WHERE {where}", fields)
            self._sql[connection] = compiled
        sql, fields = compiled
        with connection.cursor() as cursor:
            cursor.execute(sql, [f.get_db_prep_value(v, connection) for f, v in zip(fields, values, strict=True)])
            return int(cursor.rowcount)

"""Reads of the open-data catalogue: visibility, CKAN-style search (q, fq, sort, facets) and the
CKAN dictionaries of datasets, resources, organisations, groups and tags."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language

from pengcheng.core.actors import MaybeActor
from pengcheng.core.models import Department, Role
from pengcheng.core.permissions import scope_of
from pengcheng.opendata.models import (
    OPEN_LICENCES,
    CatalogueVersion,
    Dataset,
    DatasetState,
    Resource,
    ResourceVersion,
    Tag,
    Theme,
    VersionStatus,
)

ORG_NAMESPACE = uuid.UUID("6f1c3a52-3c1e-4d0c-9f55-7a1d1c2b8e01")
MAX_ROWS = 1000


class SearchQueryError(ValueError):
    """A q, fq or sort the search cannot parse (CKAN answers these with "Search Query Error")."""


# Visibility --------------------------------------------------------------------------------------


def publisher_departments(actor: MaybeActor) -> set[int] | None:
    """Departments the actor publishes for; None means every department (operators, admins)."""
    scope = scope_of(actor)
    if scope.platform_wide:
        return None
    return scope.departments_with(Role.DATA_OFFICER)


def can_edit(actor: MaybeActor, dataset: Dataset | DatasetHeader) -> bool:
    departments = publisher_departments(actor)
    return departments is None or dataset.organization_id in departments


def can_read(actor: MaybeActor, dataset: Dataset | DatasetHeader) -> bool:
    return dataset.is_public or can_edit(actor, dataset)


@dataclass(frozen=True)
class DatasetHeader:
    """What a read needs to find a dataset and check access, without loading the row through the ORM."""

    pk: uuid.UUID
    name: str
    state: str
    private: bool
    organization_id: int
    modified_at: dt.datetime

    @property
    def is_public(self) -> bool:
        return self.state == DatasetState.ACTIVE and not self.private


UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


def dataset_header(key: str) -> DatasetHeader | None:
    """A dataset's header by id or name with one hand-written query: the busiest read (package_show)
    spends most of its time compiling ORM queries otherwise."""
    table = connection.ops.quote_name(Dataset._meta.db_table)
    sql = f"SELECT id, name, state, private, organization_id, modified_at FROM {table} WHERE "
    row = None
    with connection.cursor() as cursor:
        if UUID_TEXT.match(key):
            pk_value = Dataset._meta.pk.get_db_prep_value(uuid.UUID(key), connection)
            cursor.execute(sql + "id = %s", [pk_value])
            row = cursor.fetchone()
        if row is None:
            cursor.execute(sql + "name = %s", [key])
            row = cursor.fetchone()
    if row is None:
        return None
    pk, name, state, private, organization, modified = row
    return DatasetHeader(uuid.UUID(str(pk)), name, state, bool(private), organization, _aware(modified))


def _aware(moment: Any) -> dt.datetime:
    if isinstance(moment, str):  # SQLite may hand back the stored text
        moment = parse_datetime(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite stores UTC without a zone


@dataclass(frozen=True)
class TableHeader:
    """A resource's current datastore table and its dataset's header, read with one query."""

    resource_id: uuid.UUID
    dataset: DatasetHeader
    table_name: str
    columns: list[dict[str, Any]]
    rows_total: int


def table_header(resource_id: str) -> TableHeader | None:
    try:
        key = uuid.UUID(str(resource_id))
    except ValueError:
        return None
    quote = connection.ops.quote_name
    sql = (
        "SELECT r.id, d.id, d.name, d.state, d.private, d.organization_id, d.modified_at, "
        "v.table_name, v.columns, v.rows_total "
        f"FROM {quote(Resource._meta.db_table)} r "
        f"JOIN {quote(Dataset._meta.db_table)} d ON d.id = r.dataset_id "
        f"LEFT JOIN {quote(ResourceVersion._meta.db_table)} v ON v.id = r.current_version_id "
        "WHERE r.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Resource._meta.pk.get_db_prep_value(key, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    rid, pk, name, state, private, organization, modified, table, columns, rows_total = row
    dataset = DatasetHeader(uuid.UUID(str(pk)), name, state, bool(private), organization, _aware(modified))
    if isinstance(columns, str | bytes):
        columns = json.loads(columns)
    return TableHeader(uuid.UUID(str(rid)), dataset, table or "", columns or [], rows_total or 0)


def visible_datasets(
    actor: MaybeActor, *, include_private: bool = False, include_drafts: bool = False
) -> QuerySet[Dataset]:
    """Published public datasets; with the flags, also the private ones and drafts the actor may edit."""
    query = Q(state=DatasetState.ACTIVE, private=False)
    if include_private or include_drafts:
        departments = publisher_departments(actor)
        own = Q() if departments is None else Q(organization_id__in=departments)
        if departments is None or departments:
            states = [DatasetState.ACTIVE] + ([DatasetState.DRAFT] if include_drafts else [])
            mine = own & Q(state__in=states)
            if not include_private:
                mine &= Q(private=False)
            query |= mine
    return Dataset.objects.filter(query)


# Organisations -------------------------------------------------------------------------------------


def organization_id(department: Department) -> str:
    return str(uuid.uuid5(ORG_NAMESPACE, department.code))


def department_by_key(key: str) -> Department | None:
    """A department by organisation name (code, any case), organisation id, or code."""
    key = str(key or "").strip()
    if not key:
        return None
    found = Department.objects.filter(code__iexact=key).first()
    if found is None and re.fullmatch(r"[0-9a-f-]{36}", key):
        for department in Department.objects.all():
            if organization_id(department) == key:
                return department
    return found


def _timestamp(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def organization_dict(department: Department, package_count: int | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": organization_id(department),
        "name": department.code.lower(),
        "title": department.name,
        "display_name": department.name,
        "title_en": department.name_en,
        "description": department.name_en,
        "image_url": "",
        "image_display_url": "",
        "created": "2022-11-25T00:00:00",
        "is_organization": True,
        "approval_status": "approved",
        "state": "active" if department.is_active else "deleted",
        "type": "organization",
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def organizations(*, with_counts: bool = False) -> list[tuple[Department, int]]:
    """Departments that publish (have any public dataset) or could: every active department."""
    departments = Department.objects.filter(is_active=True).order_by("code")
    if with_counts:
        departments = departments.annotate(
            public_count=Count("datasets", filter=Q(datasets__state=DatasetState.ACTIVE, datasets__private=False))
        )
    return [(department, getattr(department, "public_count", 0)) for department in departments]


def group_dict(theme: Theme, package_count: int | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": str(theme.uid),
        "name": theme.name,
        "title": theme.title,
        "display_name": theme.title,
        "title_en": theme.title_en,
        "description": theme.description,
        "image_url": "",
        "image_display_url": "",
        "created": _timestamp(theme.created_at),
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
        "type": "group",
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def themes_with_counts() -> QuerySet[Theme]:
    return Theme.objects.annotate(
        public_count=Count("datasets", filter=Q(datasets__state=DatasetState.ACTIVE, datasets__private=False))
    ).order_by("name")


def theme_by_key(key: str) -> Theme | None:
    key = str(key or "").strip()
    theme = Theme.objects.filter(name=key).first()
    if theme is None and re.fullmatch(r"[0-9a-fA-F-]{32,36}", key):
        theme = Theme.objects.filter(uid=key).first()
    return theme


# Datasets as CKAN dictionaries ----------------------------------------------------------------------


def with_relations(datasets: QuerySet[Dataset]) -> QuerySet[Dataset]:
    return datasets.select_related("organization", "spatial").prefetch_related(
        Prefetch(
            "resources",
            queryset=Resource.objects.select_related("current_version").only(
                "id",
                "dataset_id",
                "name",
                "description",
                "format",
                "url",
                "position",
                "created_at",
                "modified_at",
                "current_version__id",
                "current_version__size",
                "current_version__sha256",
                "current_version__table_name",
                "current_version__loaded_at",
                "current_version__rows_total",
                "current_version__original_name",
                "current_version__number",
            ),
        ),
        "tags",
        "themes",
    )


MIMETYPES = {
    "CSV": "text/csv",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "JSON": "application/json",
    "GEOJSON": "application/geo+json",
}


def resource_dict(resource: Resource, dataset: Dataset, base_url: str) -> dict[str, Any]:
    version: ResourceVersion | None = resource.current_version
    download = f"{base_url}/data/resource/{resource.pk}/download/original" if version else resource.url
    return {
        "id": str(resource.pk),
        "package_id": str(dataset.pk),
        "name": resource.name,
        "description": resource.description,
        "format": "GeoJSON" if resource.format == "GEOJSON" else resource.format,
        "mimetype": MIMETYPES.get(resource.format, ""),
        "url": download or "",
        "url_type": "upload" if version else "",
        "size": version.size if version else None,
        "hash": f"sha256:{version.sha256}" if version and version.sha256 else "",
        "created": _timestamp(resource.created_at),
        "last_modified": _timestamp(version.loaded_at) if version else None,
        "metadata_modified": _timestamp(resource.modified_at),
        "position": resource.position,
        "state": "active",
        "datastore_active": bool(version and version.table_name),
        "version": version.number if version else None,
        "records": version.rows_total if version and version.table_name else None,
    }


def package_dict(dataset: Dataset, base_url: str) -> dict[str, Any]:
    """The CKAN package dictionary of ``dataset`` (prefetch with ``with_relations``)."""
    tags = sorted(dataset.tags.all(), key=lambda tag: tag.name)
    themes = sorted(dataset.themes.all(), key=lambda theme: theme.name)
    resources = sorted(dataset.resources.all(), key=lambda resource: (resource.position, resource.created_at))
    org = dataset.organization
    extras = [
        ("frequency", dataset.frequency),
        ("temporal_start", dataset.temporal_start.isoformat() if dataset.temporal_start else ""),
        ("temporal_end", dataset.temporal_end.isoformat() if dataset.temporal_end else ""),
        ("spatial", dataset.spatial_id or ""),
        ("spatial_name", dataset.spatial.name if dataset.spatial else ""),
        ("contact_phone", dataset.contact_phone),
        ("title_en", dataset.title_en),
    ]
    return {
        "id": str(dataset.pk),
        "name": dataset.name,
        "title": dataset.title,
        "title_en": dataset.title_en,
        "notes": dataset.notes,
        "type": "dataset",
        "state": dataset.state,
        "private": dataset.private,
        "author": org.name,
        "author_email": None,
        "maintainer": dataset.contact_name or None,
        "maintainer_email": dataset.contact_email or None,
        "license_id": dataset.license_id,
        "license_title": dataset.license_title,
        "license_url": dataset.license_url,
        "isopen": dataset.license_id in OPEN_LICENCES,
        "url": f"{base_url}/data/dataset/{dataset.name}/",
        "version": dataset.version or None,
        "owner_org": organization_id(org),
        "organization": organization_dict(org),
        "groups": [group_dict(theme) for theme in themes],
        "tags": [
            {"id": str(tag.uid), "name": tag.name, "display_name": tag.name, "state": "active", "vocabulary_id": None}
            for tag in tags
        ],
        "num_tags": len(tags),
        "resources": [resource_dict(resource, dataset, base_url) for resource in resources],
        "num_resources": len(resources),
        "metadata_created": _timestamp(dataset.created_at),
        "metadata_modified": _timestamp(dataset.modified_at),
        "creator_user_id": str(dataset.creator_id) if dataset.creator_id else None,
        "frequency": dataset.frequency,
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else None,
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else None,
        "spatial": dataset.spatial_id,
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "extras": [{"key": key, "value": value} for key, value in extras if value],
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


# Search ------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?P<sign>[+-])?(?P<field>[A-Za-z_][\w.]*):(?P<value>"(?:[^"\\]|\\.)*"|[\[{][^\]}]*[\]}]|\([^)]*\)|[^\s()]+)"""
)
_DATE_MATH = re.compile(r"^NOW(?:/DAY)?(?:([+-])(\d+)(DAYS?|HOURS?|MINUTES?|MONTHS?|YEARS?))?(?:/DAY)?$")


def _solr_date(text: str) -> dt.datetime | None:
    """A Solr date: ISO 8601 (``2024-01-01T00:00:00Z``, with or without fraction or zone), ``*``, or
    ``NOW``, ``NOW-7DAYS`` and the like."""
    text = text.strip().strip('"')
    if text == "*":
        return None
    upper = text.upper()
    math = _DATE_MATH.match(upper)
    if math:
        moment = timezone.now()
        if "/DAY" in upper:
            moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if math.group(1):
            amount = int(math.group(2)) * (1 if math.group(1) == "+" else -1)
            unit = math.group(3).rstrip("S")
            if unit in ("MONTH", "YEAR"):
                moment += dt.timedelta(days=amount * (30 if unit == "MONTH" else 365))
            else:
                moment += dt.timedelta(**{unit.lower() + "s": amount})
        return moment
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SearchQueryError(f"cannot parse date {text!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _range(field_name: str, value: str) -> Q:
    inclusive_low, inclusive_high = value[0] == "[", value[-1] == "]"
    parts = value[1:-1].split(" TO ")
    if len(parts) != 2:
        raise SearchQueryError(f"a range must read [FROM TO UNTIL]: {value!r}")
    low, high = (_solr_date(part) for part in parts)
    query = Q()
    if low is not None:
        query &= Q(**{f"{field_name}__{'gte' if inclusive_low else 'gt'}": low})
    if high is not None:
        query &= Q(**{f"{field_name}__{'lte' if inclusive_high else 'lt'}": high})
    return query


def _values(value: str) -> list[str]:
    if value.startswith("(") and value.endswith(")"):
        items = re.findall(r'"(?:[^"\\]|\\.)*"|[^\s()]+', value[1:-1])
        words = [item for item in items if item.upper() != "OR"]
        if any(item.upper() == "AND" for item in items):
            raise SearchQueryError("only OR is supported inside parentheses")
        return [_unquote(word) for word in words]
    return [_unquote(value)]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value.replace("\\", "")


def _field_query(field_name: str, value: str) -> Q:
    if field_name in ("metadata_modified", "metadata_created"):
        column = "modified_at" if field_name == "metadata_modified" else "created_at"
        if value[:1] in "[{":
            return _range(column, value)
        moment = _solr_date(value)
        return Q(**{column: moment}) if moment else Q()
    if value[:1] in "[{":
        raise SearchQueryError(f"ranges are supported on metadata_modified and metadata_created, not {field_name}")
    values = _values(value)
    if values == ["*"]:
        return Q()
    query = Q()
    for item in values:
        query |= _single(field_name, item)
    return query


def _single(field_name: str, value: str) -> Q:
    if field_name in ("organization", "owner_org"):
        department = department_by_key(value)
        return Q(organization=department) if department else Q(pk__in=[])
    if field_name == "groups":
        return Q(group_names__contains=f"|{value}|")
    if field_name == "tags":
        return Q(tag_names__contains=f"|{value}|")
    if field_name == "res_format":
        return Q(formats__contains=f"|{value.upper()}|")
    if field_name == "license_id":
        return Q(license_id=value)
    if field_name == "name":
        return Q(name=value)
    if field_name == "id":
        try:
            return Q(pk=uuid.UUID(value))
        except ValueError:
            return Q(pk__in=[])
    if field_name in ("title", "text"):
        return Q(search_text__contains=value.lower())
    if field_name == "frequency":
        return Q(frequency=value)
    if field_name == "capacity":
        return Q(private=value == "private")
    if field_name in ("dataset_type", "type"):
        return Q() if value == "dataset" else Q(pk__in=[])
    if field_name == "state":
        return Q(state=value)
    if field_name == "spatial":
        return Q(spatial__code__startswith=value)
    raise SearchQueryError(f"unknown field {field_name!r}")


def parse_fq(fq: str) -> Q:
    """Solr-style filter queries: ``field:value``, ``field:"quoted"``, ``field:(a OR b)``,
    ``metadata_modified:[2024-01-01T00:00:00Z TO *]``, with ``+``/``-`` signs and ``AND``."""
    query = Q()
    position = 0
    text = fq.strip()
    while position < len(text):
        rest = text[position:]
        stripped = rest.lstrip()
        if not stripped:
            break
        if stripped.startswith("AND ") or stripped == "AND" or stripped.startswith("&& "):
            position += len(rest) - len(stripped) + (3 if stripped.startswith("AND") else 2)
            continue
        if stripped.startswith("OR ") or stripped.startswith("NOT ") or stripped.startswith("||"):
            raise SearchQueryError("OR and NOT between clauses are not supported; use field:(a OR b) or -field:value")
        match = _TOKEN.match(text, position)
        if match is None:
            raise SearchQueryError(f"cannot parse {stripped[:40]!r}: expected field:value")
        clause = _field_query(match.group("field"), match.group("value"))
        query &= ~clause if match.group("sign") == "-" else clause
        position = match.end()
    return query


_SORTS = {
    "metadata_modified": "modified_at",
    "metadata_created": "created_at",
    "name": "name",
    "title_string": "title",
    "title": "title",
    "id": "id",
    "score": None,
}


def parse_sort(sort: str) -> list[str]:
    order: list[str] = []
    for item in sort.split(","):
        words = item.split()
        if not words:
            continue
        if len(words) > 2 or words[0] not in _SORTS or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise SearchQueryError(f"cannot sort by {item.strip()!r}")
        column = _SORTS[words[0]]
        if column is None:
            continue  # no relevance scoring: keyword matches are filtered, then ordered by the rest
        descending = len(words) == 2 and words[1].lower() == "desc"
        order.append(("-" if descending else "") + column)
    if not any(key.lstrip("-") == "id" for key in order):
        order.append("id")  # a total order, so paging never repeats or skips a dataset
    return order


def _keyword_query(q: str) -> tuple[Q, str]:
    """Plain words must all appear; ``field:value`` parts of q are filters, as in Solr."""
    filters = []
    words = []
    for token in re.findall(r'[+-]?[A-Za-z_][\w.]*:(?:"[^"]*"|\[[^\]]*\]|\{[^}]*\}|\([^)]*\)|\S+)|"[^"]*"|\S+', q):
        if token in ("*:*", "*"):
            continue
        if re.match(r"[+-]?[A-Za-z_][\w.]*:", token):
            filters.append(token)
        elif token.upper() not in ("AND", "OR"):
            words.append(token.strip('"').lower())
    query = Q()
    for word in words:
        query &= Q(search_text__contains=word)
    if filters:
        query &= parse_fq(" ".join(filters))
    return query, " ".join(words)


FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id", "frequency")


@dataclass
class SearchResult:
    count: int
    page: list[tuple[uuid.UUID, dt.datetime]]  # (id, modified) of the datasets on the requested page
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    facet_titles: dict[str, dict[str, str]] = field(default_factory=dict)


class LRU:
    """A small thread-safe least-recently-used map, per process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        if self.size <= 0:
            return
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


# Search results are cached per process under the catalogue version (``services.bump_catalogue``), so
# an unchanged catalogue answers a repeated search with one primary-key read; like Solr's result cache.
SEARCH_CACHE = LRU(settings.PENGCHENG_OPENDATA_SEARCH_CACHE)


def catalogue_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {connection.ops.quote_name(CatalogueVersion._meta.db_table)} WHERE id = 1")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def search_datasets(
    actor: MaybeActor,
    *,
    q: str = "",
    fq: str = "",
    rows: int = 10,
    start: int = 0,
    sort: str = "score desc, metadata_modified desc",
    facet_fields: list[str] | None = None,
    facet_limit: int = 50,
    include_private: bool = False,
    include_drafts: bool = False,
) -> SearchResult:
    audience: Any = "public"
    if include_private or include_drafts:
        departments = publisher_departments(actor)
        audience = "all" if departments is None else tuple(sorted(departments))
    cacheable = SEARCH_CACHE.size > 0 and "NOW" not in f"{q} {fq}".upper()
    key = (q, fq, rows, start, sort, tuple(facet_fields or ()), facet_limit, include_private, include_drafts, audience)
    if cacheable:
        version = catalogue_version()
        cached = SEARCH_CACHE.get((version, key))
        if cached is not None:
            return cast(SearchResult, cached)
    result = _search(actor, q, fq, rows, start, sort, facet_fields, facet_limit, include_private, include_drafts)
    if cacheable:
        SEARCH_CACHE.put((version, key), result)
    return result


def _search(
    actor: MaybeActor,
    q: str,
    fq: str,
    rows: int,
    start: int,
    sort: str,
    facet_fields: list[str] | None,
    facet_limit: int,
    include_private: bool,
    include_drafts: bool,
) -> SearchResult:
    datasets = visible_datasets(actor, include_private=include_private, include_drafts=include_drafts)
    if q.strip():
        keyword, _ = _keyword_query(q)
        datasets = datasets.filter(keyword)
    if fq.strip():
        datasets = datasets.filter(parse_fq(fq))
    order = parse_sort(sort or "score desc, metadata_modified desc")
    for name in facet_fields or []:
        if name not in FACET_FIELDS:
            raise SearchQueryError(f"cannot facet on {name!r}; choose from {', '.join(FACET_FIELDS)}")
    result = SearchResult(count=0, page=[])
    if facet_fields:
        result.count = _facets(datasets, facet_fields, facet_limit, result)
    else:
        result.count = datasets.count()
    if rows and start < result.count:
        result.page = list(datasets.order_by(*order).values_list("pk", "modified_at")[start : start + rows])
    return result


# Package dictionaries are cached per process, keyed by id and modification time: every change to a
# dataset, its resources, tags or themes goes through the services, which stamp ``modified_at``. (CKAN
# likewise answers searches from dictionaries stored in its search index.)
PACKAGE_CACHE = LRU(5000)


def package_dicts(page: list[tuple[uuid.UUID, dt.datetime]], base_url: str) -> list[dict[str, Any]]:
    """The CKAN dictionaries of ``page`` (``(id, modified)`` pairs), in order, built once per version."""
    found: dict[uuid.UUID, dict[str, Any]] = {}
    variant = f"{base_url} {get_language()}"  # licence and frequency titles follow the language
    for pk, modified in page:
        cached = PACKAGE_CACHE.get((pk, modified, variant))
        if cached is not None:
            found[pk] = cached
    missing = [pk for pk, _ in page if pk not in found]
    if missing:
        for dataset in with_relations(Dataset.objects.filter(pk__in=missing)):
            built = package_dict(dataset, base_url)
            found[dataset.pk] = built
            PACKAGE_CACHE.put((dataset.pk, dataset.modified_at, variant), built)
    return [found[pk] for pk, _ in page if pk in found]


_NAMES_SECONDS = 60.0
_names_cache: tuple[float, dict[int, tuple[str, str]], dict[str, str]] = (0.0, {}, {})


def _names(*, refresh: bool = False) -> tuple[dict[int, tuple[str, str]], dict[str, str]]:
    """Departments (id -> organisation name, title) and theme titles, re-read once a minute."""
    global _names_cache
    now = time.monotonic()
    if refresh or now - _names_cache[0] > _NAMES_SECONDS:
        departments = {
            pk: (code.lower(), name) for pk, code, name in Department.objects.values_list("pk", "code", "name")
        }
        themes = dict(Theme.objects.values_list("name", "title"))
        _names_cache = (now, departments, themes)
    return _names_cache[1], _names_cache[2]


def _facets(datasets: QuerySet[Dataset], names: list[str], limit: int, result: SearchResult) -> int:
    """Count every requested facet from one scan of the matching rows; returns the number of rows."""
    columns = {
        "organization": "organization_id",
        "license_id": "license_id",
        "frequency": "frequency",
        "res_format": "formats",
        "tags": "tag_names",
        "groups": "group_names",
    }
    delimited_facets = {"res_format", "tags", "groups"}
    rows = list(datasets.values_list(*(columns[name] for name in names)))
    counters: dict[str, Counter[Any]] = {}
    for position, name in enumerate(names):
        if name in delimited_facets:
            counter: Counter[Any] = Counter()
            for row in rows:
                if row[position]:
                    counter.update(row[position].strip("|").split("|"))
        else:
            counter = Counter(row[position] for row in rows if row[position])
        counters[name] = counter
    matched = len(rows)
    for name, counter in counters.items():
        top = sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))[:limit]
        titles: dict[str, str] = {}
        if name == "organization":
            departments = _names()[0]
            if any(key not in departments for key, _ in top):
                departments = _names(refresh=True)[0]
            top = [(departments[key][0], count) for key, count in top if key in departments]
            titles = dict(departments.values())
        elif name == "groups":
            titles = _names()[1]
            if any(key not in titles for key, _ in top):
                titles = _names(refresh=True)[1]
        result.facets[name] = dict(top)
        result.facet_titles[name] = titles
    return matched


def tag_names(query: str = "") -> list[str]:
    tags = Tag.objects.filter(datasets__state=DatasetState.ACTIVE, datasets__private=False).distinct()
    if query:
        tags = tags.filter(name__icontains=query)
    return list(tags.order_by("name").values_list("name", flat=True))


def resource_for(resource_id: str) -> Resource | None:
    try:
        key = uuid.UUID(str(resource_id))
    except ValueError:
        return None
    return Resource.objects.select_related("dataset__organization", "current_version").filter(pk=key).first()


def officer_datasets(actor: MaybeActor, text: str = "", state: str = "") -> QuerySet[Dataset]:
    departments = publisher_departments(actor)
    datasets = Dataset.objects.exclude(state=DatasetState.DELETED).select_related("organization")
    if departments is not None:
        datasets = datasets.filter(organization_id__in=departments)
    if text:
        datasets = datasets.filter(search_text__contains=text.lower())
    if state:
        datasets = datasets.filter(state=state)
    return datasets.order_by("-modified_at")


def pending_reviews(actor: MaybeActor) -> QuerySet[ResourceVersion]:
    departments = publisher_departments(actor)
    versions = ResourceVersion.objects.filter(status=VersionStatus.REVIEW).select_related("resource__dataset")
    if departments is not None:
        versions = versions.filter(resource__dataset__organization_id__in=departments)
    return versions.order_by("created_at")

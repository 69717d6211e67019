"""Reads of the catalogue: search, item pages and the choices for filters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet

from pengcheng.catalog import search
from pengcheng.catalog.models import ItemStatus, ItemVersion, ServiceItem
from pengcheng.core.actors import MaybeActor
from pengcheng.core.errors import NotFound
from pengcheng.core.models import Department, Division, DivisionLevel
from pengcheng.core.permissions import scope_of


@dataclass
class SearchResult:
    items: list[ServiceItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _items_query() -> QuerySet[ServiceItem]:
    # The stored search terms are large and only the index needs them.
    return ServiceItem.objects.select_related("current_version", "department", "division").defer(
        "current_version__search_terms"
    )


def search_items(
    query: str = "",
    *,
    department: str = "",
    theme: str = "",
    audience: str = "",
    district: str = "",
    page: int = 1,
    per_page: int = 20,
) -> SearchResult:
    """Online items matching ``query`` (ranked) and the filters; ``department`` is a department code."""
    department_id = None
    if department:
        department_id = Department.objects.filter(code=department).values_list("pk", flat=True).first() or -1
    page = max(1, page)
    per_page = max(1, min(per_page, 100))
    hit = search.index().search(
        query,
        department=department_id,
        theme=theme,
        audience=audience,
        district=district,
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    found = _items_query().in_bulk(hit.ids)
    return SearchResult([found[i] for i in hit.ids if i in found], hit.total, page, per_page)


def item_by_code(code: str, actor: MaybeActor | None = None) -> ServiceItem:
    """An online item (operators also see offline and draft ones)."""
    item = _items_query().filter(code=code, current_version__isnull=False).first()
    operator = actor is not None and scope_of(actor).platform_wide
    if item is None or (item.status != ItemStatus.ONLINE and not operator):
        raise NotFound("No such service item.")
    return item


def version_with_materials(version_id: int) -> ItemVersion:
    return (
        ItemVersion.objects.select_related("item", "item__department").prefetch_related("materials").get(pk=version_id)
    )


_FACETS_KEY = "pengcheng:catalog:facets"


def facets() -> dict[str, list[tuple[str, str]]]:
    """Choices for the filters: themes, departments with online items, districts."""
    version = search.index_version()
    cached = cache.get(_FACETS_KEY)
    if cached is not None and cached[0] == version:
        return cached[1]
    index = search.index()
    themes = Counter(theme for doc in index.docs for theme in doc.themes)
    department_ids = {doc.department_id for doc in index.docs}
    departments = [
        (d.code, d.short_name or d.name)
        for d in Department.objects.filter(pk__in=department_ids).order_by("level", "code")
    ]
    districts = [(d.code, d.name) for d in Division.objects.filter(level=DivisionLevel.DISTRICT).order_by("code")]
    result = {
        "themes": [(theme, theme) for theme, _ in themes.most_common()],
        "departments": departments,
        "districts": districts,
    }
    cache.set(_FACETS_KEY, (version, result), 60)
    return result


def popular_items(limit: int = 8) -> list[ServiceItem]:
    """Items shown first on the catalogue and kiosk home pages: the seed's featured ones, then any."""
    featured = list(
        _items_query()
        .filter(status=ItemStatus.ONLINE, featured=True, current_version__isnull=False)
        .order_by("code")[:limit]
    )
    if len(featured) < limit:
        featured += list(
            _items_query()
            .filter(status=ItemStatus.ONLINE, current_version__isnull=False)
            .exclude(pk__in=[i.pk for i in featured])
            .order_by("code")[: limit - len(featured)]
        )
    return featured


def online_count() -> int:
    return ServiceItem.objects.filter(status=ItemStatus.ONLINE).count()

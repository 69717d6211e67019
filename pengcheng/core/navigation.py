"""Links that apps contribute to the portal header and the staff console.

An app registers its links in ``AppConfig.ready``; the templates show the ones the visitor may use,
so adding a module never means editing the core templates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pengcheng.core.actors import MaybeActor
from pengcheng.core.models import Role
from pengcheng.core.permissions import scope_of


@dataclass(frozen=True)
class NavLink:
    area: str  # "portal", "console" or "account" (the sections of the account page)
    label: str | Promise
    url_name: str
    roles: frozenset[str] = field(default_factory=frozenset)  # console: empty means any staff member
    order: int = 100
    description: str | Promise = ""
    # Console: a finer test than the roles, where the page's own permission needs more than a role
    # (a supervisor of a district centre is not a supervisor of the 12345 centre).
    visible: Callable[[MaybeActor], bool] | None = None

    def url(self) -> str | None:
        # URLs do not change while the process runs, and menus are drawn on every page.
        if self.url_name not in _urls:
            try:
                _urls[self.url_name] = reverse(self.url_name)
            except NoReverseMatch:
                _urls[self.url_name] = None
        return _urls[self.url_name]


_urls: dict[str, str | None] = {}


_links: dict[tuple[str, str], NavLink] = {}


def register(link: NavLink) -> None:
    _links[(link.area, link.url_name)] = link


def links_for(area: str, actor: MaybeActor) -> list[tuple[NavLink, str]]:
    """The links in ``area`` that ``actor`` may follow, with their URLs, in order."""
    roles = scope_of(actor).roles if area == "console" else frozenset()
    visible = []
    for link in sorted(_links.values(), key=lambda item: (item.order, str(item.label))):
        if link.area != area:
            continue
        if area == "console":
            if not roles:
                continue
            if link.roles and not (roles & link.roles or roles & {Role.OPERATOR, Role.ADMIN}):
                continue
            if link.visible is not None and not link.visible(actor):
                continue
        url = link.url()
        if url:
            visible.append((link, url))
    return visible


# The console's modules, in the order the menu shows them, and the URL namespaces each one holds.
# A link whose namespace is not listed goes under the platform.
CONSOLE_GROUPS: list[tuple[str, str | Promise, tuple[str, ...]]] = [
    ("services", _("One-stop services"), ("applications", "catalog", "rules", "licences", "seals")),
    ("hotline", _("12345 hotline"), ("hotline", "knowledge", "insights", "nlp")),
    ("data", _("Data sharing"), ("opendata-console", "prefill", "registries")),
    ("identity", _("Identity"), ("identity-console",)),
    ("platform", _("Platform"), ("console",)),
]
# Up to this many links the console menu is one flat row; beyond it, one row of modules and one of
# the current module's pages (an operator has over thirty).
FLAT_MENU_LINKS = 8


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str | Promise
    links: list[tuple[NavLink, str]]
    current: bool  # the page being shown belongs to this module


_GROUP_OF_NAMESPACE = {namespace: key for key, _label, namespaces in CONSOLE_GROUPS for namespace in namespaces}


def console_groups(actor: MaybeActor, path: str = "", links: list[tuple[NavLink, str]] | None = None) -> list[NavGroup]:
    """The console links ``actor`` may follow (``links``, when the caller has them already), by
    module; the module whose link best matches ``path`` (the longest URL that starts it) is the
    current one. The console home is left out."""
    if links is None:
        links = links_for("console", actor)
    links = [item for item in links if item[0].url_name != "console:home"]
    grouped: dict[str, list[tuple[NavLink, str]]] = {key: [] for key, _label, _ns in CONSOLE_GROUPS}
    for link, url in links:
        grouped[_GROUP_OF_NAMESPACE.get(link.url_name.split(":")[0], "platform")].append((link, url))
    matches = [(len(url), key) for key, items in grouped.items() for _link, url in items if path.startswith(url)]
    current = max(matches)[1] if matches else ""
    return [NavGroup(key, label, grouped[key], key == current) for key, label, _ns in CONSOLE_GROUPS if grouped[key]]


PLATFORM = frozenset({Role.OPERATOR, Role.ADMIN})


def register_core_links() -> None:
    register(NavLink("portal", _("Home"), "home", order=0))
    register(NavLink("console", _("Console home"), "console:home", order=0))
    register(
        NavLink(
            "console",
            _("Staff"),
            "console:staff",
            frozenset({Role.SUPERVISOR}),
            order=80,
            description=_("Staff accounts and their roles"),
        )
    )
    register(
        NavLink(
            "console",
            _("Departments"),
            "console:departments",
            PLATFORM,
            order=81,
            description=_("Departments and the divisions they serve"),
        )
    )
    register(
        NavLink(
            "console",
            _("Divisions"),
            "console:divisions",
            PLATFORM,
            order=82,
            description=_("Districts, streets and communities"),
        )
    )
    register(
        NavLink(
            "console",
            _("Working-day calendar"),
            "console:calendar",
            PLATFORM,
            order=83,
            description=_("Public holidays and make-up working days"),
        )
    )
    register(
        NavLink(
            "console",
            _("Audit log"),
            "console:audit",
            PLATFORM,
            order=84,
            description=_("Every state change, hash-chained"),
        )
    )
    register(
        NavLink(
            "console",
            _("Background jobs"),
            "console:jobs",
            PLATFORM,
            order=85,
            description=_("Queued, scheduled and failed jobs"),
        )
    )

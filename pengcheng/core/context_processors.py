from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from pengcheng.core import navigation

ELDER_COOKIE = "pc_elder"


def portal(request: HttpRequest) -> dict[str, Any]:
    """Elder mode (适老化) and the navigation the visitor may use."""
    user = getattr(request, "user", None) or AnonymousUser()

    # The console menu reads these several times per page (its length, its rows); work them out once.
    @cache
    def console_links() -> list[tuple[navigation.NavLink, str]]:
        return navigation.links_for("console", user)

    @cache
    def console_groups() -> list[navigation.NavGroup]:
        return navigation.console_groups(user, request.path, console_links())

    return {
        "elder_mode": request.COOKIES.get(ELDER_COOKIE) == "1",
        "portal_links": lambda: navigation.links_for("portal", user),
        "console_links": console_links,
        "console_groups": console_groups,
        "flat_menu_links": navigation.FLAT_MENU_LINKS,
        "account_links": lambda: navigation.links_for("account", user),
        "is_staff_member": lambda: bool(navigation.scope_of(user).roles),
    }

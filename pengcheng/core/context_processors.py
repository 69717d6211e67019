from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from pengcheng.core import navigation

ELDER_COOKIE = "pc_elder"


def portal(request: HttpRequest) -> dict[str, Any]:
    """Elder mode (适老化) and the navigation the visitor may use."""
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "elder_mode": request.COOKIES.get(ELDER_COOKIE) == "1",
        "portal_links": lambda: navigation.links_for("portal", user),
        "console_links": lambda: navigation.links_for("console", user),
        "console_groups": lambda: navigation.console_groups(user, request.path),
        "flat_menu_links": navigation.FLAT_MENU_LINKS,
        "account_links": lambda: navigation.links_for("account", user),
        "is_staff_member": lambda: bool(navigation.scope_of(user).roles),
    }

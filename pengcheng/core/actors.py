"""Who is acting: a signed-in user, or the platform itself (commands, scheduled jobs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from pengcheng.core.models import User


class SystemActor:
    """The platform acting on its own behalf: management commands and background jobs."""

    pk: Final = None
    is_authenticated: Final = True
    username: Final = "system"

    def __str__(self) -> str:
        return "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemActor()

Actor: TypeAlias = "User | SystemActor"
MaybeActor: TypeAlias = "User | SystemActor | AnonymousUser"

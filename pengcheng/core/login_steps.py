"""Extra steps between a correct password and a signed-in session (e.g. a second factor).

An app registers a step in ``AppConfig.ready``. After the password form succeeds, each step is
asked in turn; a step that returns a response takes over (and must finish the login itself), and
when none does the user is signed in as usual.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from pengcheng.core.models import User

# (request, user whose password was just checked, where to go after login) -> response or None
LoginStep = Callable[[HttpRequest, User, str], HttpResponse | None]

_steps: list[LoginStep] = []


def register(step: LoginStep) -> None:
    if step not in _steps:
        _steps.append(step)


def run(request: HttpRequest, user: User, next_url: str) -> HttpResponse | None:
    for step in _steps:
        response = step(request, user, next_url)
        if response is not None:
            return response
    return None

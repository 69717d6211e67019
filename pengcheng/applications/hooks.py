"""Extension points for the modules that build on applications.

- **Decision at submission** (秒批, instant approval): ``register_submit_hook(fn)``. ``fn(application)``
  runs inside the submit transaction after the form and materials passed validation, and returns a
  ``SubmitDecision`` or None. The first decision wins: ``approve`` and ``reject`` are carried out at
  once by the platform (each step on the timeline and in the audit log, actor ``system``, the rule
  named in the note); ``refer`` leaves the application to a clerk and records why.
- **Licences that satisfy materials** (免证办): ``register_licence_resolver(fn)``. For a material of
  kind ``licence``, ``fn(application, material)`` returns a reference to an electronic licence of
  ``material.licence_type`` that the applicant (or company) holds, or None. A material with such a
  licence needs no upload.
- **After approval** (licence issuance): ``register_approval_hook(fn)``; ``fn(application)`` runs in the
  approving transaction.
- **Pre-fill** (秒报): ``services.start(..., form_data=...)`` accepts initial values; each form field's
  UI hint ``prefill`` names the base-registry value it corresponds to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pengcheng.applications.models import Application
    from pengcheng.catalog.models import Material


@dataclass(frozen=True)
class SubmitDecision:
    outcome: Literal["approve", "reject", "refer"]
    reason: str
    rule: str = ""


SubmitHook = Callable[["Application"], SubmitDecision | None]
LicenceResolver = Callable[["Application", "Material"], str | None]
ApprovalHook = Callable[["Application"], None]

_submit_hooks: list[SubmitHook] = []
_licence_resolvers: list[LicenceResolver] = []
_approval_hooks: list[ApprovalHook] = []


def register_submit_hook(hook: SubmitHook) -> SubmitHook:
    if hook not in _submit_hooks:
        _submit_hooks.append(hook)
    return hook


def register_licence_resolver(resolver: LicenceResolver) -> LicenceResolver:
    if resolver not in _licence_resolvers:
        _licence_resolvers.append(resolver)
    return resolver


def register_approval_hook(hook: ApprovalHook) -> ApprovalHook:
    if hook not in _approval_hooks:
        _approval_hooks.append(hook)
    return hook


def unregister(hook: object) -> None:
    for registry in (_submit_hooks, _licence_resolvers, _approval_hooks):
        if hook in registry:
            registry.remove(hook)  # type: ignore[arg-type]


def decide_at_submit(application: Application) -> SubmitDecision | None:
    for hook in list(_submit_hooks):
        decision = hook(application)
        if decision is not None:
            return decision
    return None


def licence_for(application: Application, material: Material) -> str | None:
    for resolver in list(_licence_resolvers):
        reference = resolver(application, material)
        if reference:
            return reference
    return None


def after_approval(application: Application) -> None:
    for hook in list(_approval_hooks):
        hook(application)

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
  UI hint ``prefill`` names the base-registry value it corresponds to. ``register_edit_gate(fn)``:
  ``fn(application, surface)`` returns the address of a page the applicant must see before the form
  (the consent screen), or None; ``surface`` is ``"portal"`` or ``"kiosk"`` (the self-service kiosk
  wants its own large-type page). ``register_form_guard(fn)``: ``fn(application, raw)`` returns the posted
  values to save, with verified (locked) values put back, or raises ``ValidationFailed`` when a
  locked value was changed; it runs on every save and submission. ``register_form_annotator(fn)``:
  ``fn(application)`` returns ``FormNotes`` (per field: the verified source, or a note) for the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from pengcheng.applications.models import Application
    from pengcheng.catalog.models import Material


@dataclass(frozen=True)
class SubmitDecision:
    outcome: Literal["approve", "reject", "refer"]
    reason: str
    rule: str = ""


@dataclass
class FormNotes:
    """What the form shows beside fields: ``verified`` names the source of a locked value (已核验);
    ``notes`` explains an empty or editable pre-filled field."""

    verified: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, address) shown above the form


SubmitHook = Callable[["Application"], SubmitDecision | None]
LicenceResolver = Callable[["Application", "Material"], str | None]
ApprovalHook = Callable[["Application"], None]
EditGate = Callable[["Application", str], str | None]
FormGuard = Callable[["Application", Any], dict[str, Any]]
FormAnnotator = Callable[["Application"], FormNotes | None]

HookT = TypeVar("HookT")

_submit_hooks: list[SubmitHook] = []
_licence_resolvers: list[LicenceResolver] = []
_approval_hooks: list[ApprovalHook] = []
_edit_gates: list[EditGate] = []
_form_guards: list[FormGuard] = []
_form_annotators: list[FormAnnotator] = []


_REGISTRIES: tuple[list[Any], ...] = (
    _submit_hooks,
    _licence_resolvers,
    _approval_hooks,
    _edit_gates,
    _form_guards,
    _form_annotators,
)


def _add(registry: list[HookT], hook: HookT) -> HookT:
    if hook not in registry:
        registry.append(hook)
    return hook


def register_submit_hook(hook: SubmitHook) -> SubmitHook:
    return _add(_submit_hooks, hook)


def register_licence_resolver(resolver: LicenceResolver) -> LicenceResolver:
    return _add(_licence_resolvers, resolver)


def register_approval_hook(hook: ApprovalHook) -> ApprovalHook:
    return _add(_approval_hooks, hook)


def register_edit_gate(gate: EditGate) -> EditGate:
    return _add(_edit_gates, gate)


def register_form_guard(guard: FormGuard) -> FormGuard:
    return _add(_form_guards, guard)


def register_form_annotator(annotator: FormAnnotator) -> FormAnnotator:
    return _add(_form_annotators, annotator)


def unregister(hook: object) -> None:
    for registry in _REGISTRIES:
        if hook in registry:
            registry.remove(hook)


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


def edit_gate(application: Application, surface: str = "portal") -> str | None:
    for gate in list(_edit_gates):
        address = gate(application, surface)
        if address:
            return address
    return None


def guard_form(application: Application, raw: Any) -> Any:
    for guard in list(_form_guards):
        raw = guard(application, raw)
    return raw


def form_notes(application: Application) -> FormNotes:
    combined = FormNotes()
    for annotator in list(_form_annotators):
        found = annotator(application)
        if found is not None:
            combined.verified.update(found.verified)
            combined.notes.update(found.notes)
            combined.links.extend(found.links)
    return combined

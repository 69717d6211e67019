"""Powers that other apps let a company add to an agent's authorisation, shown on the company agents
page (经办人管理) with a grant and a withdraw button each.

The core knows companies and agents, not what the other apps let an agent do: an app registers an
``AgentPower`` in ``AppConfig.ready`` (``prefill`` registers its data consent mandate), and the page
calls the app's own services, which check their own permission and write their own audit record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise

from pengcheng.core.actors import Actor
from pengcheng.core.models import AgentRole, CompanyAgent


def _ordinary_agents(grant: CompanyAgent) -> bool:
    return grant.role == AgentRole.AGENT


@dataclass(frozen=True)
class AgentPower:
    key: str  # in the URL: /me/companies/<id>/agents/<grant>/powers/<key>/
    label: str | Promise  # the column heading
    grant_label: str | Promise
    withdraw_label: str | Promise
    holders: Callable[[Sequence[CompanyAgent]], set[int]]  # which of these authorisations hold it (pks)
    grant: Callable[[Actor, CompanyAgent], object]
    withdraw: Callable[[Actor, CompanyAgent], object]
    applies_to: Callable[[CompanyAgent], bool] = _ordinary_agents
    description: str | Promise = ""


_powers: dict[str, AgentPower] = {}


def register(power: AgentPower) -> None:
    _powers[power.key] = power


def registered() -> list[AgentPower]:
    return list(_powers.values())


def get(key: str) -> AgentPower | None:
    return _powers.get(key)


def held_by(grants: Sequence[CompanyAgent]) -> dict[int, list[str]]:
    """For each authorisation (by pk), the keys of the registered powers it holds."""
    held: dict[int, list[str]] = {grant.pk: [] for grant in grants}
    for power in _powers.values():
        for pk in power.holders(grants):
            held.setdefault(pk, []).append(power.key)
    return held

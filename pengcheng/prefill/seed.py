"""Demo seed for pre-fill: the demo company's first ordinary agent holds a data consent mandate, the
second does not, so its legal representative's agents page (and the consent screen) show both cases."""

from __future__ import annotations

from pengcheng.core.actors import SYSTEM, Actor
from pengcheng.core.models import AgentRole, Company, CompanyAgent, User
from pengcheng.core.seed import DEMO_COMPANY
from pengcheng.prefill import selectors, services
from pengcheng.seeding import SeedContext


def seed_demo(ctx: SeedContext) -> None:
    company = Company.objects.filter(name=DEMO_COMPANY).first()
    if company is None:
        return
    agents = list(
        CompanyAgent.objects.filter(company=company, role=AgentRole.AGENT, revoked_at__isnull=True)
        .select_related("user", "company")
        .order_by("user__username")
    )
    if not agents:
        return  # no population (scale 0)
    if not selectors.mandated_agents(agents):
        representative = User.objects.filter(
            agent_grants__company=company, agent_grants__role=AgentRole.LEGAL_REPRESENTATIVE
        ).first()
        actor: Actor = representative or SYSTEM
        services.mandate_data_consent(actor, agents[0])
    ctx.notes.append(
        f"Company agents (经办人管理): sign in as company, /me/companies/{company.pk}/agents/ "
        "(one agent holds a data consent mandate)"
    )

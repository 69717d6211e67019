"""Who sees a company's licences: the accounts with an authorisation of that company in force."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pengcheng.core.models import AgentRole, Company, CompanyAgent
from pengcheng.core.seed import demo_credit_code
from pengcheng.licences.models import HolderKind
from pengcheng.licences.services import Holder, holder_accounts
from pengcheng.testing import make_citizen

pytestmark = pytest.mark.django_db


def test_company_holder_accounts_need_one_grant_of_that_company_in_force(demo_city: None) -> None:
    first, second = (
        Company.objects.create(
            credit_code=demo_credit_code(n), name=f"深圳市持证测试{n}有限公司", legal_representative="王五"
        )
        for n in (881, 882)
    )
    now = timezone.now()
    current, expired, revoked, elsewhere = (make_citizen() for _ in range(4))
    CompanyAgent.objects.create(company=first, user=current, role=AgentRole.AGENT, expires_at=now + timedelta(days=1))
    # Expired at this company, in force at another: the two facts are about different grants.
    CompanyAgent.objects.create(company=first, user=expired, role=AgentRole.AGENT, expires_at=now - timedelta(days=1))
    CompanyAgent.objects.create(company=second, user=expired, role=AgentRole.AGENT)
    CompanyAgent.objects.create(company=first, user=revoked, role=AgentRole.AGENT, revoked_at=now)
    CompanyAgent.objects.create(company=second, user=elsewhere, role=AgentRole.AGENT)

    accounts = holder_accounts(Holder(HolderKind.ORGANISATION, first.credit_code, first.name))
    ours = {current.pk, expired.pk, revoked.pk, elsewhere.pk} & {a.pk for a in accounts}
    assert ours == {current.pk}
    assert len(accounts) == len({a.pk for a in accounts})  # each account once

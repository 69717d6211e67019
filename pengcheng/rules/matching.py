"""Policy matching (政策精准推送): every active policy against every citizen and company profile.

Built for 100,000 profiles × 50 policies: profiles are read in batches (one query per registry per
batch), each policy is compiled once, and a policy is evaluated once per distinct combination of the
values it reads (most profiles share them), so far fewer evaluations than profiles × policies run. New
matches and their inbox messages are written in bulk. A rule that errors on a profile is no match.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from pengcheng.audit.services import record as audit
from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import AccountKind, AgentRole, Company, CompanyAgent, User
from pengcheng.licences.models import HolderKind
from pengcheng.notifications.services import InboxMessage, notify_inbox_many
from pengcheng.registries.selectors import facts_for_many
from pengcheng.rules import engine
from pengcheng.rules.context import licences_in_force
from pengcheng.rules.models import DeclaredProfile, Policy, PolicyMatch, Subject


@dataclass
class CompiledPolicy:
    policy: Policy
    compiled: engine.Compiled | None
    observations: tuple[engine.Observation, ...]
    memo: dict[Any, bool] = field(default_factory=dict)
    evaluations: int = 0
    errors: int = 0

    def matches(self, context: Mapping[str, Any], activation: Callable[[], dict[str, Any]]) -> bool:
        if self.compiled is None:
            return False
        key = tuple(engine.observe(observation, context) for observation in self.observations)
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        try:
            prepared = activation()
        except Exception:
            self.errors += 1
            return False
        self.evaluations += 1
        try:
            value = self.compiled.program.evaluate(prepared)
            result = bool(value) if isinstance(value, bool | engine.celtypes.BoolType) else False
        except Exception:
            self.errors += 1
            result = False
        self.memo[key] = result
        return result


def compile_policies(policies: list[Policy]) -> list[CompiledPolicy]:
    out = []
    for policy in policies:
        try:
            compiled: engine.Compiled | None = engine.compile_expression(policy.expression)
        except engine.RuleSyntaxError:
            compiled = None
        observations = compiled.observations if compiled is not None else ()
        out.append(CompiledPolicy(policy, compiled, observations))
    return out


def active_policies(today: dt.date) -> list[Policy]:
    return list(
        Policy.objects.filter(is_active=True)
        .filter(Q(effective_from__isnull=True) | Q(effective_from__lte=today))
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=today))
        .select_related("item")
        .order_by("code")
    )


@dataclass
class Profile:
    subject: str
    identifier: str
    recipient_id: int | None


def _people(batch: int) -> Iterator[list[Profile]]:
    last = 0
    while True:
        rows = list(
            User.objects.filter(kind=AccountKind.CITIZEN, is_active=True, id_number__isnull=False, pk__gt=last)
            .exclude(id_number="")
            .order_by("pk")
            .values_list("pk", "id_number")[:batch]
        )
        if not rows:
            return
        last = rows[-1][0]
        yield [Profile(Subject.PERSON, id_number or "", pk) for pk, id_number in rows]


def _companies(batch: int) -> Iterator[list[Profile]]:
    last = 0
    now = timezone.now()
    while True:
        rows = list(Company.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "credit_code")[:batch])
        if not rows:
            return
        last = rows[-1][0]
        # The legal representative hears first; otherwise any authorised agent.
        agents: dict[int, int] = {}
        grants = (
            CompanyAgent.objects.filter(CompanyAgent.in_force(now), company_id__in=[pk for pk, _ in rows])
            .order_by("company_id", "-role", "pk")  # "legal_rep" sorts after "agent": -role puts it first
            .values_list("company_id", "user_id", "role")
        )
        for company_id, user_id, role in grants:
            if company_id not in agents or role == AgentRole.LEGAL_REPRESENTATIVE:
                agents.setdefault(company_id, user_id)
        yield [Profile(Subject.COMPANY, code, agents.get(pk)) for pk, code in rows]


@dataclass
class MatchRun:
    profiles: int = 0
    policies: int = 0
    matched: int = 0
    new_matches: int = 0
    notified: int = 0  # matches told to someone
    messages: int = 0  # inbox messages (one per recipient per run)
    evaluations: int = 0
    errors: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def run(
    *,
    today: dt.date | None = None,
    batch: int = 2000,
    notify: bool = True,
    progress: Callable[[str], None] | None = None,
) -> MatchRun:
    """Match every active policy against every profile; record new matches and tell the recipients."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    policies = active_policies(today)
    summary = MatchRun(policies=len(policies))
    for subject, batches in ((Subject.PERSON, _people(batch)), (Subject.COMPANY, _companies(batch))):
        compiled = compile_policies([p for p in policies if p.subject == subject])
        if not compiled:
            continue
        holder_kind = HolderKind.PERSON if subject == Subject.PERSON else HolderKind.ORGANISATION
        for profiles in batches:
            _match_batch(subject, holder_kind, profiles, compiled, today, notify, summary)
            if progress is not None:
                progress(
                    f"{subject}: {summary.profiles} profiles, {summary.matched} matches, {summary.new_matches} new"
                )
        summary.evaluations += sum(p.evaluations for p in compiled)
        summary.errors += sum(p.errors for p in compiled)
    summary.seconds = round(time.perf_counter() - started, 2)
    with transaction.atomic():
        audit(
            SYSTEM,
            "rules.policies_matched",
            ("rules.policy", "all"),
            summary=f"{summary.profiles} profiles × {summary.policies} policies: {summary.new_matches} new matches",
            data=summary.as_dict(),
        )
    return summary


def _match_batch(
    subject: str,
    holder_kind: str,
    profiles: list[Profile],
    compiled: list[CompiledPolicy],
    today: dt.date,
    notify: bool,
    summary: MatchRun,
) -> None:
    identifiers = [p.identifier for p in profiles]
    facts = facts_for_many(subject, identifiers)
    declared = dict(
        DeclaredProfile.objects.filter(
            subject=subject, identifier__in=identifiers, consented_at__isnull=False, withdrawn_at__isnull=True
        ).values_list("identifier", "data")
    )
    licences = licences_in_force([(holder_kind, identifier) for identifier in identifiers])
    existing = set(
        PolicyMatch.objects.filter(
            identifier__in=identifiers, policy_id__in=[c.policy.pk for c in compiled]
        ).values_list("policy_id", "identifier")
    )
    new: list[PolicyMatch] = []
    now = timezone.now()
    for profile in profiles:
        context = {
            "registry": facts.get(profile.identifier, {}),
            "declared": declared.get(profile.identifier, {}),
            "licences": licences.get(profile.identifier, {}),
            "today": today,
            "subject": subject,
        }
        cache: dict[str, Any] = {}

        def activation(context: dict[str, Any] = context, cache: dict[str, Any] = cache) -> dict[str, Any]:
            if "a" not in cache:
                cache["a"] = engine.activation_of(context)
            return cache["a"]

        for policy in compiled:
            if policy.matches(context, activation):
                summary.matched += 1
                if (policy.policy.pk, profile.identifier) not in existing:
                    new.append(
                        PolicyMatch(
                            policy=policy.policy,
                            subject=subject,
                            identifier=profile.identifier,
                            recipient_id=profile.recipient_id,
                            matched_at=now,
                            notified_at=now if notify and profile.recipient_id else None,
                        )
                    )
    summary.profiles += len(profiles)
    if not new:
        return
    with transaction.atomic():
        PolicyMatch.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        summary.new_matches += len(new)
        if notify:
            summary.messages += notify_inbox_many(_messages(new), category="policy")
            summary.notified += sum(1 for match in new if match.recipient_id is not None)


def _messages(matches: list[PolicyMatch]) -> Iterator[InboxMessage]:
    """One message per recipient per run, listing the new policies (a digest, not one message each)."""
    url = reverse("rules:my_policies")
    by_recipient: dict[int, list[Policy]] = {}
    for match in matches:
        if match.recipient_id is not None:
            by_recipient.setdefault(match.recipient_id, []).append(match.policy)
    for recipient_id, policies in by_recipient.items():
        first = policies[0]
        if len(policies) == 1:
            subject = f"您可能符合政策：{first.name}"
        else:
            subject = f"您可能符合 {len(policies)} 项政策：{first.name}等"
        lines = [f"· {p.name}：{p.summary}" + ("（可一键申请）" if p.item_id else "") for p in policies]
        yield InboxMessage(
            recipient=User(pk=recipient_id), subject=subject, body="\n".join(lines), url=url + f"#policy-{first.code}"
        )


def run_scheduled() -> str:
    """The daily job."""
    return str(run().as_dict())

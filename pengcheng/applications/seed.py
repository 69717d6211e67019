"""Demo seed: applications in every state, so that the queues, timelines and metrics have content.

They are made through the services (so each has its events and audit records) by synthetic applicants,
and handled by a clerk of the handling department; their dates are then moved into the past so that
some are due soon and some overdue.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from pengcheng.applications import services
from pengcheng.applications.models import Application, Event, State
from pengcheng.catalog.models import Audience, ItemStatus, MaterialKind, ServiceItem
from pengcheng.core.actors import SYSTEM, MaybeActor
from pengcheng.core.models import AccountKind, AssuranceLevel, Division, DivisionLevel, Role, StaffPosition, User
from pengcheng.core.seed import GIVEN, SURNAMES, demo_credit_code, demo_id_number, demo_phone
from pengcheng.seeding import SeedContext

BASE_APPLICATIONS = 120
# The minimal valid PDF used as every uploaded material in the demo.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# How far each application gets: (final state, share).
OUTCOMES = [
    (State.SUBMITTED, 30),
    (State.ACCEPTED, 15),
    (State.UNDER_REVIEW, 20),
    (State.CORRECTION, 8),
    (State.APPROVED, 7),
    (State.REJECTED, 4),
    (State.DELIVERED, 12),
    (State.WITHDRAWN, 4),
]


NAMED_VALUES = {
    "company_name": "深圳市鹏城示范科技有限公司",
    "project_name": "社区文化活动中心改造项目",
    "trade_name": "鹏城小吃店",
}


def demo_value(name: str, spec: dict, user: User) -> object:
    """A plausible value for a demo form field."""
    if spec.get("type") == "boolean":
        return True
    if "enum" in spec:
        return spec["enum"][0]
    if spec.get("type") in ("integer", "number"):
        return max(int(spec.get("minimum", 1)), 1) * 3
    fmt = spec.get("format", "")
    if fmt == "cn-id-number":
        return user.id_number
    if fmt == "cn-mobile":
        return user.phone or "19900000000"
    if fmt == "cn-credit-code":
        return demo_credit_code(9_999_000)
    if fmt == "date":
        return "1940-05-01" if "birth" in name else "2022-07-01"
    if name == "permit_number":
        return "4403000012345678"
    if "pattern" in spec:
        return "粤B12345" if "粤" in spec["pattern"] else "6222020200112233445"
    if name in NAMED_VALUES:
        return NAMED_VALUES[name]
    if name.endswith("name"):
        return user.full_name or "陈小明"
    return "深圳市福田区福中三路1号（示例）"


def _fill(application: Application, user: User) -> dict:
    schema = application.item_version.form_schema
    return {name: demo_value(name, spec, user) for name, spec in schema.get("properties", {}).items()}


def _clerk_for(application: Application) -> MaybeActor:
    if application.handling_department_id is None:
        return SYSTEM
    position = (
        StaffPosition.objects.filter(department_id=application.handling_department_id, role=Role.CLERK)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    return position.user if position else SYSTEM


def _walk(application: Application, target: str, clerk: MaybeActor, rng_choice: int) -> None:
    if target == State.WITHDRAWN:
        services.withdraw(application.applicant, application, "不再需要")
        return
    if target == State.SUBMITTED:
        return
    if target == State.CORRECTION:
        services.return_for_correction(clerk, application, ["请补充清晰的身份证明材料扫描件"])
        return
    if target == State.REJECTED and rng_choice % 2:
        services.reject(clerk, application, "申请人不符合受理条件。")
        return
    services.accept(clerk, application)
    if target == State.ACCEPTED:
        return
    services.start_review(clerk, application)
    if target == State.UNDER_REVIEW:
        return
    if target == State.REJECTED:
        services.reject(clerk, application, "经审查，申请材料与实际情况不符。")
        return
    services.approve(clerk, application, "准予办理。")
    if target == State.DELIVERED:
        services.deliver(clerk, application, "电子证照已推送")


APPLICANT_PREFIX = "a-"
APPLICANTS = 60


def _applicants(ctx: SeedContext) -> list[User]:
    """Synthetic applicants of their own (``a-0000``…), so that the population seed stays independent."""
    rng = ctx.rng("applicants")
    communities = list(
        Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith="4403").values_list("code", flat=True)
    )
    missing = []
    existing = set(User.objects.filter(username__startswith=APPLICANT_PREFIX).values_list("username", flat=True))
    for index in range(APPLICANTS):
        username = f"{APPLICANT_PREFIX}{index:04d}"
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25000))
        residence = rng.choice(communities)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        if username in existing:
            continue
        missing.append(
            User(
                username=username,
                password="!demo-account-no-password",
                full_name=name,
                kind=AccountKind.CITIZEN,
                id_number=demo_id_number(8_000_000 + index, birth, index % 2 == 0),
                phone=demo_phone(8_000_000 + index),
                assurance_level=AssuranceLevel.L2,
                residence_id=residence,
            )
        )
    User.objects.bulk_create(missing)
    return list(User.objects.filter(username__startswith=APPLICANT_PREFIX).order_by("username"))


def seed_demo(ctx: SeedContext) -> None:
    wanted = BASE_APPLICATIONS * ctx.scale
    have = Application.objects.filter(applicant__username__startswith=APPLICANT_PREFIX).count()
    if have >= wanted:
        return
    items = list(
        ServiceItem.objects.filter(status=ItemStatus.ONLINE, code__startswith="4403", current_version__isnull=False)
        .select_related("current_version")
        .order_by("code")
    )
    items = [i for i in items if Audience.PERSON in (i.current_version.audiences if i.current_version else [])]
    citizens = _applicants(ctx)
    if not items:
        return
    rng = ctx.rng("applications")
    targets = [state for state, share in OUTCOMES for _ in range(share)]
    today = timezone.localdate()
    for index in ctx.progress(range(have, wanted), wanted - have, "applications"):
        user = citizens[index % len(citizens)]
        item = rng.choice(items)
        target = targets[index % len(targets)]
        with transaction.atomic():
            application = services.start(user, item)
            for material in application.item_version.materials.all():
                if material.kind != MaterialKind.FORM and material.required:
                    upload = SimpleUploadedFile(f"{material.key}.pdf", DEMO_PDF, content_type="application/pdf")
                    services.attach(user, application, material.key, upload)
            services.submit(user, application, form_data=_fill(application, user))
            choice = rng.randrange(100)
            application.refresh_from_db(fields=["state"])
            if application.state == State.SUBMITTED:  # not already decided by an instant-approval rule (秒批)
                _walk(application, target, _clerk_for(application), choice)
            # Move the history into the past: 0-25 days ago, so that deadlines fall due and lapse.
            shift = dt.timedelta(days=rng.randrange(0, 26), hours=rng.randrange(0, 8))
            application.refresh_from_db()
            if shift and application.submitted_at:
                Application.objects.filter(pk=application.pk).update(
                    created_at=application.created_at - shift,
                    submitted_at=application.submitted_at - shift,
                    deadline=(application.deadline - shift) if application.deadline else None,
                    updated_at=application.updated_at - shift,
                )
                for event in Event.objects.filter(application=application):
                    Event.objects.filter(pk=event.pk).update(at=event.at - shift)
    open_count = Application.objects.filter(
        state__in=[State.SUBMITTED, State.ACCEPTED, State.UNDER_REVIEW], deadline__lt=today
    ).count()
    ctx.say(f"applications: {Application.objects.count()} ({open_count} overdue)")

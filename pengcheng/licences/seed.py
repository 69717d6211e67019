"""Demo seed: the licence catalogue (32 types) and licences for the demo accounts and population.

Deterministic: the same scale gives the same licences and data (signatures and salts differ, as they
must). At scale 0 (the test suite) only the catalogue and the demo accounts' licences are created.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pengcheng.core import identifiers
from pengcheng.core.actors import SYSTEM
from pengcheng.core.models import Company, Department, User
from pengcheng.licences import catalogue
from pengcheng.licences.models import HolderKind, IssueSource, Licence, LicenceType
from pengcheng.licences.services import Holder, issue_licence
from pengcheng.seeding import SeedContext

PEOPLE_PER_SCALE = 300
COMPANIES_PER_SCALE = 120

CITIZEN_TYPES = ("GA-SFZ", "SZ-JZZ", "GA-JSZ", "RS-SBK", "MZ-JHZ", "GH-BDCQZ", "JY-XLZS", "YB-YBPZ")
COMPANY_TYPES = ("SC-YYZZ", "SC-SPJY", "SW-SWDJ")
PERSON_POOL = ("GA-SFZ", "SZ-JZZ", "GA-JSZ", "RS-SBK", "YB-YBPZ", "JY-XLZS", "RS-ZYJN", "GA-WFZM", "MZ-JHZ")
ORG_POOL = ("SC-YYZZ", "SW-SWDJ", "SC-SPJY", "ZJ-JZQY", "ST-PWXK", "JT-DLYS", "YJ-AQSC")


def load_catalogue() -> int:
    created = 0
    base = settings.PENGCHENG_PUBLIC_URL
    departments = {d.code: d for d in Department.objects.all()}
    for spec in catalogue.TYPES:
        department = departments.get(catalogue.department_code(spec))
        if department is None or LicenceType.objects.filter(code=spec.code).exists():
            continue
        LicenceType.objects.create(
            code=spec.code,
            name=spec.name,
            name_en=spec.name_en,
            department=department,
            catalogue_code=spec.code,
            defining_authority=spec.defining_authority,
            issuing_level=spec.level,
            holder_kind=spec.holder_kind,
            category=spec.category,
            legal_basis=spec.legal_basis,
            schema=spec.schema(base),
            validity_months=spec.validity_months,
            validity_editable=spec.validity_editable,
            display_fields=list(spec.display),
            number_field=spec.number_field,
            colour=spec.colour,
        )
        created += 1
    return created


def demo_data(licence_type: LicenceType, holder: Holder, rng: random.Random, extra: dict[str, Any]) -> dict[str, Any]:
    """Plausible data for each field of the type's schema."""
    data: dict[str, Any] = {}
    today = timezone.localdate()
    for name, spec in licence_type.schema.get("properties", {}).items():
        value: Any
        if name in extra:
            value = extra[name]
        elif name in ("name", "child_name") or name == "company_name":
            value = holder.name
        elif name == "id_number":
            value = holder.identifier
        elif name == "spouse_id_number":
            birth = f"{rng.randrange(1960, 2000)}0{rng.randrange(1, 10)}1{rng.randrange(0, 10)}"
            first17 = f"440399{birth}{rng.randrange(100, 999)}"
            value = first17 + identifiers.id_number_check_digit(first17)
        elif name == "credit_code":
            value = holder.identifier
        elif name == "sex" and holder.kind == HolderKind.PERSON:
            value = "男" if int(holder.identifier[16]) % 2 else "女"
        elif name == "birth_date" and holder.kind == HolderKind.PERSON:
            value = identifiers.birth_date_from_id(holder.identifier).isoformat()
        elif "enum" in spec:
            value = rng.choice(spec["enum"])
        elif spec.get("format") == "date":
            value = (today - dt.timedelta(days=rng.randrange(30, 3000))).isoformat()
        elif spec.get("type") == "number":
            value = round(rng.uniform(45, 180), 2)
        elif name == "ethnicity":
            value = "汉"
        elif name in ("address", "registered_address", "property_location"):
            value = (
                f"深圳市{rng.choice(('福田区', '南山区', '罗湖区', '宝安区', '龙华区'))}示例路{rng.randrange(1, 300)}号"
            )
        elif name in ("licence_no", "card_number"):
            value = f"{rng.randrange(10**11, 10**12)}"
        elif name == "plate_number":
            value = f"粤B{rng.choice('ACDFGHJKL')}{rng.randrange(10000, 99999)}"
        else:
            value = _TEXT.get(name, spec.get("title", name))
        data[name] = value
    return data


_TEXT = {
    "legal_representative": "林晓燕",
    "registered_capital": "1000万元人民币",
    "business_scope": "软件开发；信息技术咨询服务；数据处理服务",
    "permit_scope": "热食类食品制售；预包装食品销售",
    "vehicle_model": "比亚迪牌BYD7150",
    "hospital": "深圳市妇幼保健院",
    "school": "深圳大学",
    "major": "计算机科学与技术",
    "occupation": "电工",
    "service_branch": "陆军",
    "title_name": "工程师",
    "use": "住宅",
    "ownership": "单独所有",
    "bank": "中国银行",
    "spouse_name": "王丽",
    "mother_name": "王丽",
    "father_name": "陈小明",
}


def _issue(licence_type: LicenceType, holder: Holder, rng: random.Random, extra: dict[str, Any] | None = None) -> None:
    issue_licence(
        SYSTEM,
        licence_type,
        holder,
        demo_data(licence_type, holder, rng, extra or {}),
        source=IssueSource.SEED,
        valid_from=timezone.now() - dt.timedelta(days=rng.randrange(1, 700)),
        notify_holder=False,
    )


def seed_demo(ctx: SeedContext) -> None:
    with transaction.atomic():
        created = load_catalogue()
    if created:
        ctx.say(f"licence types: {created} created")
    types = {t.code: t for t in LicenceType.objects.all()}
    rng = ctx.rng("licences:demo")
    citizen = User.objects.filter(username="citizen").first()
    if (
        citizen is not None
        and citizen.id_number
        and not Licence.objects.filter(holder_identifier=citizen.id_number).exists()
    ):
        holder = Holder(HolderKind.PERSON, citizen.id_number, citizen.display_name)
        spouse = "44039919600101002" + identifiers.id_number_check_digit("44039919600101002")
        with transaction.atomic():
            for code in CITIZEN_TYPES:
                if code in types:
                    _issue(types[code], holder, rng, {"spouse_id_number": spouse})
    company = Company.objects.filter(name="深圳市鹏城示范科技有限公司").first()
    if company is not None and not Licence.objects.filter(holder_identifier=company.credit_code).exists():
        holder = Holder(HolderKind.ORGANISATION, company.credit_code, company.name)
        with transaction.atomic():
            for code in COMPANY_TYPES:
                if code in types:
                    _issue(types[code], holder, rng, {"legal_representative": company.legal_representative})
    if ctx.scale:
        _population(ctx, types)


def _population(ctx: SeedContext, types: dict[str, LicenceType]) -> None:
    people = list(
        User.objects.filter(username__startswith="c-", id_number__isnull=False)
        .order_by("username")
        .values_list("username", "id_number", "full_name")[: PEOPLE_PER_SCALE * ctx.scale]
    )
    have = set(Licence.objects.filter(source=IssueSource.SEED).values_list("holder_identifier", flat=True))
    todo = [p for p in people if p[1] not in have]
    for username, id_number, full_name in ctx.progress(todo, len(todo), "licences (people)"):
        rng = ctx.rng(f"licences:{username}")
        holder = Holder(HolderKind.PERSON, str(id_number), full_name)
        with transaction.atomic():
            for code in rng.sample(PERSON_POOL, rng.randrange(1, 4)):
                _issue(types[code], holder, rng)
    companies = list(
        Company.objects.filter(credit_code__startswith="91440399")
        .order_by("credit_code")
        .values_list("credit_code", "name", "legal_representative")[: COMPANIES_PER_SCALE * ctx.scale]
    )
    todo_companies = [c for c in companies if c[0] not in have]
    for credit_code, name, representative in ctx.progress(todo_companies, len(todo_companies), "licences (companies)"):
        rng = ctx.rng(f"licences:{credit_code}")
        holder = Holder(HolderKind.ORGANISATION, credit_code, name)
        with transaction.atomic():
            for code in ("SC-YYZZ", *rng.sample(ORG_POOL[1:], rng.randrange(0, 3))):
                _issue(types[code], holder, rng, {"legal_representative": representative or "—"})
    ctx.say(f"licences: {Licence.objects.count()} issued")

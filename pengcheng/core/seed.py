"""Demo seed for the core: Shenzhen's divisions, ~45 departments, staff, citizens and companies.

Identifiers are synthetic and clearly test values that still pass their checksums: identity numbers
use the area code 440399 and credit codes the division 440399, neither of which exists in GB/T 2260;
mobile numbers are in the block 1990xxxxxxx.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from pengcheng.core import identifiers
from pengcheng.core.actors import SYSTEM
from pengcheng.core.division_import import DivisionRow, load_divisions
from pengcheng.core.models import (
    AccountKind,
    AgentRole,
    AssuranceLevel,
    Company,
    CompanyAgent,
    CompanyKind,
    Department,
    DepartmentKind,
    DepartmentLevel,
    Division,
    DivisionLevel,
    Role,
    StaffPosition,
    User,
)
from pengcheng.seeding import DEMO_PASSWORD, SeedContext

TEST_AREA = "440399"  # not a real county code: a looked-up identity will never match a person
CITY = "440300"
DATA = Path(__file__).parent / "data"

BASE_CITIZENS = 2000
BASE_COMPANIES = 300
BASE_STAFF = 200

DEMO_COMPANY = "深圳市鹏城示范科技有限公司"
DEMO_COMPANY_AGENTS = 2  # ordinary agents of the demo company, from the population

# (code suffix, name, English name, kind, parent suffix)
CITY_DEPARTMENTS = [
    ("GOV", "深圳市人民政府", "Shenzhen Municipal People's Government", DepartmentKind.GOVERNMENT, None),
    (
        "ZSJ",
        "深圳市政务服务和数据管理局",
        "Government Services and Data Management Bureau",
        DepartmentKind.BUREAU,
        "GOV",
    ),
    ("GAJ", "深圳市公安局", "Public Security Bureau", DepartmentKind.BUREAU, "GOV"),
    ("SCJGJ", "深圳市市场监督管理局", "Administration for Market Regulation", DepartmentKind.BUREAU, "GOV"),
    ("RSJ", "深圳市人力资源和社会保障局", "Human Resources and Social Security Bureau", DepartmentKind.BUREAU, "GOV"),
    ("MZJ", "深圳市民政局", "Civil Affairs Bureau", DepartmentKind.BUREAU, "GOV"),
    ("ZJJ", "深圳市住房和建设局", "Housing and Construction Bureau", DepartmentKind.BUREAU, "GOV"),
    ("JTJ", "深圳市交通运输局", "Transport Bureau", DepartmentKind.BUREAU, "GOV"),
    ("WJW", "深圳市卫生健康委员会", "Health Commission", DepartmentKind.BUREAU, "GOV"),
    ("JYJ", "深圳市教育局", "Education Bureau", DepartmentKind.BUREAU, "GOV"),
    ("GHZYJ", "深圳市规划和自然资源局", "Planning and Natural Resources Bureau", DepartmentKind.BUREAU, "GOV"),
    ("STHJJ", "深圳市生态环境局", "Ecology and Environment Bureau", DepartmentKind.BUREAU, "GOV"),
    ("CGJ", "深圳市城市管理和综合执法局", "Urban Management and Law Enforcement Bureau", DepartmentKind.BUREAU, "GOV"),
    ("SWJ", "深圳市水务局", "Water Resources Bureau", DepartmentKind.BUREAU, "GOV"),
    ("YBJ", "深圳市医疗保障局", "Healthcare Security Bureau", DepartmentKind.BUREAU, "GOV"),
    ("YJGLJ", "深圳市应急管理局", "Emergency Management Bureau", DepartmentKind.BUREAU, "GOV"),
    (
        "WGLTJ",
        "深圳市文化广电旅游体育局",
        "Culture, Radio, Television, Tourism and Sports Bureau",
        DepartmentKind.BUREAU,
        "GOV",
    ),
    ("KJCXJ", "深圳市科技创新局", "Science, Technology and Innovation Bureau", DepartmentKind.BUREAU, "GOV"),
    ("GXJ", "深圳市工业和信息化局", "Industry and Information Technology Bureau", DepartmentKind.BUREAU, "GOV"),
    ("SWUJ", "深圳市商务局", "Commerce Bureau", DepartmentKind.BUREAU, "GOV"),
    ("FGW", "深圳市发展和改革委员会", "Development and Reform Commission", DepartmentKind.BUREAU, "GOV"),
    ("SFJ", "深圳市司法局", "Justice Bureau", DepartmentKind.BUREAU, "GOV"),
    ("CZJ", "深圳市财政局", "Finance Bureau", DepartmentKind.BUREAU, "GOV"),
    ("TYJRJ", "深圳市退役军人事务局", "Veterans Affairs Bureau", DepartmentKind.BUREAU, "GOV"),
    ("SWJU", "国家税务总局深圳市税务局", "Shenzhen Municipal Tax Service, STA", DepartmentKind.BUREAU, "GOV"),
    (
        "RX12345",
        "深圳市政务服务便民热线管理中心",
        "12345 Government Service Hotline Centre",
        DepartmentKind.HOTLINE_CENTRE,
        "ZSJ",
    ),
    ("ZWFWZX", "深圳市政务服务中心", "Shenzhen Government Service Centre", DepartmentKind.SERVICE_CENTRE, "ZSJ"),
]

DISTRICT_ENGLISH = {
    "440303": "Luohu",
    "440304": "Futian",
    "440305": "Nanshan",
    "440306": "Bao'an",
    "440307": "Longgang",
    "440308": "Yantian",
    "440309": "Longhua",
    "440310": "Pingshan",
    "440311": "Guangming",
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏"
    "韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫宇"
    "浩然子轩梓涵欣怡思远嘉诚俊熙雨桐一诺梦琪晨曦佳豪志强建国海燕晓东"
)
COMPANY_WORDS = (
    "华创",
    "腾飞",
    "前海",
    "鹏程",
    "深蓝",
    "南山",
    "湾区",
    "星河",
    "海纳",
    "嘉信",
    "睿智",
    "东方",
    "盛世",
    "博远",
    "鼎新",
    "汇通",
    "锦程",
    "弘毅",
    "明德",
    "启航",
    "智联",
    "云帆",
    "宏图",
    "安信",
    "恒泰",
    "中科",
    "鸿运",
    "立信",
    "优品",
    "新桥",
)
INDUSTRIES = (
    "科技",
    "电子",
    "信息技术",
    "贸易",
    "餐饮管理",
    "物流",
    "建筑工程",
    "生物医药",
    "文化传媒",
    "教育咨询",
    "新能源",
    "供应链管理",
    "智能制造",
    "物业管理",
    "商贸",
)


def _load_divisions(ctx: SeedContext) -> None:
    if Division.objects.filter(code=CITY).exists():
        return
    data = json.loads((DATA / "shenzhen_divisions.json").read_text(encoding="utf-8"))
    rows = [DivisionRow(c, n, DivisionLevel.DISTRICT, None, "seed") for c, n in data["districts"]]
    rows += [DivisionRow(c, n, DivisionLevel.STREET, c[:6], "seed") for c, n in data["streets"]]
    rows += [DivisionRow(c, n, DivisionLevel.COMMUNITY, c[:9], "seed") for c, n in data["communities"]]
    summary = load_divisions(SYSTEM, rows, city_name=data["city"][1])
    ctx.say(f"divisions: {summary.created} created (Shenzhen)")


def _load_departments(ctx: SeedContext) -> None:
    if Department.objects.filter(code=f"{CITY}-GOV").exists():
        return
    city = Division.objects.get(code=CITY)
    created: dict[str, Department] = {}
    for suffix, name, english, kind, parent in CITY_DEPARTMENTS:
        department = Department.objects.create(
            code=f"{CITY}-{suffix}",
            name=name,
            name_en=english,
            kind=kind,
            level=DepartmentLevel.CITY,
            division=city,
            parent=created.get(parent or ""),
            short_name=name.replace("深圳市", "", 1)[:60],
        )
        department.served_divisions.add(city)
        created[suffix] = department
    for district in Division.objects.filter(level=DivisionLevel.DISTRICT).order_by("code"):
        english = DISTRICT_ENGLISH.get(district.code, district.code)
        government = Department.objects.create(
            code=f"{district.code}-GOV",
            name=f"深圳市{district.name}人民政府",
            short_name=f"{district.name}政府",
            name_en=f"{english} District People's Government",
            kind=DepartmentKind.GOVERNMENT,
            level=DepartmentLevel.DISTRICT,
            division=district,
            parent=created["GOV"],
        )
        services_bureau = Department.objects.create(
            code=f"{district.code}-ZSJ",
            name=f"深圳市{district.name}政务服务数据管理局",
            short_name=f"{district.name}政数局",
            name_en=f"{english} District Government Services and Data Management Bureau",
            kind=DepartmentKind.SERVICE_CENTRE,
            level=DepartmentLevel.DISTRICT,
            division=district,
            parent=government,
        )
        for department in (government, services_bureau):
            department.served_divisions.add(district)
    ctx.say(f"departments: {Department.objects.count()}")


def demo_id_number(index: int, birth: dt.date, male: bool) -> str:
    """A checksum-valid identity number in the non-existent area 440399."""
    sequence = (index // 29200) * 2 % 1000 + (1 if male else 0)
    first17 = f"{TEST_AREA}{birth:%Y%m%d}{sequence:03d}"
    return first17 + identifiers.id_number_check_digit(first17)


def demo_phone(index: int) -> str:
    return f"1990{index:07d}"


def demo_credit_code(index: int) -> str:
    return identifiers.make_credit_code("9", "1", TEST_AREA, f"{index + 10_000_000:08d}"[-8:])


def _name(rng: object) -> str:
    surname = rng.choice(SURNAMES)  # type: ignore[attr-defined]
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))  # type: ignore[attr-defined]
    return surname + given


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str  # "citizen", "company" or a staff role
    department_suffix: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("admin", "系统管理员", Role.ADMIN, "ZSJ"),
    DemoAccount("operator", "平台运营员", Role.OPERATOR, "ZSJ"),
    DemoAccount("clerk", "窗口受理员", Role.CLERK, "440304-ZSJ"),
    DemoAccount("clerk_scjg", "市场监管承办人", Role.CLERK, "SCJGJ"),
    DemoAccount("supervisor", "业务科长", Role.SUPERVISOR, "440304-ZSJ"),
    DemoAccount("agent", "热线话务员", Role.HOTLINE_AGENT, "RX12345"),
    DemoAccount("dataofficer", "数据专员", Role.DATA_OFFICER, "ZSJ"),
    DemoAccount("citizen", "陈小明", "citizen"),
    DemoAccount("company", "林晓燕", "company"),
    # Last, so that the citizens' seeded identity numbers (by position) stay as they were.
    DemoAccount("hotline_supervisor", "热线值班长", Role.SUPERVISOR, "RX12345"),
]


def _department_for(suffix: str) -> Department:
    code = suffix if suffix[:1].isdigit() else f"{CITY}-{suffix}"
    return Department.objects.get(code=code)


def _demo_accounts(ctx: SeedContext) -> None:
    password = make_password(DEMO_PASSWORD)
    futian = Division.objects.filter(level=DivisionLevel.COMMUNITY, code__startswith="440304").order_by("code").first()
    for number, spec in enumerate(DEMO_ACCOUNTS):
        ctx.accounts.append((spec.username, str(spec.role)))
        if User.objects.filter(username=spec.username).exists():
            continue
        is_staff_role = spec.role in Role.values
        user = User.objects.create(
            username=spec.username,
            password=password,
            full_name=spec.full_name,
            email=f"{spec.username}@demo.pengcheng.localhost",
            kind=AccountKind.STAFF if is_staff_role else AccountKind.CITIZEN,
            id_number=None
            if is_staff_role
            else demo_id_number(9_000_000 + number, dt.date(1958, 3, 12 + number), True),
            phone=None if is_staff_role else f"19909{number:06d}",
            assurance_level=AssuranceLevel.L2 if not is_staff_role else AssuranceLevel.L3,
            assurance_method="" if is_staff_role else "population_registry",
            assurance_verified_at=timezone.now(),
            residence=futian,
            is_staff=spec.role in (Role.OPERATOR, Role.ADMIN),
            is_superuser=spec.role == Role.ADMIN,
        )
        if is_staff_role and spec.department_suffix:
            StaffPosition.objects.create(user=user, department=_department_for(spec.department_suffix), role=spec.role)
            if spec.role == Role.OPERATOR:
                from pengcheng.core.services import ensure_operator_group

                user.groups.add(ensure_operator_group())
        if spec.role == "company":
            company = Company.objects.create(
                credit_code=demo_credit_code(9_999_000),
                name=DEMO_COMPANY,
                kind=CompanyKind.ENTERPRISE,
                legal_representative=spec.full_name,
                division=futian,
                address="深圳市福田区福中三路1号（示例地址）",
                registered_on=dt.date(2019, 6, 18),
            )
            CompanyAgent.objects.create(company=company, user=user, role=AgentRole.LEGAL_REPRESENTATIVE)


def _population(ctx: SeedContext) -> None:
    rng_seed = ctx.rng
    communities = list(
        Division.objects.filter(level=DivisionLevel.COMMUNITY).order_by("code").values_list("code", flat=True)
    )
    unusable = "!demo-account-no-password"  # never matches any password
    now = timezone.now()

    # Citizens ----------------------------------------------------------------------------------
    wanted = BASE_CITIZENS * ctx.scale
    have = User.objects.filter(username__startswith="c-").count()
    batch: list[User] = []
    for index in ctx.progress(range(have, wanted), wanted - have, "citizens"):
        rng = rng_seed(f"citizen:{index}")
        male = rng.random() < 0.5
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=index % 29200)
        level = rng.choices((1, 2, 3), weights=(3, 6, 1))[0]
        batch.append(
            User(
                username=f"c-{index:07d}",
                password=unusable,
                full_name=_name(rng),
                kind=AccountKind.CITIZEN,
                id_number=demo_id_number(index, birth, male),
                phone=demo_phone(index),
                assurance_level=level,
                assurance_method={1: "", 2: "population_registry", 3: "counter"}[level],
                assurance_verified_at=now if level > 1 else None,
                residence_id=rng.choice(communities),
                date_joined=now,
            )
        )
        if len(batch) >= 5000:
            User.objects.bulk_create(batch)
            batch = []
    User.objects.bulk_create(batch)

    # Companies ---------------------------------------------------------------------------------
    wanted = BASE_COMPANIES * ctx.scale
    have = Company.objects.filter(credit_code__startswith=f"91{TEST_AREA}").exclude(name=DEMO_COMPANY).count()
    citizens_total = BASE_CITIZENS * ctx.scale
    companies: list[Company] = []
    representatives: list[tuple[str, int, int | None]] = []
    for index in ctx.progress(range(have, wanted), wanted - have, "companies"):
        rng = rng_seed(f"company:{index}")
        kind = CompanyKind.INDIVIDUAL_BUSINESS if rng.random() < 0.2 else CompanyKind.ENTERPRISE
        suffix = "经营部" if kind == CompanyKind.INDIVIDUAL_BUSINESS else "有限公司"
        rep_index = rng.randrange(citizens_total)
        agent_index = rng.randrange(citizens_total) if rng.random() < 0.3 else None
        code = demo_credit_code(index)
        companies.append(
            Company(
                credit_code=code,
                name=_company_name(index, suffix),
                kind=kind,
                legal_representative="",
                division_id=rng.choice(communities),
                registered_on=dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(9000)),
            )
        )
        representatives.append((code, rep_index, agent_index))
        if len(companies) >= 5000:
            _save_companies(companies, representatives)
            companies, representatives = [], []
    _save_companies(companies, representatives)

    # Staff -------------------------------------------------------------------------------------
    wanted = BASE_STAFF * ctx.scale
    have = User.objects.filter(username__startswith="s-").count()
    departments = list(Department.objects.exclude(kind=DepartmentKind.GOVERNMENT).order_by("code"))
    hotline = next(d for d in departments if d.kind == DepartmentKind.HOTLINE_CENTRE)
    staff: list[User] = []
    roles: list[tuple[int, Department, str]] = []
    for index in ctx.progress(range(have, wanted), wanted - have, "staff"):
        rng = rng_seed(f"staff:{index}")
        slot = index % BASE_STAFF
        if slot < 20:
            department, role = hotline, Role.HOTLINE_AGENT
        else:
            department = departments[slot % len(departments)]
            role = Role.CLERK
            if slot // len(departments) == 1:
                role = Role.SUPERVISOR
            elif slot // len(departments) == 2:
                role = Role.DATA_OFFICER
        staff.append(
            User(
                username=f"s-{index:06d}",
                password=unusable,
                full_name=_name(rng),
                kind=AccountKind.STAFF,
                email=f"s-{index:06d}@staff.pengcheng.localhost",
                assurance_level=AssuranceLevel.L3,
                date_joined=now,
            )
        )
        roles.append((index, department, role))
        if len(staff) >= 5000:
            _save_staff(staff, roles)
            staff, roles = [], []
    _save_staff(staff, roles)


DISTRICT_NAMES = ("福田区", "罗湖区", "南山区", "宝安区", "龙岗区", "盐田区", "龙华区", "坪山区", "光明区")


def _company_name(index: int, suffix: str) -> str:
    """Distinct, plausible names: word × word × industry, then a district, then a number."""
    words, industries = len(COMPANY_WORDS), len(INDUSTRIES)
    combos = words * words * industries
    core = (
        COMPANY_WORDS[index % words]
        + COMPANY_WORDS[(index // words) % words]
        + INDUSTRIES[(index // (words * words)) % industries]
    )
    round_ = index // combos
    if round_ == 0:
        return f"深圳市{core}{suffix}"
    district = DISTRICT_NAMES[(round_ - 1) % len(DISTRICT_NAMES)]
    number = (round_ - 1) // len(DISTRICT_NAMES)
    return f"深圳市{district}{core}{suffix}" + (f"（{number + 1}）" if number else "")


def _save_companies(companies: list[Company], representatives: list[tuple[str, int, int | None]]) -> None:
    if not companies:
        return
    with transaction.atomic():
        _save_companies_batch(companies, representatives)


def _save_companies_batch(companies: list[Company], representatives: list[tuple[str, int, int | None]]) -> None:
    needed = {f"c-{i:07d}" for _, rep, agent in representatives for i in (rep, agent) if i is not None}
    people = dict(User.objects.filter(username__in=needed).values_list("username", "pk"))
    names = dict(User.objects.filter(username__in=needed).values_list("username", "full_name"))
    for company, (_code, rep, _agent) in zip(companies, representatives, strict=True):
        company.legal_representative = names.get(f"c-{rep:07d}", "")
    Company.objects.bulk_create(companies)
    ids = dict(
        Company.objects.filter(credit_code__in=[c for c, _, _ in representatives]).values_list("credit_code", "pk")
    )
    grants: list[CompanyAgent] = []
    for code, rep, agent in representatives:
        rep_pk = people.get(f"c-{rep:07d}")
        if rep_pk:
            grants.append(CompanyAgent(company_id=ids[code], user_id=rep_pk, role=AgentRole.LEGAL_REPRESENTATIVE))
        agent_pk = people.get(f"c-{agent:07d}") if agent is not None else None
        if agent_pk and agent_pk != rep_pk:
            grants.append(CompanyAgent(company_id=ids[code], user_id=agent_pk, role=AgentRole.AGENT))
    CompanyAgent.objects.bulk_create(grants, ignore_conflicts=True)


def _save_staff(staff: list[User], roles: list[tuple[int, Department, str]]) -> None:
    if not staff:
        return
    with transaction.atomic():
        User.objects.bulk_create(staff)
        ids = dict(User.objects.filter(username__in=[u.username for u in staff]).values_list("username", "pk"))
        StaffPosition.objects.bulk_create(
            [
                StaffPosition(user_id=ids[f"s-{index:06d}"], department=department, role=role)
                for index, department, role in roles
            ]
        )


def _demo_company_agents() -> None:
    """Two ordinary agents (经办人) of the demo company, from the seeded population (real-name verified),
    so its legal representative's agents page has someone to manage; ``prefill`` gives the first a data
    consent mandate. Nothing is added once the company has an ordinary agent, or without a population."""
    company = Company.objects.filter(name=DEMO_COMPANY).first()
    if company is None or CompanyAgent.objects.filter(company=company, role=AgentRole.AGENT).exists():
        return
    people = (
        User.objects.filter(username__startswith="c-", kind=AccountKind.CITIZEN, assurance_level__gte=AssuranceLevel.L2)
        .exclude(agent_grants__company=company)
        .order_by("username")
        .values_list("pk", flat=True)[:DEMO_COMPANY_AGENTS]
    )
    CompanyAgent.objects.bulk_create(
        [CompanyAgent(company=company, user_id=pk, role=AgentRole.AGENT) for pk in people], ignore_conflicts=True
    )


def seed_demo(ctx: SeedContext) -> None:
    with transaction.atomic():
        _load_divisions(ctx)
        _load_departments(ctx)
        _demo_accounts(ctx)
    _population(ctx)
    _demo_company_agents()
    ctx.say(
        f"population: {User.objects.filter(kind=AccountKind.CITIZEN).count()} citizens, "
        f"{Company.objects.count()} companies, {User.objects.filter(kind=AccountKind.STAFF).count()} staff"
    )

"""Demo seed for the hotline: the Teddy Cup 2020 three-level category tree, a routing table for
Shenzhen's departments, time limits, a few service-definition attributes, and (with a population)
synthetic tickets over the last 60 days."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pengcheng.core.models import Department, Division, DivisionLevel
from pengcheng.hotline import deadlines, demo_text, routing, selectors, stats, synthetic
from pengcheng.hotline.models import (
    AttributeType,
    Category,
    CategoryAttribute,
    LimitUnit,
    RequestType,
    RoutingRule,
    Ticket,
    TicketEvent,
    TimeLimit,
    Urgency,
)
from pengcheng.seeding import SeedContext

BASE_TICKETS = 500
DEMO_DAYS = 60
INCIDENT_PREFIX = "demo-incident-"  # external ids of the incidents' tickets (demo_text.INCIDENTS)
# Used when the shared taxonomy file is absent, so that the demo still has services.
FALLBACK_TREE = [
    ("城乡建设", "城市建设和市政管理", "城市公共设施"),
    ("城乡建设", "城市建设和市政管理", "环境卫生"),
    ("环境保护", "环境污染", "噪音污染"),
    ("商贸旅游", "市场监管", "商品质量"),
    ("劳动和社会保障", "劳动关系", "劳动合同"),
]

# (first level, second level or "", third level or "", division prefix, lead, assisting, automatic)
ROUTES: list[tuple[str, str, str, str, str, list[str], bool]] = [
    ("城乡建设", "", "", "", "440300-ZJJ", [], False),
    ("城乡建设", "城市建设和市政管理", "", "", "440300-CGJ", [], False),
    ("城乡建设", "城市建设和市政管理", "", "440304", "440304-GOV", [], False),
    ("城乡建设", "城市建设和市政管理", "自来水供应", "", "440300-SWJ", [], False),
    ("党务政务", "", "", "", "440300-ZSJ", [], False),
    ("党务政务", "", "", "440304", "440304-ZSJ", [], False),
    ("国土资源", "", "", "", "440300-GHZYJ", [], False),
    ("环境保护", "", "", "", "440300-STHJJ", [], False),
    ("环境保护", "环境污染", "噪音污染", "", "440300-STHJJ", ["440300-GAJ"], False),
    ("纪检监察", "", "", "", "440300-GOV", [], False),
    ("交通运输", "", "", "", "440300-JTJ", [], False),
    ("经济管理", "", "", "", "440300-FGW", [], False),
    ("科技与信息产业", "", "", "", "440300-GXJ", [], False),
    ("民政", "", "", "", "440300-MZJ", [], False),
    ("农村农业", "", "", "", "440300-GOV", [], False),
    ("商贸旅游", "", "", "", "440300-SWUJ", [], False),
    ("商贸旅游", "市场监管", "", "", "440300-SCJGJ", [], True),
    ("卫生计生", "", "", "", "440300-WJW", [], False),
    ("卫生计生", "食品药品监管", "", "", "440300-SCJGJ", [], False),
    ("政法", "", "", "", "440300-GAJ", [], False),
    ("政法", "法律服务", "", "", "440300-SFJ", [], False),
    ("教育文体", "", "", "", "440300-JYJ", [], False),
    ("教育文体", "文化", "", "", "440300-WGLTJ", [], False),
    ("教育文体", "体育", "", "", "440300-WGLTJ", [], False),
    ("劳动和社会保障", "", "", "", "440300-RSJ", [], False),
]

# (request type, urgency, category path, accept minutes, handle amount, unit, note)
LIMITS = [
    (RequestType.CONSULTATION, "", "", 120, 1, LimitUnit.WORKING_DAYS, "咨询类 1 个工作日"),
    (RequestType.HELP, "", "", 120, 3, LimitUnit.WORKING_DAYS, "求助类 3 个工作日"),
    (RequestType.COMPLAINT, "", "", 120, 5, LimitUnit.WORKING_DAYS, "投诉类 5 个工作日"),
    (RequestType.REPORT, "", "", 120, 10, LimitUnit.WORKING_DAYS, "举报类 10 个工作日"),
    (RequestType.SUGGESTION, "", "", 240, 10, LimitUnit.WORKING_DAYS, "建议类 10 个工作日"),
    (RequestType.PRAISE, "", "", 240, 5, LimitUnit.WORKING_DAYS, "表扬类 5 个工作日"),
    ("", Urgency.URGENT, "", 60, 1, LimitUnit.WORKING_DAYS, "紧急件 1 个工作小时内签收、1 个工作日内办结"),
    ("", Urgency.CRITICAL, "", 30, 4, LimitUnit.WORKING_HOURS, "特急件 30 分钟内签收、4 个工作小时内办结"),
    ("", "", "城乡建设 / 安全生产 / 安全隐患", 60, 2, LimitUnit.WORKING_DAYS, "安全隐患 2 个工作日"),
]

ATTRIBUTES: dict[str, list[tuple[str, str, bool, str, list[dict[str, str]]]]] = {
    "环境保护 / 环境污染 / 噪音污染": [
        (
            "noise_period",
            AttributeType.SINGLE,
            True,
            "噪音出现在什么时段？ When does the noise occur?",
            [{"key": "day", "name": "白天 07:00–22:00"}, {"key": "night", "name": "夜间 22:00–07:00"}],
        ),
        (
            "noise_source",
            AttributeType.MULTI,
            False,
            "噪音来源 Source of the noise",
            [
                {"key": "construction", "name": "建筑施工"},
                {"key": "business", "name": "商业经营"},
                {"key": "traffic", "name": "交通运输"},
                {"key": "neighbours", "name": "社会生活"},
            ],
        ),
    ],
    "城乡建设 / 城市建设和市政管理 / 城市公共设施": [
        (
            "facility",
            AttributeType.SINGLE,
            False,
            "哪类设施？ Which facility?",
            [
                {"key": "streetlight", "name": "路灯"},
                {"key": "manhole", "name": "井盖"},
                {"key": "bench", "name": "座椅"},
                {"key": "sign", "name": "路牌"},
            ],
        ),
        ("facility_number", AttributeType.STRING, False, "设施编号（如灯杆上的编号） Number on the facility", []),
    ],
    "商贸旅游 / 市场监管 / 商品质量": [
        ("purchase_date", AttributeType.DATETIME, False, "购买时间 When was it bought?", []),
        ("amount", AttributeType.NUMBER, False, "金额（元） Amount paid (yuan)", []),
    ],
}


def taxonomy_rows() -> tuple[list[tuple[str, str, str]], str]:
    path = Path(settings.PENGCHENG_SHARED_DATA) / "hotline" / "teddy2020_taxonomy.csv"
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [
                (r["一级分类"].strip(), r["二级分类"].strip(), r["三级分类"].strip()) for r in csv.DictReader(handle)
            ]
    except FileNotFoundError:
        return FALLBACK_TREE, f"{path} not found: a five-category demo tree is used instead"
    return rows, str(path)


def load_categories(rows: list[tuple[str, str, str]]) -> int:
    """Create the tree (codes 01, 0101, 0101001 in file order); existing codes are kept."""
    existing = {c.path_name: c for c in Category.objects.all()}
    created = 0
    counters: dict[str, int] = {}  # parent code → highest child number used
    for known in existing.values():
        width = 2 if known.level <= 2 else 3
        parent_code = known.code[:-width]
        counters[parent_code] = max(counters.get(parent_code, 0), int(known.code[-width:]))
    for first, second, third in rows:
        parent: Category | None = None
        path_parts: list[str] = []
        for level, name in enumerate((first, second, third), start=1):
            if not name:
                break
            path_parts.append(name)
            path_name = " / ".join(path_parts)
            category = existing.get(path_name)
            if category is None:
                key = parent.code if parent else ""
                counters[key] = counters.get(key, 0) + 1
                width = 2 if level <= 2 else 3
                category = Category.objects.create(
                    code=f"{key}{counters[key]:0{width}d}",
                    name=name,
                    parent=parent,
                    level=level,
                    path_name=path_name,
                    description=path_name,
                )
                existing[path_name] = category
                created += 1
            parent = category
    return created


def _category(path_name: str) -> Category | None:
    return Category.objects.filter(path_name=path_name).first() if path_name else None


def load_routes() -> int:
    if RoutingRule.objects.exists():
        return 0
    departments = {d.code: d for d in Department.objects.all()}
    created = 0
    for first, second, third, prefix, lead, assisting, automatic in ROUTES:
        path_name = " / ".join(p for p in (first, second, third) if p)
        category = _category(path_name)
        if category is None or lead not in departments:
            continue
        rule = RoutingRule.objects.create(
            category=category, division_prefix=prefix, department=departments[lead], auto_dispatch=automatic
        )
        rule.assisting.set([departments[code] for code in assisting if code in departments])
        created += 1
    return created


def load_limits() -> int:
    if TimeLimit.objects.exists():
        return 0
    for request_type, urgency, path_name, minutes, amount, unit, note in LIMITS:
        TimeLimit.objects.create(
            request_type=request_type,
            urgency=urgency,
            category=_category(path_name),
            accept_minutes=minutes,
            handle_amount=amount,
            handle_unit=unit,
            note=note,
        )
    return len(LIMITS)


def load_attributes() -> None:
    for path_name, attributes in ATTRIBUTES.items():
        category = _category(path_name)
        if category is None:
            continue
        for order, (code, datatype, required, description, values) in enumerate(attributes, start=1):
            CategoryAttribute.objects.get_or_create(
                category=category,
                code=code,
                defaults={
                    "datatype": datatype,
                    "required": required,
                    "description": description,
                    "order": order,
                    "values": values,
                },
            )


def demo_world() -> synthetic.World:
    services = selectors.services()
    leaves = [(c.pk, c.code, selectors.category_by_code(c.code[:2]).pk) for c in services]  # type: ignore[union-attr]
    by_path = {c.path_name: leaf for c, leaf in zip(services, leaves, strict=True)}
    # The hand-written topics whose leaf the tree has; a plain topic per leaf when none does.
    topics = [(topic, by_path[topic.path]) for topic in demo_text.TOPICS if topic.path in by_path]
    if not topics:
        topics = [(demo_text.generic_topic(c.path_name), leaf) for c, leaf in zip(services, leaves, strict=True)]
    communities = list(
        Division.objects.filter(level=DivisionLevel.COMMUNITY).order_by("code").values_list("code", "short_name")
    )
    by_code = {c.code: c for c in Category.objects.all()}

    def route(category_code: str, division_code: str) -> int | None:
        found = routing.route(by_code.get(category_code), division_code)
        return found.department_id if found else None

    departments = list(Department.objects.exclude(kind="government").values_list("pk", flat=True))
    districts = dict(Division.objects.filter(level=DivisionLevel.DISTRICT).values_list("code", "name"))
    names = dict(Department.objects.values_list("pk", "name"))
    return synthetic.World(leaves, communities, route, departments, topics, districts, names)


def load_tickets(ctx: SeedContext) -> int:
    wanted = BASE_TICKETS * ctx.scale
    have = (
        Ticket.objects.filter(external_id__startswith="demo-").exclude(external_id__startswith=INCIDENT_PREFIX).count()
    )
    if have >= wanted:
        return 0
    world = demo_world()
    if not world.leaves or not world.communities:
        return 0
    now = timezone.now()
    tz = timezone.get_current_timezone()
    start = now - dt.timedelta(days=DEMO_DAYS)
    span = (now - start).total_seconds()
    for index in ctx.progress(range(have, wanted), wanted - have, "hotline tickets"):
        rng = ctx.rng(f"hotline-ticket:{index}")
        received = start + dt.timedelta(seconds=span * index / max(wanted, 1) + rng.uniform(0, 600))
        received = min(received, now - dt.timedelta(minutes=1))
        fields, events = synthetic.make_ticket(rng, received, now, world, tz)
        fields["external_id"] = f"demo-{index:07d}"
        _save(fields, events)
    return wanted - have


def _save(fields: dict[str, Any], events: list[dict[str, Any]]) -> None:
    received = fields["created_at"]
    with transaction.atomic():
        ticket = Ticket.objects.create(**fields)
        TicketEvent.objects.bulk_create(
            [TicketEvent(ticket=ticket, kind="created", at=received, actor_label="demo", public=True)]
            + [TicketEvent(ticket=ticket, actor_label="demo", **event) for event in events]
        )


def _leaf(path_name: str) -> tuple[int, str, int] | None:
    category = _category(path_name)
    top = selectors.category_by_code(category.code[:2]) if category else None
    return (category.pk, category.code, top.pk) if category and top else None


def incident_times(
    rng: random.Random, incident: demo_text.Incident, now: dt.datetime, tz: Any
) -> list[tuple[dt.datetime, bool]]:
    """When each of an incident's tickets comes in, oldest first, and whether it is after the
    incident's first day. Days count back from the local today; today's calls fall before ``now``."""
    today = now.astimezone(tz).date()
    first = max(back for back, _count in incident.days)
    low, high = incident.hours
    times = []
    for back, count in incident.days:
        start = dt.datetime.combine(today - dt.timedelta(days=back), dt.time(), tzinfo=tz)
        for _n in range(count):
            moment = start + dt.timedelta(hours=rng.uniform(low, high))
            if back == 0:  # spread over the part of today that has passed
                moment = start + (now - start) * ((moment - start) / dt.timedelta(days=1))
            times.append((min(moment, now - dt.timedelta(minutes=1)), back < first))
    return sorted(times)


def load_incidents(ctx: SeedContext) -> int:
    """The demo's clustered incidents (a burst water main, night works …): each incident's tickets,
    once; an incident whose leaf or community the demo lacks is left out."""
    if ctx.scale < 1:
        return 0
    world: synthetic.World | None = None
    now = timezone.now()
    tz = timezone.get_current_timezone()
    made = 0
    for incident in demo_text.INCIDENTS:
        prefix = f"{INCIDENT_PREFIX}{incident.key}-"
        if Ticket.objects.filter(external_id__startswith=prefix).exists():
            continue
        leaf = _leaf(incident.path)
        community = (
            Division.objects.filter(code=incident.community, level=DivisionLevel.COMMUNITY)
            .values_list("code", "short_name")
            .first()
        )
        if leaf is None or community is None:
            continue
        world = world or demo_world()
        rng = ctx.rng(f"hotline-incident:{incident.key}")
        for number, (received, later) in enumerate(incident_times(rng, incident, now, tz)):
            fields, events = synthetic.incident_ticket(rng, incident, later, received, now, world, tz, leaf, community)
            fields["external_id"] = f"{prefix}{number:03d}"
            _save(fields, events)
            made += 1
    return made


def seed_demo(ctx: SeedContext) -> None:
    rows, source = taxonomy_rows()
    with transaction.atomic():
        created = load_categories(rows)
        load_attributes()
        routes = load_routes()
        limits = load_limits()
    selectors.forget_categories()
    routing.forget_rules()
    deadlines.forget_rules()
    if created or routes or limits:
        ctx.say(f"hotline: {created} categories from {source}, {routes} routing rules, {limits} time limits")
    tickets = load_tickets(ctx)
    incidents = load_incidents(ctx)
    if tickets or incidents:
        stats.refresh(full=True)
    if tickets:
        ctx.say(f"hotline: {tickets} demo tickets over the last {DEMO_DAYS} days")
    if incidents:
        ctx.say(f"hotline: {incidents} demo tickets about {len(demo_text.INCIDENTS)} local incidents")

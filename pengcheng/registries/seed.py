"""Demo seed for the base registries, consistent with the seeded people and companies.

- 人口库: a record for every citizen of the core seed and every demo account (identity numbers in the
  non-existent area 440399) and a few residents without an account; about 60% hold a Shenzhen household registration,
  the others a residence permit.
- 法人库: a record for every seeded company, its legal representative's identity number included.
- 社保, 不动产, 车辆, 学历: for a realistic share of the adults, deterministic per person.

The demo accounts ``citizen`` (陈小明) and ``company`` (林晓燕, legal representative of
深圳市鹏城示范科技有限公司) have a record in every registry, so every 秒报 item pre-fills for them.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from pengcheng.core import identifiers
from pengcheng.core.models import AccountKind, AgentRole, Company, CompanyAgent, Division, DivisionLevel, User
from pengcheng.core.seed import DEMO_ACCOUNTS, TEST_AREA, demo_id_number
from pengcheng.registries.models import (
    Degree,
    EducationRecord,
    EntityKind,
    EntityStatus,
    InsuranceStatus,
    LegalEntityRecord,
    MaritalStatus,
    PopulationRecord,
    PropertyRecord,
    PropertyUsage,
    Sex,
    SocialInsuranceRecord,
    VehicleRecord,
    VehicleStatus,
    VehicleType,
)
from pengcheng.seeding import SeedContext

SOURCE = "demo seed"
CITIZEN_PREFIX = "c-"  # the core seed's citizens (``core.seed``: c-0000000 …)
TODAY = dt.date(2025, 1, 1)  # a fixed reference day keeps the seed deterministic
# Residents registered with the bureau who have not opened an account: (index, name, birth, male).
UNREGISTERED = [
    (9_100_001, "王建国", "1962-10-01", True),
    (9_100_002, "李秀英", "1971-05-20", False),
    (9_100_003, "张伟", "1988-08-08", True),
    (9_100_004, "刘芳", "1995-12-24", False),
    (9_100_005, "黄志强", "2001-03-15", True),
]
ROADS = (
    "深南大道",
    "福华三路",
    "滨河大道",
    "南海大道",
    "宝安大道",
    "龙岗大道",
    "布吉路",
    "梅林路",
    "沙河西路",
    "新湖路",
)
ESTATES = ("花园", "家园", "新村", "雅苑", "公寓", "名苑")
HOMETOWNS = (
    "湖南省衡阳市衡南县云集街道",
    "广东省梅州市梅江区江南街道",
    "江西省赣州市章贡区解放街道",
    "湖北省武汉市洪山区珞南街道",
    "广西壮族自治区桂林市七星区东江街道",
    "四川省成都市武侯区玉林街道",
    "河南省信阳市浉河区老城街道",
    "广东省湛江市霞山区解放街道",
)
SPOUSE_GIVEN = ("春梅", "丽华", "建华", "海涛", "秀珍", "志明", "晓红", "文杰")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
# (code, name): real school codes, used only as labels in synthetic certificates.
SCHOOLS = (
    ("10590", "深圳大学"),
    ("14325", "南方科技大学"),
    ("10558", "中山大学"),
    ("10561", "华南理工大学"),
    ("10213", "哈尔滨工业大学"),
    ("10001", "北京大学"),
    ("10486", "武汉大学"),
    ("10532", "湖南大学"),
    ("10559", "暨南大学"),
    ("11078", "广州大学"),
)
MAJORS = (
    "计算机科学与技术",
    "电子信息工程",
    "金融学",
    "临床医学",
    "机械工程",
    "法学",
    "汉语言文学",
    "会计学",
    "土木工程",
    "软件工程",
)
BRANDS = (
    "比亚迪 汉EV",
    "比亚迪 秦PLUS",
    "丰田 凯美瑞",
    "本田 雅阁",
    "大众 帕萨特",
    "特斯拉 Model 3",
    "广汽埃安 AION S",
    "日产 轩逸",
)
NEW_ENERGY = {"比亚迪 汉EV", "比亚迪 秦PLUS", "特斯拉 Model 3", "广汽埃安 AION S"}
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
SCOPES = (
    "计算机软硬件技术开发、技术咨询、技术服务；信息系统集成服务。",
    "国内贸易；货物及技术进出口。",
    "餐饮服务；食品销售。",
    "物业管理；房地产经纪。",
    "电子产品的研发与销售。",
)

# The demo accounts' facts, so the demo shows every registry and a clear story.
DEMO_CITIZEN = {
    "household_address": "广东省梅州市梅江区江南街道金山路18号",
    "address": "深圳市福田区福田街道福山社区福华三路88号3栋1201",
    "residence_permit_number": "440304201500012345",
    "marital_status": MaritalStatus.MARRIED,
    "spouse_name": "李春梅",
    "household_division_id": None,  # household registered in Meizhou: he holds a residence permit
}
DEMO_COMPANY_PERSON = {
    "household_address": "深圳市福田区莲花街道景华社区景田路66号",
    "address": "深圳市福田区莲花街道景华社区景田路66号2栋803",
    "marital_status": MaritalStatus.MARRIED,
    "spouse_name": "周建华",
}


class _Places:
    """Names of the demo city's divisions, for writing addresses."""

    def __init__(self) -> None:
        rows = Division.objects.filter(code__startswith="4403").values_list("code", "name", "parent_id", "level")
        self.names = {code: name for code, name, _, _ in rows}
        self.parents = {code: parent for code, _, parent, _ in rows}
        self.communities = sorted(code for code, _, _, level in rows if level == DivisionLevel.COMMUNITY)

    def address(self, community: str | None, rng: random.Random, *, flat: bool = True) -> str:
        if not community or community not in self.names:
            community = self.communities[0] if self.communities else None
        parts: list[str] = []
        code = community
        while code and code in self.names and len(parts) < 3:
            parts.insert(0, self.names[code])
            code = self.parents.get(code)
        street = f"{rng.choice(ROADS)}{rng.randrange(1, 400)}号"
        home = (
            f"{rng.choice(ESTATES)}{rng.randrange(1, 12)}栋{rng.randrange(1, 33)}{rng.randrange(1, 9):02d}"
            if flat
            else ""
        )
        return "深圳市" + "".join(parts) + street + home


def _age(birth: dt.date) -> int:
    return TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day))


def _marital(rng: random.Random, age: int) -> str:
    if age < 22:
        return MaritalStatus.UNMARRIED
    return rng.choices(
        (MaritalStatus.UNMARRIED, MaritalStatus.MARRIED, MaritalStatus.DIVORCED, MaritalStatus.WIDOWED),
        weights=(2, 6, 1, 1 if age > 60 else 0),
    )[0]


def _population_values(
    id_number: str, name: str, residence: str | None, places: _Places, rng: random.Random
) -> dict[str, Any]:
    birth = identifiers.birth_date_from_id(id_number)
    marital = _marital(rng, _age(birth))
    local = rng.random() < 0.6
    values: dict[str, Any] = {
        "name": name,
        "sex": Sex.MALE if int(id_number[16]) % 2 else Sex.FEMALE,
        "birth_date": birth,
        "marital_status": marital,
        "household_division_id": residence if local else None,
        "household_address": places.address(residence, rng, flat=False)
        if local
        else f"{rng.choice(HOMETOWNS)}{rng.choice(ROADS[:3])}{rng.randrange(1, 200)}号",
        "address": places.address(residence, rng),
        "residence_permit_number": "" if local else f"4403{rng.randrange(10**13, 10**14)}",
        "spouse_name": rng.choice(SURNAMES) + rng.choice(SPOUSE_GIVEN) if marital == MaritalStatus.MARRIED else "",
    }
    return values


def _registered_people() -> QuerySet[User]:
    """Who the population registry knows: the citizens the core seed made (``c-…``) and the demo accounts.

    Not every account with a test-area identity number: later seeders make citizens of their own (the
    applications seed's applicants ``a-…``), which exist only from the second run on, so counting them
    made every second run add a record for each (and their insurance, property, vehicle and degree
    records)."""
    return User.objects.filter(kind=AccountKind.CITIZEN, id_number__startswith=TEST_AREA).filter(
        Q(username__startswith=CITIZEN_PREFIX) | Q(username__in=[account.username for account in DEMO_ACCOUNTS])
    )


def _seed_population(ctx: SeedContext, places: _Places, now: dt.datetime) -> None:
    records = {r.id_number: r for r in PopulationRecord.objects.filter(source=SOURCE)}
    have = set(PopulationRecord.objects.values_list("id_number", flat=True))
    people: list[tuple[str | None, str, str | None, str]] = list(
        _registered_people().order_by("id_number").values_list("id_number", "full_name", "residence_id", "username")
    )
    demo: dict[str, dict[str, Any]] = {"citizen": DEMO_CITIZEN, "company": DEMO_COMPANY_PERSON}
    default_division = places.communities[0] if places.communities else None
    for index, name, birth_text, male in UNREGISTERED:
        people.append((demo_id_number(index, dt.date.fromisoformat(birth_text), male), name, default_division, ""))
    new: list[PopulationRecord] = []
    refreshed: list[PopulationRecord] = []
    for id_number, name, residence, username in ctx.progress(people, len(people), "population registry"):
        assert id_number is not None  # filtered above
        rng = random.Random(f"registries:population:{id_number}")
        values = _population_values(id_number, name, residence, places, rng)
        values.update(demo.get(username, {}))
        if username == "company":
            values["household_division_id"], values["residence_permit_number"] = residence, ""
        if id_number not in have:
            new.append(PopulationRecord(id_number=id_number, source=SOURCE, created_at=now, updated_at=now, **values))
        elif id_number in records and not records[id_number].address:
            # A record from an earlier seed, before the registry had addresses.
            record = records[id_number]
            for key in ("household_address", "address", "residence_permit_number", "spouse_name"):
                setattr(record, key, values[key])
            if record.household_division_id and record.residence_permit_number:
                record.residence_permit_number = ""
            refreshed.append(record)
    with transaction.atomic():
        PopulationRecord.objects.bulk_create(new, batch_size=5000, ignore_conflicts=True)
        PopulationRecord.objects.bulk_update(
            refreshed, ["household_address", "address", "residence_permit_number", "spouse_name"], batch_size=5000
        )
    ctx.say(f"population registry: {PopulationRecord.objects.count()} records")


def _seed_legal_entities(ctx: SeedContext, places: _Places, now: dt.datetime) -> list[tuple[str, str]]:
    """Returns (credit code, name) of the companies in business, for employers."""
    have = set(LegalEntityRecord.objects.values_list("credit_code", flat=True))
    representatives = dict(
        CompanyAgent.objects.filter(role=AgentRole.LEGAL_REPRESENTATIVE).values_list("company_id", "user__id_number")
    )
    companies = Company.objects.filter(credit_code__startswith=f"91{TEST_AREA}").order_by("credit_code")
    batch: list[LegalEntityRecord] = []
    employers: list[tuple[str, str]] = []
    for company in ctx.progress(companies.iterator(), companies.count(), "legal entity registry"):
        rng = random.Random(f"registries:legal_entity:{company.credit_code}")
        demo = company.name == "深圳市鹏城示范科技有限公司"
        status = EntityStatus.ACTIVE if demo or rng.random() < 0.95 else EntityStatus.REVOKED
        if status == EntityStatus.ACTIVE:
            employers.append((company.credit_code, company.name))
        if company.credit_code in have:
            continue
        individual = company.kind == "individual"
        batch.append(
            LegalEntityRecord(
                credit_code=company.credit_code,
                name=company.name,
                entity_type=EntityKind.INDIVIDUAL_BUSINESS if individual else EntityKind.ENTERPRISE,
                legal_representative=company.legal_representative or "未登记",
                legal_representative_id_number=representatives.get(company.pk) or "",
                registered_capital=None if individual else Decimal(rng.choice((10, 50, 100, 200, 500, 1000, 3000))),
                established_on=company.registered_on or dt.date(2015, 1, 1),
                address=company.address or places.address(company.division_id, rng, flat=False),
                division_id=company.division_id,
                business_scope=SCOPES[0] if demo else rng.choice(SCOPES),
                status=status,
                source=SOURCE,
                created_at=now,
                updated_at=now,
            )
        )
    with transaction.atomic():
        LegalEntityRecord.objects.bulk_create(batch, batch_size=5000, ignore_conflicts=True)
    ctx.say(f"legal entity registry: {LegalEntityRecord.objects.count()} records")
    return employers


def _certificate(rng: random.Random, year: int) -> str:
    return f"粤（{year}）深圳市不动产权第{rng.randrange(10**6, 10**7):07d}号"


def _plate(rng: random.Random, new_energy: bool) -> str:
    if new_energy:
        return "粤B" + rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
    return "粤B" + "".join(rng.choice(PLATE_CHARS) for _ in range(5))


def _seed_person_registries(
    ctx: SeedContext, places: _Places, employers: list[tuple[str, str]], now: dt.datetime
) -> None:
    """社保, 不动产, 车辆 and 学历 records for the people in the population registry."""
    # Each person's records come from a generator of their own, so a second run makes the same records
    # again and the unique keys (identity number, certificate, plate, VIN) drop them: only new people add.
    demo_company = Company.objects.filter(name="深圳市鹏城示范科技有限公司").first()
    demo_ids = dict(User.objects.filter(username__in=("citizen", "company")).values_list("username", "id_number"))
    people = list(
        PopulationRecord.objects.order_by("id_number").values_list(
            "id_number", "name", "birth_date", "household_division_id", "address"
        )
    )
    insurance: list[SocialInsuranceRecord] = []
    properties: list[PropertyRecord] = []
    vehicles: list[VehicleRecord] = []
    degrees: list[EducationRecord] = []
    plates: set[str] = set()
    certificates: set[str] = set()

    def stamp() -> dict[str, Any]:
        return {"source": SOURCE, "created_at": now, "updated_at": now}

    for id_number, name, birth, _household, address in ctx.progress(people, len(people), "person registries"):
        rng = random.Random(f"registries:person:{id_number}")
        age = _age(birth)
        is_demo = id_number in demo_ids.values()
        # 社保: most working-age adults contribute; half of those past retirement age draw a pension.
        retired = not is_demo and age > 62 and rng.random() < 0.5
        if retired:
            start = dt.date(rng.randrange(1992, 2000), rng.randrange(1, 13), 1)
            months = rng.randrange(180, 361)
            insurance.append(
                SocialInsuranceRecord(
                    id_number=id_number,
                    name=name,
                    status=InsuranceStatus.ENDED,
                    first_insured_on=start,
                    months_contributed=months,
                    continuous_months=months,
                    medical_tier=1,
                    **stamp(),
                )
            )
        elif is_demo or (18 <= age <= 62 and employers and rng.random() < 0.75):
            code, employer = rng.choice(employers)
            if is_demo and demo_company is not None:
                code, employer = demo_company.credit_code, demo_company.name
            start = max(birth.replace(year=birth.year + 18), dt.date(2000, 1, 1)) + dt.timedelta(
                days=rng.randrange(0, 3000)
            )
            if is_demo:
                start = dt.date(2015, 7, 1)
            start = min(start, TODAY - dt.timedelta(days=31)).replace(day=1)
            months = (TODAY.year - start.year) * 12 + TODAY.month - start.month
            insurance.append(
                SocialInsuranceRecord(
                    id_number=id_number,
                    name=name,
                    employer=employer,
                    employer_credit_code=code,
                    status=InsuranceStatus.CONTRIBUTING if is_demo or rng.random() < 0.9 else InsuranceStatus.SUSPENDED,
                    first_insured_on=start,
                    months_contributed=months,
                    continuous_months=months if is_demo else rng.randrange(min(months, 12), months + 1),
                    medical_tier=1 if is_demo else rng.choice((1, 1, 1, 2, 3)),
                    **stamp(),
                )
            )
        # 不动产: a third of adults own a home, a few two.
        if age >= 25 and (is_demo or rng.random() < 0.35):
            for number in range(1 if is_demo or rng.random() < 0.85 else 2):
                year = rng.randrange(max(2005, birth.year + 25), 2025)
                certificate = _certificate(rng, year)
                if certificate in certificates:
                    continue
                certificates.add(certificate)
                properties.append(
                    PropertyRecord(
                        certificate_number=certificate,
                        id_number=id_number,
                        owner_name=name,
                        address=address if number == 0 and address else places.address(None, rng),
                        division_id=_household if number == 0 else None,
                        usage=PropertyUsage.RESIDENTIAL if number == 0 else rng.choice(list(PropertyUsage.values)),
                        floor_area=Decimal(rng.randrange(4500, 14000)) / 100,
                        registered_on=dt.date(year, rng.randrange(1, 13), rng.randrange(1, 29)),
                        mortgaged=rng.random() < 0.5,
                        **stamp(),
                    )
                )
        # 车辆: a quarter of adults, fewer of the old.
        if 20 <= age <= 85 and (is_demo or rng.random() < (0.25 if age <= 70 else 0.08)):
            brand = rng.choice(BRANDS)
            if is_demo:
                brand = "比亚迪 汉EV"
            green = brand in NEW_ENERGY
            plate = _plate(rng, green)
            if plate not in plates:
                plates.add(plate)
                registered = dt.date(rng.randrange(2012, 2024), rng.randrange(1, 13), rng.randrange(1, 29))
                vehicles.append(
                    VehicleRecord(
                        plate_number=plate,
                        id_number=id_number,
                        owner_name=name,
                        vehicle_type=VehicleType.SMALL_CAR,
                        brand=brand,
                        vin="L" + "".join(rng.choice(VIN_CHARS) for _ in range(16)),
                        new_energy=green,
                        registered_on=registered,
                        inspection_valid_until=dt.date(2026, registered.month, min(registered.day, 28)),
                        status=VehicleStatus.NORMAL
                        if is_demo or rng.random() < 0.92
                        else VehicleStatus.UNPAID_VIOLATION,
                        **stamp(),
                    )
                )
        # 学历: bachelor's for about half of those born since 1960 (fewer before), some going on.
        if age >= 22 and (is_demo or rng.random() < (0.5 if birth.year >= 1960 else 0.12)):
            ladder = [(Degree.BACHELOR, 22)]
            if rng.random() < 0.3 or is_demo:
                ladder.append((Degree.MASTER, 25))
                if rng.random() < 0.2 and not is_demo:
                    ladder.append((Degree.DOCTOR, 29))
            for degree, at_age in ladder:
                if birth.year + at_age > TODAY.year - 1:
                    break
                code, school = rng.choice(SCHOOLS)
                year = birth.year + at_age
                level = {Degree.BACHELOR: "1", Degree.MASTER: "2", Degree.DOCTOR: "3"}[degree]
                degrees.append(
                    EducationRecord(
                        certificate_number=f"{code}1{year}{level}{rng.randrange(10**5, 10**6)}",
                        id_number=id_number,
                        name=name,
                        degree=degree,
                        school=school,
                        major=rng.choice(MAJORS),
                        graduation_date=dt.date(year, 6, 30),
                        full_time=degree == Degree.BACHELOR or rng.random() < 0.7,
                        **stamp(),
                    )
                )
    with transaction.atomic():
        SocialInsuranceRecord.objects.bulk_create(insurance, batch_size=5000, ignore_conflicts=True)
        PropertyRecord.objects.bulk_create(properties, batch_size=5000, ignore_conflicts=True)
        VehicleRecord.objects.bulk_create(vehicles, batch_size=5000, ignore_conflicts=True)
        EducationRecord.objects.bulk_create(degrees, batch_size=5000, ignore_conflicts=True)
    ctx.say(
        f"social insurance: {SocialInsuranceRecord.objects.count()}, property: {PropertyRecord.objects.count()}, "
        f"vehicles: {VehicleRecord.objects.count()}, education: {EducationRecord.objects.count()} records"
    )


def seed_demo(ctx: SeedContext) -> None:
    now = timezone.now()
    places = _Places()
    _seed_population(ctx, places, now)
    employers = _seed_legal_entities(ctx, places, now)
    _seed_person_registries(ctx, places, employers, now)

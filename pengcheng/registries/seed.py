"""Demo seed for the base registries: a population record for every seeded citizen and demo
account (their identity numbers are in the non-existent area 440399), and a few residents who have
no account yet."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pengcheng.core import identifiers
from pengcheng.core.models import AccountKind, Division, DivisionLevel, User
from pengcheng.core.seed import TEST_AREA, demo_id_number
from pengcheng.registries.models import MaritalStatus, PopulationRecord, Sex
from pengcheng.seeding import SeedContext

SOURCE = "demo seed"
# Residents registered with the bureau who have not opened an account: (index, name, birth, male).
UNREGISTERED = [
    (9_100_001, "王建国", "1962-10-01", True),
    (9_100_002, "李秀英", "1971-05-20", False),
    (9_100_003, "张伟", "1988-08-08", True),
    (9_100_004, "刘芳", "1995-12-24", False),
    (9_100_005, "黄志强", "2001-03-15", True),
]


def _marital(rng: object, age: int) -> str:
    if age < 22:
        return MaritalStatus.UNMARRIED
    return rng.choices(  # type: ignore[attr-defined]
        (MaritalStatus.UNMARRIED, MaritalStatus.MARRIED, MaritalStatus.DIVORCED, MaritalStatus.WIDOWED),
        weights=(2, 6, 1, 1 if age > 60 else 0),
    )[0]


def seed_demo(ctx: SeedContext) -> None:
    import datetime as dt

    now = timezone.now()
    today = dt.date(2025, 1, 1)  # a fixed reference day keeps the seed deterministic
    have = set(PopulationRecord.objects.values_list("id_number", flat=True))
    people = (
        User.objects.filter(kind=AccountKind.CITIZEN, id_number__startswith=TEST_AREA)
        .exclude(id_number__in=have)
        .order_by("id_number")
        .values_list("id_number", "full_name", "residence_id")
    )
    total = people.count()
    rng = ctx.rng("registries:population")
    batch: list[PopulationRecord] = []
    for id_number, name, residence in ctx.progress(people.iterator(), total, "population registry"):
        assert id_number is not None  # filtered above
        birth = identifiers.birth_date_from_id(id_number)
        batch.append(
            PopulationRecord(
                id_number=id_number,
                name=name,
                sex=Sex.MALE if int(id_number[16]) % 2 else Sex.FEMALE,
                birth_date=birth,
                household_division_id=residence,
                marital_status=_marital(rng, today.year - birth.year),
                source=SOURCE,
                created_at=now,
                updated_at=now,
            )
        )
    community = Division.objects.filter(level=DivisionLevel.COMMUNITY).order_by("code").values_list("code", flat=True)
    default_division = community.first()
    for index, name, birth_text, male in UNREGISTERED:
        birth = dt.date.fromisoformat(birth_text)
        id_number = demo_id_number(index, birth, male)
        if id_number in have:
            continue
        batch.append(
            PopulationRecord(
                id_number=id_number,
                name=name,
                sex=Sex.MALE if male else Sex.FEMALE,
                birth_date=birth,
                household_division_id=default_division,
                marital_status=_marital(rng, today.year - birth.year),
                source=SOURCE,
                created_at=now,
                updated_at=now,
            )
        )
    with transaction.atomic():
        PopulationRecord.objects.bulk_create(batch, batch_size=5000, ignore_conflicts=True)
    ctx.say(f"population registry: {PopulationRecord.objects.count()} records")

"""Catalogue search at 10,000 items: p50/p95/p99 of ``catalog.selectors.search_items`` (index
lookup, ranking and the database fetch of the page shown), plus the index build time.

The catalogue is the demo's ~200 items, the real Guangdong catalogue (2,262 rows, imported with
import_catalog), and per-district copies of the Guangdong items (as real catalogues repeat items per
district) until there are 10,000.

    .venv/bin/python bench/services_search.py [--items 10000] [--queries 2000]
"""

from __future__ import annotations

import argparse
import random
import time

from services_common import database_label, report, setup, timed

QUERIES = [
    "高龄津贴", "居住证签注", "居住正签注", "开公司", "个体工商户", "社保", "人才补贴", "营业执照", "护照",
    "gaoling", "juzhuzheng", "结婚", "生孩子", "公积金", "教师资格", "食品经营许可", "律师执业", "导游证",
    "建设项目环境影响评价", "失业保险金", "残疾人", "低保", "道路运输", "医师执业注册", "出生医学证明", "学位",
    "文物", "水利工程", "渔业捕捞许可", "税务登记", "不动产", "户外广告", "演出", "体育", "农药", "林木采伐",
]  # fmt: skip
FILTERS = [{}, {}, {}, {"district": "440305"}, {"audience": "enterprise"}, {"theme": "人才"}]


def build_catalogue(target: int) -> None:
    from django.conf import settings
    from django.core.management import call_command

    from pengcheng.catalog.models import ServiceItem
    from pengcheng.catalog.services import ItemSpec, MaterialSpec, publish
    from pengcheng.core.actors import SYSTEM
    from pengcheng.core.models import Department

    path = settings.PENGCHENG_SHARED_DATA / "catalog" / "guangdong_service_items.csv"
    if ServiceItem.objects.count() < 2000:
        started = time.perf_counter()
        call_command("import_catalog", str(path), verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
        print(f"imported the Guangdong catalogue in {time.perf_counter() - started:.1f} s")
    halls = list(Department.objects.filter(code__regex=r"^4403\d\d-ZSJ$").order_by("code"))
    sources = list(ServiceItem.objects.filter(code__startswith="11440").select_related("current_version"))
    have = ServiceItem.objects.filter(status="online").count()
    started = time.perf_counter()
    n = 0
    while have < target:
        source = sources[n % len(sources)]
        hall = halls[(n // len(sources)) % len(halls)]
        v = source.current
        code = f"{hall.code[:6]}-{source.code}"[:40]
        publish(
            SYSTEM,
            ItemSpec(
                code=code,
                name=v.name,
                department=hall,
                item_type=v.item_type,
                level="district",
                legal_limit=v.legal_limit,
                legal_limit_unit=v.legal_limit_unit,
                promised_limit=v.promised_limit,
                promised_limit_unit=v.promised_limit_unit,
                acceptance_criteria=v.acceptance_criteria,
                audiences=v.audiences,
                themes=v.themes,
                materials=[MaterialSpec(name=m.name) for m in v.materials.all()],
            ),
            audit_each=False,
        )
        have += 1
        n += 1
    if n:
        print(f"published {n} district copies in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    setup("search")
    build_catalogue(args.items)

    from pengcheng.catalog import search, selectors
    from pengcheng.catalog.models import ServiceItem

    print(f"database: {database_label()}; items online: {ServiceItem.objects.filter(status='online').count()}")
    search.reset()
    started = time.perf_counter()
    index = search.index()
    print(f"index build: {(time.perf_counter() - started) * 1000:.0f} ms, {len(index.postings)} terms")
    rng = random.Random(4)
    cases = [(rng.choice(QUERIES), rng.choice(FILTERS)) for _ in range(args.queries)]
    iterator = iter(cases)

    def one() -> None:
        query, filters = next(iterator)
        selectors.search_items(query, **filters)

    report("search_items (query + filters, page of 20)", timed(one, args.queries - 5, warmup=5))
    iterator = iter(cases)

    def index_only() -> None:
        query, filters = next(iterator)
        search.index().search(query, **filters)

    report("index search only", timed(index_only, args.queries - 5, warmup=5))
    report("browse without a query (page 1)", timed(lambda: selectors.search_items(""), 200))


if __name__ == "__main__":
    main()

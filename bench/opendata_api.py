"""Benchmark the open-data API: package_search over 10,000 datasets and datastore_search with a filter
on a 1,000,000-row resource, through Django's full request stack (middleware, key check, counting).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_opendata PENGCHENG_DATA_DIR=/tmp/od-bench \
        .venv/bin/python bench/opendata_api.py [--datasets 10000] [--rows 1000000] [--calls 300]

It migrates and fills the database on the first run (kept for later runs) and prints p50/p95/max.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pengcheng.settings")
os.environ.setdefault("PENGCHENG_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

import django
from _common import machine

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from tqdm import tqdm  # noqa: E402

from pengcheng.core.actors import SYSTEM  # noqa: E402
from pengcheng.core.models import Department  # noqa: E402
from pengcheng.core.services import create_api_key  # noqa: E402
from pengcheng.opendata import datastore, selectors  # noqa: E402
from pengcheng.opendata.models import Dataset, Resource, ResourceVersion, Tag, Theme, VersionStatus  # noqa: E402
from pengcheng.opendata.seed import ensure_themes  # noqa: E402
from pengcheng.opendata.services import delimited  # noqa: E402
from pengcheng.testing import ensure_demo_city  # noqa: E402

WORDS = [
    "停车",
    "公交",
    "学校",
    "医院",
    "公园",
    "空气",
    "水质",
    "企业",
    "人口",
    "预算",
    "养老",
    "就业",
    "住房",
    "图书馆",
    "体育",
    "旅游",
    "价格",
    "热线",
    "垃圾",
    "地名",
]


def fill_datasets(target: int) -> None:
    have = Dataset.objects.count()
    if have >= target:
        return
    rng = random.Random(1)
    departments = list(Department.objects.all())
    themes = list(Theme.objects.all())
    tags = [Tag.objects.get_or_create(name=word)[0] for word in WORDS]
    now = timezone.now()
    for start in tqdm(range(have, target, 1000), desc="datasets"):
        batch = []
        links = []
        for n in range(start, min(target, start + 1000)):
            word = rng.choice(WORDS)
            department = rng.choice(departments)
            tag, theme = rng.choice(tags), rng.choice(themes)
            links.append((tag, theme))
            batch.append(
                Dataset(
                    name=f"bench-{n:06d}",
                    title=f"{department.short_name or department.name}{word}数据 {n}",
                    notes=f"合成的{word}数据集，用于性能测试。",
                    organization=department,
                    license_id=rng.choice(["cc-by", "cc-zero", "odc-by"]),
                    frequency="MONTHLY",
                    state="active",
                    modified_at=now - dt.timedelta(minutes=n),
                    search_text=f"{department.name} {word} {tag.name} 数据 {n}".lower(),
                    formats=delimited(rng.choice([["CSV"], ["CSV", "JSON"], ["XLSX"], ["GEOJSON"]])),
                    tag_names=delimited([tag.name]),
                    group_names=delimited([theme.name]),
                )
            )
        with transaction.atomic():
            created = Dataset.objects.bulk_create(batch)
            Dataset.tags.through.objects.bulk_create(
                [
                    Dataset.tags.through(dataset_id=d.pk, tag_id=tag.pk)
                    for d, (tag, _) in zip(created, links, strict=True)
                ]
            )
            Dataset.themes.through.objects.bulk_create(
                [
                    Dataset.themes.through(dataset_id=d.pk, theme_id=theme.pk)
                    for d, (_, theme) in zip(created, links, strict=True)
                ]
            )


def big_resource(rows: int) -> Resource:
    existing = Resource.objects.filter(name="bench-million").select_related("current_version").first()
    if existing and existing.current_version and existing.current_version.rows_total == rows:
        return existing
    dataset = Dataset.objects.order_by("name").first()
    assert dataset is not None
    columns = [
        {"id": "district", "type": "text", "source": "district", "index": True},
        {"id": "station", "type": "text", "source": "station", "index": True},
        {"id": "day", "type": "date", "source": "day", "index": True},
        {"id": "aqi", "type": "int", "source": "aqi", "index": True},
        {"id": "pm25", "type": "numeric", "source": "pm25", "index": False},
    ]
    rng = random.Random(2)
    districts = ["福田区", "罗湖区", "南山区", "宝安区", "龙岗区", "盐田区", "龙华区", "坪山区", "光明区"]

    def generate():
        for n in range(rows):
            yield [
                rng.choice(districts),
                f"站点{n % 5000:04d}",
                dt.date(2015, 1, 1) + dt.timedelta(days=n % 3650),
                rng.randint(10, 200),
                round(rng.uniform(3, 90), 1),
            ]

    table = datastore.new_table_name()
    progress = tqdm(total=rows, desc="datastore rows")
    last = [0]

    def tick(count: int) -> None:
        progress.update(count - last[0])
        last[0] = count

    datastore.create_table(table, [c["type"] for c in columns])
    datastore.load(table, columns, generate(), progress=tick)
    datastore.create_indexes(table, [i for i, c in enumerate(columns) if c["index"]])
    progress.close()
    resource = Resource.objects.create(dataset=dataset, name="bench-million", format="CSV")
    version = ResourceVersion.objects.create(
        resource=resource,
        number=1,
        original_name="bench.csv",
        format="CSV",
        status=VersionStatus.LOADED,
        rows_total=rows,
        rows_loaded=rows,
        columns=columns,
        table_name=table,
        loaded_at=timezone.now(),
    )
    resource.current_version = version
    resource.save()
    return resource


def timed(client: Client, calls: list[tuple[str, dict[str, object]]], key: str) -> list[float]:
    import json

    durations = []
    for action, data in calls:
        start = time.perf_counter()
        response = client.post(
            f"/api/3/action/{action}", json.dumps(data), content_type="application/json", HTTP_AUTHORIZATION=key
        )
        durations.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:300]
    return durations


def report(name: str, durations: list[float]) -> None:
    ordered = sorted(durations)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{name}: n={len(ordered)} p50={statistics.median(ordered):.1f} ms p95={p95:.1f} ms max={ordered[-1]:.1f} ms")


def main() -> None:
    print(machine())
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    ensure_demo_city()
    ensure_themes()
    fill_datasets(args.datasets)
    resource = big_resource(args.rows) if args.rows else None
    key = create_api_key(SYSTEM, name="bench", scopes=["opendata.read"]).raw
    client = Client()
    rng = random.Random(3)
    print(f"database: {connection.vendor}; datasets: {Dataset.objects.count()}")
    timed(client, [("package_search", {"q": "停车"})] * 20, key)  # warm up
    searches = []
    for _ in range(args.calls):
        choice = rng.random()
        if choice < 0.4:
            searches.append(("package_search", {"q": rng.choice(WORDS), "rows": 10}))
        elif choice < 0.7:
            searches.append(
                (
                    "package_search",
                    {
                        "fq": f"res_format:CSV tags:{rng.choice(WORDS)}",
                        "rows": 20,
                        "facet.field": ["organization", "res_format"],
                    },
                )
            )
        else:
            searches.append(
                (
                    "package_search",
                    {
                        "q": rng.choice(WORDS),
                        "rows": 20,
                        "sort": "metadata_modified desc",
                        "facet.field": ["organization", "groups", "tags", "res_format", "license_id"],
                    },
                )
            )
    cache_size = selectors.SEARCH_CACHE.size
    selectors.SEARCH_CACHE.size = 0  # every search computed: the cost of a query not seen before
    report("package_search (q / fq / 5 facets, rows 10-20), search cache off", timed(client, searches, key))
    selectors.SEARCH_CACHE.size = cache_size
    report("package_search, the same 300 calls with the search cache on", timed(client, searches, key))
    report(
        "package_search harvester page (rows=100, sort=id asc, fq=metadata_modified)",
        timed(
            client,
            [
                (
                    "package_search",
                    {
                        "rows": 100,
                        "start": rng.randint(0, 9000),
                        "sort": "id asc",
                        "fq": "metadata_modified:[2020-01-01T00:00:00Z TO *]",
                    },
                )
                for _ in range(50)
            ],
            key,
        ),
    )
    if resource is not None:
        stores = []
        for _ in range(args.calls):
            filters = rng.choice(
                [
                    {"district": "南山区", "aqi": rng.randint(10, 200)},
                    {"station": f"站点{rng.randint(0, 4999):04d}"},
                    {"day": "2020-05-01"},
                ]
            )
            stores.append(("datastore_search", {"resource_id": str(resource.pk), "filters": filters, "limit": 100}))
        report(
            f"datastore_search with a filter, {resource.current_version.rows_total:,} rows, include_total",
            timed(client, stores, key),
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()

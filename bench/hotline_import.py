"""Bulk import of historical tickets into PostgreSQL: generate a CSV of N rows (default 1,000,000)
shaped like the Fuzhou 12345 appeals file but placed in Shenzhen, then time
``pengcheng hotline_import`` on it (progress is shown as it runs).

    python bench/hotline_import.py --rows 1000000

Uses the database ``bench_hotline_import`` on 127.0.0.1:5432 (recreated each run).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PENGCHENG = [sys.executable, "-m", "pengcheng"]
TYPES = ["投诉"] * 8 + ["咨询"] * 2 + ["建议", "举报", "求助"]
SOURCES = ["电话"] * 5 + ["网站"] * 3 + ["微信", "12345app", "短信", "邮件"]
PLACES = [
    "福田区园岭街道红荔社区",
    "南山区粤海街道科技园社区",
    "罗湖区东门街道",
    "宝安区新安街道",
    "龙岗区坂田街道",
    "龙华区民治街道",
    "盐田区沙头角街道",
    "坪山区坪山街道",
    "光明区光明街道",
]
ISSUES = ["河道发臭", "路灯不亮", "施工噪音", "垃圾清运不及时", "占道经营", "小区停车收费", "积水严重", "井盖破损"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = dt.datetime(2016, 1, 1)
    span = int((dt.datetime(2022, 12, 31) - start).total_seconds())
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "区域",
                "水体",
                "性质",
                "信息来源",
                "时间",
                "标题",
                "诉求内容",
                "答复",
                "转处理次数",
                "有效回复条数",
                "匿名",
            ]
        )
        for index in range(rows):
            place = PLACES[index % len(PLACES)]
            issue = ISSUES[(index // 7) % len(ISSUES)]
            moment = start + dt.timedelta(seconds=rng.randrange(span))
            writer.writerow(
                [
                    place,
                    "",
                    rng.choice(TYPES),
                    rng.choice(SOURCES),
                    moment.strftime("%Y-%m-%d %H:%M:%S"),
                    f"关于{place}{issue}的反映",
                    f"市民反映{place}附近{issue}，已持续多日，影响居民生活，请相关部门尽快处理。编号{index}。",
                    "您好，您的诉求已收悉，经核查已安排处理，感谢您的监督。" if index % 10 else "",
                    index % 3,
                    1,
                    index % 2,
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="bench_hotline_import")
    args = parser.parse_args()

    workdir = Path(tempfile.gettempdir()) / "hotline-import-bench"
    workdir.mkdir(exist_ok=True)
    source = workdir / f"appeals-{args.rows}.csv"
    if not source.exists():
        started = time.perf_counter()
        write_csv(source, args.rows)
        print(f"wrote {args.rows} rows ({source.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s")
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.database}",
        PENGCHENG_DATA_DIR=str(workdir / "data"),
        LOG_LEVEL="WARNING",
    )
    subprocess.run([*PENGCHENG, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*PENGCHENG, "seed_demo", "--quiet"], env=env, check=True, cwd=ROOT)
    started = time.perf_counter()
    subprocess.run(
        [*PENGCHENG, "hotline_import", str(source), "--preset", "fuzhou12345"], env=env, check=True, cwd=ROOT
    )
    elapsed = time.perf_counter() - started
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        row = conn.execute("SELECT count(*) FROM hotline_ticket WHERE import_batch_id IS NOT NULL").fetchone()
    imported = int(row[0]) if row else 0
    print(f"imported {imported} of {args.rows} rows in {elapsed:.0f} s = {imported / elapsed:.0f} rows/s")


if __name__ == "__main__":
    main()

"""Open311 POST throughput: `pengcheng serve` on PostgreSQL, loaded with wrk.

Each request is a full GeoReport v2 POST (api_key check, validation, a WGS84 point placed in its
district by point-in-polygon or an address matched by the gazetteer, routing, deadline arithmetic,
the ticket, its first timeline event and its audit record). Descriptions differ per request.

    python bench/hotline_open311_post.py --workers 4 --connections 32 --duration 30 [--batch [--worker]]

It creates (and afterwards keeps) the database ``bench_hotline`` on 127.0.0.1:5432, serves on port
8301, and prints wrk's figures and the number of tickets the database gained.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg
from _common import postgres_cpu, process_tree_cpu

ROOT = Path(__file__).resolve().parent.parent
PENGCHENG = [sys.executable, "-m", "pengcheng"]
SERVICES = [
    "0102004",
    "0102014",
    "1104003",
    "0401007",
    "0102001",
    "1103003",
]  # lights, sanitation, goods (auto-dispatched) …
POINTS = [
    (22.5410, 114.0537),
    (22.5431, 114.1190),
    (22.5330, 113.9300),
    (22.5550, 113.8830),
    (22.7200, 114.2470),
    (22.6580, 114.0280),
]
ADDRESSES = [
    "福田区园岭街道红荔社区百花二路",
    "南山区粤海街道科技园社区",
    "罗湖区东门街道",
    "宝安区新安街道",
    "龙岗区坂田街道",
    "龙华区民治街道",
]
PROBLEMS = ["路灯不亮", "井盖松动", "垃圾堆放", "积水严重", "噪音扰民", "占道经营"]


def environment(database: str, data_dir: Path) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        PENGCHENG_DATA_DIR=str(data_dir),
        PENGCHENG_SSL_REDIRECT="0",
        PENGCHENG_SECURE_COOKIES="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
    )


def prepare(database: str, env: dict[str, str], fresh: bool) -> str:
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    subprocess.run([*PENGCHENG, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*PENGCHENG, "seed_demo", "--quiet"], env=env, check=True, cwd=ROOT)
    out = subprocess.run(
        [*PENGCHENG, "create_api_key", "--name", "bench", "--scopes", "open311"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


def lua_script(key: str) -> str:
    def q(text: str) -> str:
        return urllib.parse.quote(text, safe="")

    bodies = []
    for index in range(60):
        service = SERVICES[index % len(SERVICES)]
        problem = PROBLEMS[index % len(PROBLEMS)]
        if index % 2:
            lat, lng = POINTS[index % len(POINTS)]
            place = f"lat={lat + random.uniform(-0.004, 0.004):.6f}&long={lng + random.uniform(-0.004, 0.004):.6f}"
        else:
            place = "address_string=" + q(ADDRESSES[index % len(ADDRESSES)])
        bodies.append(f"api_key={key}&service_code={service}&{place}&description={q(problem)}")
    entries = ",\n".join(f'  "{body}"' for body in bodies)
    return f"""
local bodies = {{
{entries}
}}
local counter = 0
local tid = 0
function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
end
function request()
  counter = counter + 1
  local body = bodies[(counter % #bodies) + 1] .. "%20%23" .. tid .. "-" .. counter
  return wrk.format("POST", "/open311/v2/requests.json",
    {{["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"}}, body)
end
"""


def count(database: str, table: str = "hotline_ticket") -> int:
    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{database}") as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


DRAIN = """
import time, django
django.setup()
from pengcheng.hotline.tasks import process_open311_batches
started = time.perf_counter()
done = process_open311_batches()
print(done, time.perf_counter() - started)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench_hotline")
    parser.add_argument("--port", type=int, default=8301)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    parser.add_argument(
        "--batch", action="store_true", help="make the services Open311 'batch' type (POST answers with a token)"
    )
    parser.add_argument(
        "--worker",
        action="store_true",
        help="with --batch: run `pengcheng worker` during the load and count the tickets it creates (end to end)",
    )
    args = parser.parse_args()

    data_dir = Path(tempfile.gettempdir()) / "hotline-bench"
    env = environment(args.database, data_dir)
    key = prepare(args.database, env, args.fresh)
    with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{args.database}", autocommit=True) as conn:
        kind = "batch" if args.batch else "realtime"
        conn.execute("UPDATE hotline_category SET service_type = %s WHERE code = ANY(%s)", (kind, SERVICES))
    server = subprocess.Popen(
        [
            *PENGCHENG,
            "serve",
            "--port",
            str(args.port),
            "--host",
            "127.0.0.1",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    worker = None
    if args.batch and args.worker:
        worker = subprocess.Popen(
            [*PENGCHENG, "worker", "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    try:
        url = f"http://127.0.0.1:{args.port}"
        for _ in range(120):
            try:
                with psycopg.connect(f"postgres://postgres@127.0.0.1:5432/{args.database}"):
                    pass
                import urllib.request

                urllib.request.urlopen(url + "/open311/v2/discovery.json", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        script = Path(tempfile.mkdtemp()) / "post.lua"
        script.write_text(lua_script(key), encoding="utf-8")
        # Warm-up: each worker loads its caches (categories, routing, gazetteer, district polygons).
        subprocess.run(["wrk", "-t2", "-c8", "-d5s", "-s", str(script), url], check=True, capture_output=True)
        table = "hotline_open311submission" if args.batch else "hotline_ticket"
        if worker is not None:  # let the worker take the warm-up's backlog first
            for _ in range(60):
                if count(args.database, "hotline_open311submission WHERE ticket_id IS NULL AND error = ''") == 0:
                    break
                time.sleep(1)
        before = count(args.database, table)
        tickets_before = count(args.database)
        cpu_before, pg_before = process_tree_cpu(server.pid), postgres_cpu()
        worker_before = process_tree_cpu(worker.pid) if worker is not None else 0.0
        started = time.perf_counter()
        result = subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "-s", str(script), url],
            check=True,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        cpu_used, pg_used = process_tree_cpu(server.pid) - cpu_before, postgres_cpu() - pg_before
        created = count(args.database, table) - before
        tickets = count(args.database) - tickets_before
        worker_used = process_tree_cpu(worker.pid) - worker_before if worker is not None else 0.0
        backlog = count(args.database, "hotline_open311submission WHERE ticket_id IS NULL AND error = ''")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    print(result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    print(f"workers={args.workers} threads={args.threads} connections={args.connections} duration={args.duration}s")
    what = "batch submissions taken" if args.batch else "tickets created"
    print(f"{what}: {created} in {elapsed:.1f} s = {created / elapsed:.0f}/s")
    print(f"non-2xx responses: {errors.group(1) if errors else 0}")
    if created:
        print(
            f"CPU per POST: server {cpu_used / created * 1000:.2f} ms, PostgreSQL {pg_used / created * 1000:.2f} ms "
            f"(from /proc; load average now {os.getloadavg()[0]:.1f})"
        )
    if worker is not None:
        print(
            f"with the job worker running: {tickets} tickets created in {elapsed:.1f} s = {tickets / elapsed:.0f} "
            f"tickets/s end to end; backlog at the end {backlog}; "
            f"worker CPU {worker_used / max(tickets, 1) * 1000:.2f} ms per ticket"
        )
        return
    if args.batch:
        env["DJANGO_SETTINGS_MODULE"] = "pengcheng.settings"
        drained = subprocess.run(
            [sys.executable, "-c", DRAIN], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.split()
        done, seconds = int(drained[-2]), float(drained[-1])
        print(f"batch job: {done} tickets created in {seconds:.1f} s = {done / seconds:.0f} tickets/s")


if __name__ == "__main__":
    main()

"""How long `pengcheng seed_demo --scale N` takes on SQLite and on PostgreSQL (fresh databases).

python bench/platform_seed.py [--scale 100] [--postgres postgres://postgres@127.0.0.1:5432/bench_seed]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import fresh_env, machine, pengcheng, recreate_postgres_database


def run(label: str, env: dict[str, str], scale: int) -> None:
    pengcheng("migrate", "-v0", env=env)
    started = time.perf_counter()
    result = pengcheng("seed_demo", "--scale", str(scale), "--quiet", env=env)
    elapsed = time.perf_counter() - started
    summary = [line for line in result.stdout.splitlines() if line.startswith("population")]
    print(f"{label:<11} scale {scale}: {elapsed:6.1f} s   {summary[0] if summary else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/bench_seed")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print(machine())
    run("SQLite", fresh_env(Path("/tmp/pengcheng-bench-seed"), None), args.scale)
    if not args.skip_postgres:
        recreate_postgres_database(args.postgres)
        run("PostgreSQL", fresh_env(Path("/tmp/pengcheng-bench-seed-pg"), args.postgres), args.scale)


if __name__ == "__main__":
    main()

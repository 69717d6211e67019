"""Requests per second of /healthz and a logged-in console page under the production server.

Starts `pengcheng serve` on a seeded database and loads it with wrk (Debian package `wrk`) from the same
machine, so the load generator takes part of the CPU too.

    python bench/platform_http.py [--workers 4] [--threads 4] [--postgres URL] [--duration 15]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import requests
from _common import PYTHON, fresh_env, machine, pengcheng, recreate_postgres_database, wait_for_port


def wrk(url: str, duration: int, connections: int, cookie: str | None = None) -> tuple[float, str]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} error responses\n{output}")
    return rate, p99.group(1) if p99 else "?"


def login_cookie(base: str, username: str, password: str) -> str:
    session = requests.Session()
    session.get(f"{base}/accounts/login/")
    token = session.cookies["csrftoken"]
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    response.raise_for_status()
    if "sessionid" not in session.cookies:
        raise SystemExit("login failed")
    return f"sessionid={session.cookies['sessionid']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", default=None, help="e.g. postgres://postgres@127.0.0.1:5432/bench_http")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    env = fresh_env(Path("/tmp/pengcheng-bench-http"), args.postgres)
    if args.postgres:
        recreate_postgres_database(args.postgres)
    # Plain HTTP on localhost: no HTTPS redirect or secure-only cookies.
    env.update(PENGCHENG_SSL_REDIRECT="0", PENGCHENG_SECURE_COOKIES="0", ALLOWED_HOSTS="127.0.0.1,localhost")
    pengcheng("migrate", "-v0", env=env)
    pengcheng("seed_demo", "--quiet", env=env)
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "pengcheng",
            "serve",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--host",
            "127.0.0.1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(args.port)
        base = f"http://127.0.0.1:{args.port}"
        cookie = login_cookie(base, "clerk", "pengcheng-demo")
        assert requests.get(f"{base}/console/", headers={"Cookie": cookie}, allow_redirects=False).status_code == 200
        wrk(f"{base}/healthz", 3, args.connections)  # warm-up
        print(machine())
        database = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"server: pengcheng serve --workers {args.workers} --threads {args.threads}; {database}; "
            f"wrk -t2 -c{args.connections} -d{args.duration}s on the same machine"
        )
        for label, path, session in (("/healthz", "/healthz", None), ("/console/ (clerk)", "/console/", cookie)):
            rate, p99 = wrk(f"{base}{path}", args.duration, args.connections, session)
            print(f"{label:<20} {rate:8.0f} requests/s   p99 {p99}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

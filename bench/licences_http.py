"""Benchmark: the HTTP verification endpoint under ``pengcheng serve``.

    PENGCHENG_DATA_DIR=/tmp/bench-licences .venv/bin/python bench/licences_http.py \
        [--port 8501] [--workers 4] [--clients 8] [--seconds 10]

Starts ``pengcheng serve`` on 127.0.0.1 with the scratch database (seeded by licences_verify.py or
here), then ``clients`` processes POST credentials to /api/v1/licences/verify for ``seconds`` seconds.
The load generator runs on the same two cores as the server, so the figure is a lower bound. Every
verification also writes a use record for the holder.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("PENGCHENG_DATA_DIR", "/tmp/bench-licences")


def prepare() -> list[str]:
    code = (
        "import django, os, json; os.environ.setdefault('DJANGO_SETTINGS_MODULE','pengcheng.settings'); django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from pengcheng.licences.models import Licence;"
        "from pengcheng.seeding import SeedContext, seed_demo;"
        "Licence.objects.count() >= 50 or seed_demo(SeedContext(scale=1, quiet=True));"
        "from django.utils import timezone;"
        "live = Licence.objects.filter(state='active').exclude(valid_until__lt=timezone.now());"
        "print(json.dumps([licence.credential for licence in live[:100]]))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def client(port: int, tokens: list[str], seconds: float, results: multiprocessing.Queue) -> None:
    done = errors = 0
    deadline = time.monotonic() + seconds
    bodies = [json.dumps({"credential": t, "purpose": "bench"}) for t in tokens]
    index = 0
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request(
                "POST",
                "/api/v1/licences/verify",
                bodies[index % len(bodies)],
                {"Content-Type": "application/json", "Host": "localhost"},
            )
            response = connection.getresponse()
            payload = response.read()
            if response.status == 200 and b'"valid"' in payload:
                done += 1
            else:
                errors += 1
        except OSError:
            errors += 1
        finally:
            connection.close()
        index += 1
    results.put((done, errors))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    tokens = prepare()
    env = {**os.environ, "PENGCHENG_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "localhost,127.0.0.1", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "pengcheng"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(60):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                connection.request("GET", "/healthz", headers={"Host": "localhost"})
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("the server did not start")
        results: multiprocessing.Queue = multiprocessing.Queue()
        warm = multiprocessing.Process(target=client, args=(args.port, tokens, 2.0, results))
        warm.start()
        warm.join()
        results.get()
        processes = [
            multiprocessing.Process(target=client, args=(args.port, tokens, args.seconds, results))
            for _ in range(args.clients)
        ]
        started = time.monotonic()
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        elapsed = time.monotonic() - started
        done = errors = 0
        for _ in processes:
            ok, bad = results.get()
            done, errors = done + ok, errors + bad
        print(
            f"POST /api/v1/licences/verify: {done / elapsed:,.0f} verifications/s "
            f"({done:,} valid, {errors} errors, {args.clients} clients, {args.workers} workers, {elapsed:.1f} s)"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

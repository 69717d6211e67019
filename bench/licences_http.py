"""Benchmark: the HTTP verification endpoint under ``pengcheng serve``.

    PENGCHENG_DATA_DIR=/tmp/bench-licences .venv/bin/python bench/licences_http.py \
        [--port 8501] [--workers 4] [--clients 8] [--seconds 10]

Starts ``pengcheng serve`` on 127.0.0.1 with the scratch database (seeded by licences_verify.py or
here), then POSTs credentials to /api/v1/licences/verify for ``seconds`` seconds with ``wrk`` when it
is installed (``apt-get install wrk``), else with ``clients`` Python processes. The load generator
shares the machine's cores with the server, so the throughput is a lower bound; the script also
prints the server's own CPU time per verification, and the capacity that implies for two cores. Every
verification writes a use record for the holder.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
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


def server_cpu_seconds(root_pid: int) -> float:
    """User + system CPU time of the server's master and workers (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def run_wrk(port: int, tokens: list[str], seconds: float, connections: int) -> tuple[int, int, float]:
    bodies = ",".join(json.dumps(json.dumps({"credential": t, "purpose": "bench"})) for t in tokens)
    script = f"""
bodies = {{{bodies}}}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/api/v1/licences/verify",
    {{["Content-Type"] = "application/json", ["Host"] = "localhost"}}, bodies[(counter % #bodies) + 1])
end
valid = 0
response = function(status, headers, body)
  if status == 200 and string.find(body, '"valid"', 1, true) then valid = valid + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("WRK %d %d %d\\n", summary.requests, summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout, latency:percentile(95)))
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "-s", handle.name, f"http://127.0.0.1:{port}/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(handle.name)
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    requests, errors, p95 = (int(x) for x in line.split()[1:])
    return requests - errors, errors, p95 / 1000


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
        cpu_before = server_cpu_seconds(server.pid)
        started = time.monotonic()
        p95 = None
        if shutil.which("wrk"):
            tool = f"wrk, {args.clients} connections"
            done, errors, p95 = run_wrk(args.port, tokens, args.seconds, args.clients)
        else:
            tool = f"{args.clients} Python clients"
            processes = [
                multiprocessing.Process(target=client, args=(args.port, tokens, args.seconds, results))
                for _ in range(args.clients)
            ]
            for process in processes:
                process.start()
            for process in processes:
                process.join()
            done = errors = 0
            for _ in processes:
                ok, bad = results.get()
                done, errors = done + ok, errors + bad
        elapsed = time.monotonic() - started
        cpu = server_cpu_seconds(server.pid) - cpu_before
        print(
            f"POST /api/v1/licences/verify: {done / elapsed:,.0f} verifications/s "
            f"({done:,} valid, {errors} errors; {tool}; {args.workers} workers; {elapsed:.1f} s"
            + (f"; p95 {p95:.0f} ms)" if p95 is not None else ")")
        )
        if done:
            per = cpu / done * 1000
            print(
                f"server CPU per verification: {per:.2f} ms -> capacity of two fully available cores: "
                f"{2000 / per:,.0f} verifications/s"
            )
        print(f"load average during the run: {os.getloadavg()[0]:.1f}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

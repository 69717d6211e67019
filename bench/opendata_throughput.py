"""Throughput of key-authenticated, counted CKAN read calls against the production server.

Starts ``pengcheng serve`` (gunicorn, 2 workers by default) on 127.0.0.1, drives it with ``wrk``
(Debian package ``wrk``) for a fixed time with a rotating mix of package_show, datastore_search and
package_search calls that all carry one API key, then stops the server (its workers flush their
batched counts on exit) and compares the calls the database counted for the key with the number wrk
completed. Uses the database the environment points at (DATABASE_URL); run ``bench/opendata_api.py``
first, or the demo seed, so there are datasets to read.

    DATABASE_URL=... PENGCHENG_DATA_DIR=/tmp/od-bench .venv/bin/python bench/opendata_throughput.py \
        [--port 8401] [--workers 2] [--seconds 20] [--connections 16]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pengcheng.settings")
os.environ.setdefault("PENGCHENG_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")

import django
from _common import machine

django.setup()

from django.db.models import Sum  # noqa: E402

from pengcheng.core.actors import SYSTEM  # noqa: E402
from pengcheng.core.services import create_api_key  # noqa: E402
from pengcheng.opendata.models import Dataset, KeyQuota, Resource, UsageCount  # noqa: E402

LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Authorization"] = "%s"})
end
"""


def main() -> None:
    print(machine())
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    names = list(
        Dataset.objects.filter(state="active", private=False).order_by("name").values_list("name", flat=True)[:50]
    )
    resources = list(
        Resource.objects.filter(dataset__state="active", dataset__private=False)
        .exclude(current_version=None)
        .values_list("pk", flat=True)[:10]
    )
    if not names:
        sys.exit("no published datasets: run bench/opendata_api.py or the demo seed first")
    issued = create_api_key(SYSTEM, name="throughput bench", scopes=["opendata.read"])
    KeyQuota.objects.create(api_key=issued.key, daily_limit=100_000_000)
    paths = [f"/api/3/action/package_show?id={name}" for name in names]
    paths += [f"/api/3/action/datastore_search?resource_id={pk}&limit=5" for pk in resources]
    paths += ["/api/3/action/package_search?q=%E5%81%9C%E8%BD%A6&rows=5"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, prefix="opendata-bench-") as script:
        script.write(LUA % (", ".join(f'"{path}"' for path in paths), issued.raw))

    log_path = Path(os.environ.get("PENGCHENG_DATA_DIR", tempfile.gettempdir())) / "opendata-throughput-server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pengcheng",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
        ],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/3/action/status_show", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            sys.exit("the server did not start")
        subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", "-d2s", "-s", script.name, base], capture_output=True, check=True
        )
        before = UsageCount.objects.filter(api_key_id=issued.key.pk).aggregate(n=Sum("calls"))["n"] or 0
        output = subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-s", script.name, base],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # The same server's /healthz (one trivial query) as a yardstick: on a busy machine the ratio
        # between the two says more than either figure alone.
        healthz = subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", f"{base}/healthz"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        os.unlink(script.name)
    print(output)
    completed = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    counted = (UsageCount.objects.filter(api_key_id=issued.key.pk).aggregate(n=Sum("calls"))["n"] or 0) - before
    failed = errors.group(1) if errors else 0
    if failed:
        print(f"server log: {log_path}")
    print(f"{rate:.0f} calls/s with {args.workers} worker(s), {args.connections} connections; errors: {failed}")
    print(f"completed {completed}, counted for the key {counted} (includes calls still in flight when wrk stopped)")
    yardstick = float(re.search(r"Requests/sec:\s+([\d.]+)", healthz).group(1))  # type: ignore[union-attr]
    print(f"/healthz on the same server: {yardstick:.0f} req/s; the API mix runs at {rate / yardstick:.0%} of it")
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

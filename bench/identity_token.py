"""Token endpoint throughput (authorization-code exchange) and ID-token verification time.

1. Prepares a database with one confidential client, one citizen and N authorization codes (each
   with its own PKCE S256 challenge and nonce), as the authorization endpoint would have left them.
2. Starts the production server (`pengcheng serve`) and drives POST /oauth/token/ with wrk: every
   request exchanges a different code (client_secret_basic, code_verifier, redirect_uri), so each
   one does the full work: client authentication, PKCE check, grant lookup and deletion, access,
   refresh and ID token creation, RS256 signing, pairwise subject, audit record.
3. Verifies one of the issued ID tokens against the JWKS fetched once (cached), many times over,
   with joserfc (signature, iss, aud, exp, nonce), and reports the time per verification.

    python bench/identity_token.py [--workers 2] [--codes 20000] [--duration 10] [--postgres URL]

wrk runs on the same machine and takes part of the CPU.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine, postgres_cpu, process_tree_cpu, recreate_postgres_database, wait_for_port

PORT = 8101
REDIRECT = "https://rp.bench.example.cn/callback"

LUA = r"""
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
local threads, counter = {}, 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  index = id + 1
  step = tonumber(os.getenv("BENCH_THREADS"))
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
end
function request()
  local body = bodies[index]
  index = index + step
  if body == nil then body = "grant_type=authorization_code&code=exhausted" end
  return wrk.format(nil, "/oauth/token/", nil, body)
end
"""


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def prepare(codes: int) -> tuple[str, str, list[tuple[str, str, str]]]:
    """Client, citizen and grants, written straight to the database.
    Returns (client_id, secret, [(code, verifier, nonce)])."""
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from oauth2_provider.models import Grant

    from pengcheng.core.actors import SYSTEM
    from pengcheng.core.models import User
    from pengcheng.identity.services import register_client

    call_command("migrate", interactive=False, verbosity=0)
    user = User.objects.create_user("bench-citizen", password="not-used-here", full_name="压测居民")
    issued = register_client(
        SYSTEM,
        name="Bench system",
        redirect_uris=[REDIRECT],
        allowed_scopes=["openid", "profile", "pengcheng:realname"],
    )
    rows, grants = [], []
    expires = timezone.now() + timedelta(hours=1)
    for _ in range(codes):
        code, verifier, nonce = secrets.token_urlsafe(30), secrets.token_urlsafe(48), secrets.token_urlsafe(12)
        rows.append((code, verifier, nonce))
        grants.append(
            Grant(
                application=issued.client,
                user=user,
                code=code,
                expires=expires,
                redirect_uri=REDIRECT,
                scope="openid profile pengcheng:realname",
                code_challenge=s256(verifier),
                code_challenge_method="S256",
                nonce=nonce,
                claims="{}",
            )
        )
    Grant.objects.bulk_create(grants, batch_size=5000)
    from django.db import connections

    connections.close_all()
    return issued.client.client_id, issued.secret, rows


def verification_time(base: str, client_id: str, secret: str, row: tuple[str, str, str], rounds: int) -> list[float]:
    import requests
    from joserfc import jwt
    from joserfc.jwk import KeySet

    code, verifier, nonce = row
    token = requests.post(
        f"{base}/oauth/token/",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier},
        auth=(client_id, secret),
        timeout=10,
    ).json()
    keys = KeySet.import_key_set(requests.get(f"{base}/.well-known/jwks.json", timeout=10).json())  # cached once
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": base},
        aud={"essential": True, "value": client_id},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    )
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
        registry.validate(decoded.claims)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (1: sync workers)")
    parser.add_argument("--codes", type=int, default=20000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--postgres", default=None, help="e.g. postgres://postgres@127.0.0.1:5432/bench_identity")
    parser.add_argument("--rounds", type=int, default=5000, help="ID-token verifications to time")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")

    data_dir = Path(tempfile.mkdtemp(prefix="pengcheng-bench-identity-"))
    os.environ.update(
        {
            "PENGCHENG_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "pengcheng.settings",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PENGCHENG_SSL_REDIRECT": "0",
            "PENGCHENG_SECURE_COOKIES": "0",
            "PENGCHENG_OIDC_ISSUER": f"http://127.0.0.1:{PORT}",
        }
    )
    database = "SQLite"
    if args.postgres:
        recreate_postgres_database(args.postgres)
        os.environ["DATABASE_URL"] = args.postgres
        database = "PostgreSQL"
    print(f"machine: {machine()}")
    print(
        f"database: {database}; server: pengcheng serve --workers {args.workers} --threads {args.threads}; "
        f"wrk -t2 -c{args.connections}"
    )
    start = time.monotonic()
    client_id, secret, rows = prepare(args.codes)
    print(f"prepared {len(rows)} authorization codes in {time.monotonic() - start:.1f} s")

    def write_bodies(path: Path, part: list[tuple[str, str, str]]) -> Path:
        path.write_text(
            "".join(
                f"grant_type=authorization_code&code={code}&redirect_uri={REDIRECT}&code_verifier={verifier}\n"
                for code, verifier, _nonce in part
            )
        )
        return path

    # A short warm-up (each worker imports and loads what its first requests need) uses codes of
    # its own; the last code is kept back for the ID-token verification below.
    warm = max(1, min(400, len(rows) // 10))
    warm_bodies = write_bodies(data_dir / "warm.txt", rows[:warm])
    bodies = write_bodies(data_dir / "bodies.txt", rows[warm:-1])
    script = data_dir / "token.lua"
    script.write_text(LUA)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pengcheng",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(PORT),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_port(PORT)
        auth = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        env = dict(os.environ, BENCH_BODIES=str(warm_bodies), BENCH_THREADS="2", BENCH_AUTH=auth)
        subprocess.run(
            ["wrk", "-t2", f"-c{args.connections}", "-d2s", "-s", str(script), f"http://127.0.0.1:{PORT}"],
            env=env,
            capture_output=True,
            check=True,
        )
        env["BENCH_BODIES"] = str(bodies)
        cpu_before, pg_before = process_tree_cpu(server.pid), postgres_cpu()
        output = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--latency",
                "-s",
                str(script),
                f"http://127.0.0.1:{PORT}",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        cpu_used, pg_used = process_tree_cpu(server.pid) - cpu_before, postgres_cpu() - pg_before
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
        total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        p50 = re.search(r"50%\s+(\S+)", output)
        p99 = re.search(r"99%\s+(\S+)", output)
        print(
            f"token endpoint (code exchange): {rate:.0f} requests/s over {args.duration} s, {total} requests, "
            f"latency p50 {p50.group(1) if p50 else '?'} p99 {p99.group(1) if p99 else '?'}, "
            f"errors {errors.group(1) if errors else 0}"
        )
        if errors:
            print("  (errors: codes ran out or requests failed; raise --codes)")
        per_request = cpu_used / total * 1000
        print(
            f"server CPU per exchange: {per_request:.2f} ms (gunicorn workers, measured from /proc), so "
            f"{os.cpu_count()} idle cores could serve about {os.cpu_count() * 1000 / per_request:.0f} exchanges/s "
            f"(load average now {os.getloadavg()[0]:.1f})"
        )
        if args.postgres:
            print(f"PostgreSQL CPU per exchange: {pg_used / total * 1000:.2f} ms (its server processes, from /proc)")

        timings = verification_time(f"http://127.0.0.1:{PORT}", client_id, secret, rows[-1], args.rounds)
        timings.sort()
        print(
            f"ID-token verification against cached JWKS (joserfc, RS256 + claims): "
            f"mean {statistics.mean(timings):.3f} ms, p50 {timings[len(timings) // 2]:.3f} ms, "
            f"p99 {timings[int(len(timings) * 0.99)]:.3f} ms over {len(timings)} rounds"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

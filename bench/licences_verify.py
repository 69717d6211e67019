"""Benchmark: in-process credential verification with cached keys and status lists.

    PENGCHENG_DATA_DIR=/tmp/bench-licences .venv/bin/python bench/licences_verify.py [--seconds 5]

Seeds the demo city's licences into a scratch SQLite database if needed, then verifies vc+jwt
credentials and SD-JWT presentations in one process (one core) and prints verifications per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PENGCHENG_DATA_DIR", "/tmp/bench-licences")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pengcheng.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from pengcheng.licences import credentials, services  # noqa: E402
from pengcheng.licences.models import Licence  # noqa: E402
from pengcheng.licences.verifier import Outcome, TrustBundle, Verifier  # noqa: E402
from pengcheng.seeding import SeedContext, seed_demo  # noqa: E402


def run(label: str, verify, tokens: list[str], seconds: float) -> None:
    for token in tokens:  # warm the key and status caches
        assert verify(token).outcome == Outcome.VALID
    count, started = 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for token in tokens:
            verify(token)
        count += len(tokens)
    elapsed = time.perf_counter() - started
    print(f"{label:<58} {count / elapsed:>9,.0f} /s  ({count:,} in {elapsed:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if Licence.objects.count() < 50:
        seed_demo(SeedContext(scale=1, quiet=True))
    in_force = Licence.objects.filter(state="active").exclude(valid_until__lt=timezone.now())
    licences = list(in_force.order_by("issued_at")[:200])
    full = [licence.credential for licence in licences]
    shown = [credentials.present(licence.sd_credential, ["holderName", "licenceNumber"]) for licence in licences]
    print(f"{len(licences)} licences; one process; cached keys and status lists")
    run("vc+jwt, platform verifier (database-backed caches)", services.platform_verifier.verify, full, args.seconds)
    run("vc+sd-jwt presentation (2 of ~15 claims disclosed)", services.platform_verifier.verify, shown, args.seconds)
    import json

    from pengcheng.licences.selectors import trust_bundle

    bundle = TrustBundle.from_json(json.dumps(trust_bundle()))
    offline = Verifier(bundle.key, bundle.status_list, issuer_names=bundle.issuer_name)
    run("vc+jwt, offline verifier (trust bundle only)", offline.verify, full, args.seconds)


if __name__ == "__main__":
    main()

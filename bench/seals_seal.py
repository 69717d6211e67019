"""Benchmark: sealing a one-page PDF (visible seal + PAdES signature through pyHanko).

    PENGCHENG_DATA_DIR=/tmp/bench-licences .venv/bin/python bench/seals_seal.py [--count 200]

Prints p50, p95 and max over ``count`` sealings of a one-page approval letter, including recording the
use in the seal registry, and the time to validate one sealed file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PENGCHENG_DATA_DIR", "/tmp/bench-licences")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pengcheng.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from pengcheng.core.actors import SYSTEM  # noqa: E402
from pengcheng.core.models import Department  # noqa: E402
from pengcheng.seals import pdf, services  # noqa: E402
from pengcheng.seeding import SeedContext, seed_demo  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Department.objects.filter(code="440300-SCJGJ").exists():
        seed_demo(SeedContext(scale=0, quiet=True))
    seal = services.seal_for(Department.objects.get(code="440300-SCJGJ"))
    started = time.perf_counter()
    letter = pdf.letter(
        "准予行政许可决定书",
        "深圳市市场监督管理局",
        ["经审查，你单位提出的食品经营许可申请符合法定条件，根据《中华人民共和国行政许可法》，决定准予行政许可。"] * 3,
        reference="深市监许〔2026〕1号",
        date_line="2026年11月26日",
    )
    print(
        f"rendering the one-page letter (CJK font embedded): {(time.perf_counter() - started) * 1000:.0f} ms, "
        f"{len(letter):,} bytes"
    )
    services.seal_pdf(SYSTEM, seal, letter, document_name="warm-up.pdf")
    timings = []
    for index in range(args.count):
        started = time.perf_counter()
        sealed = services.seal_pdf(SYSTEM, seal, letter, document_name=f"letter-{index}.pdf", purpose="bench")
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"sealing a one-page PDF, {args.count} runs: p50 {statistics.median(timings):.0f} ms, "
        f"p95 {p95:.0f} ms, max {timings[-1]:.0f} ms"
    )
    started = time.perf_counter()
    report = services.validate_pdf(sealed)
    print(f"validating the sealed PDF with pyHanko: {(time.perf_counter() - started) * 1000:.0f} ms, ok={report.ok}")


if __name__ == "__main__":
    main()

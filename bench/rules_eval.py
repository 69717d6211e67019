# ruff: noqa: E501 - synthetic rows read better on one line each
"""Evaluating a compiled rule set in-process: p50/p95/p99 of ``rules.engine.evaluate`` for the demo
rule sets (高龄津贴: 4 rules; 人才补贴: 5 rules with date parsing), each input a fresh context, programs
compiled once and cached. No database.

    .venv/bin/python bench/rules_eval.py [--n 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import statistics
import sys
import time

from _common import ROOT, machine

sys.path.insert(0, str(ROOT))


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return (
        f"n={len(ordered)} p50={statistics.median(ordered):.3f} ms p95={pick(0.95):.3f} ms "
        f"p99={pick(0.99):.3f} ms max={ordered[-1]:.3f} ms"
    )


def main() -> None:
    """Wall-clock and thread CPU time per evaluation."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    print(machine())
    import os
    import tempfile

    os.environ.setdefault("PENGCHENG_DATA_DIR", tempfile.mkdtemp(prefix="pengcheng-bench-rules-eval-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pengcheng.settings")
    import django

    django.setup()  # the demo rule sets name their outcomes with the models' choices; no database is used
    from pengcheng.rules import demo, engine

    rng = random.Random(5)
    for spec in demo.RULE_SETS[:4]:
        rules = [engine.RuleSpec(*row) for row in spec.rules]
        for rule in rules:
            engine.compile_expression(rule.expression)  # compile once (as a process does on first use)
        contexts = []
        for _ in range(args.n):
            birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 30000))
            contexts.append(
                {
                    "form": {
                        "education": rng.choice(["bachelor", "master", "doctor", "none"]),
                        "graduation_date": f"{rng.randrange(2018, 2027)}-07-01",
                        "employer": rng.choice(["", "深圳市鹏城示范科技有限公司"]),
                    },
                    "registry": {"population": {"birth_date": birth, "household_division": rng.choice(["440304001001", "110105000000"]), "name": "x"}},
                    "licences": {"SZ-JZZ": {"number": "1"}} if rng.random() < 0.7 else {},
                    "today": dt.date(2026, 11, 27),
                }
            )  # fmt: skip
        outcomes: dict[str, int] = {}
        samples = []
        cpu = []
        gc.collect()
        for context in contexts:
            start, start_cpu = time.perf_counter(), time.thread_time()
            evaluation = engine.evaluate(rules, context)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            samples.append((time.perf_counter() - start) * 1000)
            outcomes[str(evaluation.outcome)] = outcomes.get(str(evaluation.outcome), 0) + 1
        print(f"{spec.catalog} ({len(rules)} rules) wall: {percentiles(samples)} outcomes={outcomes}", flush=True)
        # On a shared machine the wall clock includes time the thread waited for a core; CPU time does not.
        print(f"{spec.catalog} ({len(rules)} rules) CPU:  {percentiles(cpu)}", flush=True)


if __name__ == "__main__":
    main()

"""The demo seed: synthetic, deterministic data for a demo city.

Each app may provide ``<app>/seed.py`` with ``seed_demo(ctx: SeedContext) -> None``; the seeders run
in the order of ``PENGCHENG_APPS``. A seeder must be idempotent: running it again with the same or a
larger scale only adds what is missing, and the same scale always yields the same data.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Protocol, TypeVar

from django.conf import settings
from tqdm import tqdm

T = TypeVar("T")

DEMO_PASSWORD = "pengcheng-demo"
SEED = 20221125  # the seed report's date; any fixed number would do


class Output(Protocol):
    def write(self, text: str, /) -> Any: ...

    def flush(self) -> Any: ...


@dataclass
class SeedContext:
    scale: int = 1
    out: Output = field(default_factory=lambda: sys.stdout)
    quiet: bool = False
    # Demo accounts that the seeders created, for ``pengcheng demo`` to print.
    accounts: list[tuple[str, str]] = field(default_factory=list)
    # Anything else a demo user must know (e.g. how the demo accounts sign in), printed by ``pengcheng demo``.
    notes: list[str] = field(default_factory=list)

    def rng(self, name: str) -> random.Random:
        """A generator of its own per purpose, so adding a seeder does not shift the others' data."""
        return random.Random(f"{SEED}:{name}")

    def say(self, message: str) -> None:
        if not self.quiet:
            self.out.write(message + "\n")
            self.out.flush()

    def progress(self, items: Iterable[T], total: int, description: str) -> Iterator[T]:
        return iter(
            tqdm(
                items,
                total=total,
                desc=description,
                unit="",
                file=self.out,
                disable=self.quiet,
                dynamic_ncols=True,
                mininterval=0.5,
            )
        )


def seeders() -> list[Any]:
    found = []
    for app in settings.PENGCHENG_APPS:
        try:
            module = import_module(f"{app}.seed")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.seed":
                raise
            continue
        found.append(module)
    return found


def seed_demo(ctx: SeedContext) -> SeedContext:
    for module in seeders():
        module.seed_demo(ctx)
    return ctx

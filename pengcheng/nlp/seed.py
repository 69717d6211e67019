"""Demo seed: train the first classifier version on the demo tickets and make it active."""

from __future__ import annotations

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import DomainError
from pengcheng.nlp import services
from pengcheng.nlp.models import ModelVersion
from pengcheng.nlp.pipeline import Options
from pengcheng.seeding import SeedContext

# The demo has a few hundred tickets; a smaller representation keeps the seed fast.
DEMO_OPTIONS = Options(lsa_dims=64)


def seed_demo(ctx: SeedContext) -> None:
    if ModelVersion.objects.exists():
        return
    try:
        version = services.train_candidate(SYSTEM, options=DEMO_OPTIONS, note="demo seed")
    except DomainError as exc:
        ctx.say(f"nlp: no model trained ({exc.message})")
        return
    services.promote_if_no_worse(SYSTEM, version)
    scores = ", ".join(f"{head} {m['macro_f1']:.2f}" for head, m in version.metrics.items())
    ctx.say(f"nlp: classifier v{version.version} trained on {version.training_size} demo tickets ({scores})")

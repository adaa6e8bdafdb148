"""Running the demo steps: in one transaction, with the demo password hashed once."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from django.contrib.auth.hashers import make_password
from django.db import transaction

from garrison.core.demo.catalogue import DEMO_PASSWORD
from garrison.core.demo.registry import DemoContext, DemoStep, discover_steps
from garrison.core.models import OrgUnit

StepReport = Callable[[DemoStep, float], None]


def organisation_exists() -> bool:
    return OrgUnit.objects.exists()


def seed_demo_data(
    *, scale: int, seed: int, on_step: StepReport | None = None, only: Collection[str] | None = None
) -> DemoContext:
    """Run every registered step (or the steps named in `only`); all of it lands, or none of it does.

    Hashing is deliberately slow (argon2), and everyone shares the demo password,
    so it is hashed once here and the hash is given to every demo account.
    """
    context = DemoContext(scale=scale, seed=seed, password_hash=make_password(DEMO_PASSWORD))
    with transaction.atomic():
        for step in discover_steps():
            if only is not None and step.name not in only:
                continue
            started = time.perf_counter()
            step.run(context)
            if on_step is not None:
                on_step(step, time.perf_counter() - started)
    return context

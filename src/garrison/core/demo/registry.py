"""The steps `garrison seed-demo` runs, in order; each app adds its own.

An app contributes demo data with a `demo` module (``garrison/<app>/demo.py``)
that registers a step::

    @register_step("risks", order=300)
    def seed_risks(context: DemoContext) -> None: ...

`seed-demo` imports every installed app's `demo` module and runs the steps by
`order` (then name) inside one transaction. The core's organisation step has
order 100, so domain steps take 200 and up and find the units and people it made
in `context.units` and `context.people`. A step draws its random choices from
`context.random(<its name>)`, so adding a step never changes what another makes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from garrison.core.models import OrgUnit, Person

StepFunction = Callable[["DemoContext"], None]

ACTOR_LABEL = "seed-demo"


def seeded_random(seed: int, stream: str) -> random.Random:
    """A generator private to one step: the same seed and stream give the same draws."""
    return random.Random(f"garrison-demo/{seed}/{stream}")  # noqa: S311 - reproducible demo data, not secrets


@dataclass
class DemoContext:
    """What the steps share: the scale and seed, and what earlier steps made."""

    scale: int
    seed: int
    password_hash: str
    actor: str = ACTOR_LABEL
    root_code: str = ""
    units: dict[str, OrgUnit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def random(self, stream: str) -> random.Random:
        return seeded_random(self.seed, stream)

    def count(self, what: str, number: int) -> None:
        """Note how many of something a step made, for the closing summary."""
        self.counts[what] = self.counts.get(what, 0) + number


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    run: StepFunction


_steps: dict[str, DemoStep] = {}


def register_step(name: str, *, order: int) -> Callable[[StepFunction], StepFunction]:
    """Decorator adding a step; registering the same function again is harmless."""

    def decorate(function: StepFunction) -> StepFunction:
        existing = _steps.get(name)
        if existing is not None and existing.run is not function:
            raise ValueError(f"A demo step named {name!r} is already registered")
        _steps[name] = DemoStep(name=name, order=order, run=function)
        return function

    return decorate


def registered_steps() -> list[DemoStep]:
    return sorted(_steps.values(), key=lambda step: (step.order, step.name))


def discover_steps() -> list[DemoStep]:
    """Import every installed app's `demo` module, then list the steps in running order."""
    from django.utils.module_loading import autodiscover_modules

    # The core keeps its step inside this package, whose __init__ stays free of
    # Django imports so the pure generator modules load without a configured project.
    import_module("garrison.core.demo.organisation")
    autodiscover_modules("demo")
    return registered_steps()

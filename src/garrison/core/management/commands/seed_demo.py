"""`garrison seed-demo [--scale N] [--seed S] [--if-empty]`: the demo organisation."""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from garrison.core.demo.catalogue import DEMO_PASSWORD, FIXED_ACCOUNTS
from garrison.core.demo.registry import DemoStep
from garrison.core.demo.runner import organisation_exists, seed_demo_data
from garrison.core.models import Person
from garrison.core.models.roles import ROLE_LABELS
from garrison.core.roles import MFA_REQUIRED_ROLES, Role

DEFAULT_SEED = 1
MAXIMUM_SCALE = 1000


def scale_argument(value: str) -> int:
    try:
        scale = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("a whole number is needed")) from None
    if not 1 <= scale <= MAXIMUM_SCALE:
        raise argparse.ArgumentTypeError(
            _("the scale goes from 1 to %(maximum)d") % {"maximum": MAXIMUM_SCALE}
        )
    return scale


class Command(BaseCommand):
    help = (
        "Build the deterministic demo organisation of a cloud and data-center operator "
        "(and the demo data other apps add). The same seed and scale always give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=scale_argument,
            default=1,
            help="Multiply volumes for load tests: about 230 people at 1, about 19,000 at 100.",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Seed of the generated names.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when an organisation already exists (for repeated start-ups).",
        )

    def handle(self, *args: Any, scale: int, seed: int, if_empty: bool, **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))
        if organisation_exists():
            if if_empty:
                self.stdout.write(_("An organisation already exists; the demo data was not added."))
                # `make run` starts here every time after the first: remind of the demo logins
                # while the demo accounts are still there.
                if Person.objects.filter(username__in=[a.username for a in FIXED_ACCOUNTS]).exists():
                    self.print_logins()
                return
            raise CommandError(
                _(
                    "This database already holds an organisation; seed-demo only fills an empty one. "
                    "Use --if-empty to skip quietly."
                )
            )

        def report(step: DemoStep, seconds: float) -> None:
            if verbosity >= 2:
                self.stdout.write(
                    _("  step %(name)s: %(seconds).1f s") % {"name": step.name, "seconds": seconds}
                )

        started = time.perf_counter()
        context = seed_demo_data(scale=scale, seed=seed, on_step=report)
        elapsed = time.perf_counter() - started
        counts = context.counts
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo organisation ready: %(people)d people in %(units)d units.")
                % {"people": counts.get("people", 0), "units": counts.get("units", 0)}
            )
        )
        details = ", ".join(f"{number} {what}" for what, number in counts.items())
        self.stdout.write(
            _("Made %(details)s in %(seconds).1f s (scale %(scale)d, seed %(seed)d).")
            % {"details": details, "seconds": elapsed, "scale": scale, "seed": seed}
        )
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write(_("Log in at %(url)s/ as") % {"url": settings.SITE_URL.rstrip("/")})
        width = max(len(account.username) for account in FIXED_ACCOUNTS) + len(DEMO_PASSWORD) + 3
        for account in FIXED_ACCOUNTS:
            login = f"{account.username} / {DEMO_PASSWORD}"
            self.stdout.write(f"  {login.ljust(width)}  ({self.describe(account.role)})")

    def describe(self, role: Role) -> str:
        label = str(ROLE_LABELS[role])
        if role in MFA_REQUIRED_ROLES:
            return _("%(role)s; asks you to set up two-factor login on first sign-in") % {"role": label}
        if role == Role.AUDITOR:
            return _("%(role)s, read-only") % {"role": label}
        return label

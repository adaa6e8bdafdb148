"""`garrison audit-trail verify`: check the hash chain of the audit trail end to end."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from garrison.core import audit


class Command(BaseCommand):
    help = (
        "Verify the audit trail: recompute every event's SHA-256 and its link to the event "
        "before it. Exits 0 when intact, 1 naming the first bad event."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "operation",
            choices=["verify"],
            help="verify: walk the whole chain and compare it with the separately kept chain head",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count, problem = audit.verify_trail()
        elapsed = time.monotonic() - started
        if problem is not None:
            self.stderr.write(f"audit trail broken at event #{problem.sequence}: {problem.reason}")
            self.stderr.write(f"{count} events before it verified")
            raise SystemExit(1)
        self.stdout.write(f"audit trail intact: {count} events")
        if options["verbosity"] > 1:
            self.stdout.write(f"verified in {elapsed:.1f} s")

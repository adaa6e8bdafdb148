"""`garrison run-job NAME`: run a registered periodic job now, or list them with `--list`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from garrison.core import scheduling


class Command(BaseCommand):
    help = "Run a registered periodic job for the current period (skipped if that period already succeeded)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="job name, e.g. core.purge-login-failures")
        parser.add_argument("--at", help="ISO 8601 time whose period to run (default: now)")
        parser.add_argument("--list", action="store_true", help="list registered jobs and their last run")

    def handle(self, *args: Any, **options: Any) -> None:
        # Jobs register when their app's tasks module is imported, as the worker does.
        autodiscover_modules("tasks")
        if options["list"]:
            self._list()
            return
        name = options["name"]
        if not name:
            raise CommandError("Name a job to run, or use --list.")
        moment = self._parse_time(options["at"]) if options["at"] else None
        try:
            outcome = scheduling.run_job(name, now=moment)
        except scheduling.UnknownJob:
            known = ", ".join(job.name for job in scheduling.registered_jobs())
            raise CommandError(f"No job named {name!r}. Registered jobs: {known}") from None
        line = f"{outcome.job_name} [{outcome.period_key}] {outcome.status.value}"
        if outcome.detail:
            line += f": {outcome.detail}"
        if outcome.status is scheduling.RunStatus.FAILED:
            raise CommandError(line)
        self.stdout.write(line)

    def _parse_time(self, value: str) -> dt.datetime:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--at is not an ISO 8601 time: {value!r}") from None
        return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)

    def _list(self) -> None:
        for info in scheduling.list_jobs():
            last = "never run"
            if info.last_run is not None:
                last = f"last {info.last_run.period_key} {info.last_run.status}"
            self.stdout.write(
                f"{info.name}\t{info.schedule}\t{info.period.value}\t{last}\t{info.description}"
            )

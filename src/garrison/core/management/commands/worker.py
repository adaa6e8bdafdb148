"""`garrison worker`: the Huey consumer that runs background and periodic jobs."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules
from huey.consumer_options import ConsumerConfig


class Command(BaseCommand):
    help = (
        "Run the background worker (Huey consumer): queued jobs and the periodic jobs apps "
        "register in their tasks.py. Uses the queue in GARRISON_DATA_DIR (SqliteHuey), or "
        "Redis when REDIS_URL is set; several workers may share a Redis queue. "
        "Stops after finishing running jobs on SIGINT, at once on SIGTERM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            help="jobs run at the same time (default from settings: HUEY consumer workers)",
        )
        parser.add_argument(
            "--worker-type",
            choices=["thread", "process", "greenlet"],
            help="run jobs in threads (default), processes or greenlets",
        )
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="do not run periodic jobs here (when another worker already runs them)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from huey.contrib.djhuey import HUEY

        huey_settings: dict[str, Any] = settings.HUEY
        consumer_options: dict[str, Any] = dict(huey_settings.get("consumer", {}))
        if options["workers"] is not None:
            if options["workers"] < 1:
                self.stderr.write("--workers must be at least 1")
                raise SystemExit(2)
            consumer_options["workers"] = options["workers"]
        if options["worker_type"]:
            consumer_options["worker_type"] = options["worker_type"]
        if options["no_periodic"]:
            consumer_options["periodic"] = False
        autodiscover_modules("tasks")
        config = ConsumerConfig(**consumer_options)
        config.validate()
        logger = logging.getLogger("huey")
        if not logger.handlers:
            config.setup_logger(logger)
        queue = type(HUEY).__name__
        self.stdout.write(
            f"garrison worker: {config.workers} {config.worker_type} worker(s) on {queue} {HUEY.name!r}"
        )
        self.stdout.flush()
        HUEY.create_consumer(**config.values).run()

"""`garrison serve`: the web server (gunicorn), optionally with the background worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

STOP_GRACE_SECONDS = 20


class Command(BaseCommand):
    help = (
        "Serve Garrison with gunicorn on http://HOST:PORT (static files included). With "
        "--with-worker the background worker runs alongside; SIGINT or SIGTERM stops both. "
        "In production put a reverse proxy with TLS in front and set GARRISON_HTTPS=true."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also start the background worker (`garrison worker`) as a child process",
        )
        parser.add_argument(
            "--timeout", type=int, default=60, help="seconds before a stuck request's worker is restarted"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535")
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        host = options["host"]
        bind = f"[{host}]:{options['port']}" if ":" in host else f"{host}:{options['port']}"
        web_command = [
            sys.executable,
            "-m",
            "gunicorn",
            "garrison.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--timeout",
            str(options["timeout"]),
            "--access-logfile",
            "-",
        ]
        environment = {**os.environ}
        environment.setdefault("DJANGO_SETTINGS_MODULE", "garrison.settings")
        # Each child's graceful stop signal: gunicorn finishes requests on SIGTERM, Huey
        # finishes running jobs on SIGINT. Children get their own process group so that
        # Ctrl+C reaches only this supervisor, which then stops each of them once.
        children: list[tuple[subprocess.Popen[bytes], int]] = [
            (subprocess.Popen(web_command, env=environment, process_group=0), signal.SIGTERM)  # noqa: S603
        ]
        if options["with_worker"]:
            worker_command = [sys.executable, "-m", "garrison.cli", "worker"]
            worker = subprocess.Popen(worker_command, env=environment, process_group=0)  # noqa: S603
            children.append((worker, signal.SIGINT))
        self.stdout.write(f"Garrison is serving on http://{bind}/ (Ctrl+C stops it)")
        if options["with_worker"]:
            self.stdout.write("the background worker is running")
        self.stdout.flush()
        raise SystemExit(self._supervise(children))

    def _supervise(self, children: list[tuple[subprocess.Popen[bytes], int]]) -> int:
        stopping: list[int] = []

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.append(signum)

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while not stopping and all(child.poll() is None for child, _graceful in children):
                time.sleep(0.2)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            exit_codes = self._stop(children)
        if stopping:
            return 0
        # One child died on its own: the service is not whole, so report its failure.
        return next((code for code in exit_codes if code), 1)

    def _stop(self, children: list[tuple[subprocess.Popen[bytes], int]]) -> list[int]:
        for child, graceful in children:
            if child.poll() is None:
                child.send_signal(graceful)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        codes = []
        for child, _graceful in children:
            try:
                codes.append(child.wait(timeout=max(0.1, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                child.kill()
                codes.append(child.wait())
        return codes

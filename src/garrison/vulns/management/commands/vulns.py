"""`garrison vulns import FILE... [--format F] [--scope NAME] [--unit CODE] [--as USERNAME]`:
import scanner files into the findings, each file on its own and all or nothing.

One line per file says what it changed (new, still open, reopened, fixed, unchanged,
rejected records, hosts, discovered assets) and how long it took; a file that cannot be
imported gets a line naming it, where and why, the other files are still imported, and
the command exits with status 1.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from garrison.core.models import EmploymentStatus, OrgUnit, Person
from garrison.core.services.identity import active_person
from garrison.vulns.models import ImportFormat
from garrison.vulns.services.importing import ImportRejected, import_file

REJECTIONS_SHOWN = 10


class Command(BaseCommand):
    help = (
        "Import scanner files (Nessus, OpenVAS, Trivy, SARIF, Nmap, CSV) into the findings. Each file "
        "is imported whole or not at all. With --scope, the findings of that scope a file no longer "
        "reports are marked fixed. Acts as the person named by --as (default: the first superuser); "
        "discovered hosts and findings on no asset belong to --unit (default: that person's unit)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("operation", choices=["import"], help="import: import scanner files")
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="scanner files")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=ImportFormat.values,
            default=ImportFormat.AUTO.value,
            help="the files' format (default: detected from each file)",
        )
        parser.add_argument(
            "--scope", default="", help="the scan scope a full scan covers, e.g. 'DC1 monthly'"
        )
        parser.add_argument("--unit", metavar="CODE", help="code of the unit the import is for")
        parser.add_argument("--as", dest="username", metavar="USERNAME", help="act as this person")

    def handle(self, *args: Any, **options: Any) -> None:
        by = self.person(options["username"])
        unit = self.unit(options["unit"], by)
        failed = 0
        for path in options["files"]:
            started = time.perf_counter()
            try:
                result = import_file(
                    path,
                    by=by,
                    unit=unit,
                    requested_format=options["file_format"],
                    scan_scope=options["scope"],
                )
            except ImportRejected as rejected:
                failed += 1
                self.stderr.write(f"{path}: failed: {' '.join(rejected.messages)}")
                continue
            except ValidationError as refused:
                raise CommandError(" ".join(refused.messages)) from None
            seconds = time.perf_counter() - started
            self.stdout.write(
                f"{path}: {result.reference} ({result.detected_format}): {result.new_count} new, "
                f"{result.open_count} still open, {result.reopened_count} reopened, "
                f"{result.fixed_count} fixed, {result.unchanged_count} unchanged, "
                f"{result.rejected_count} rejected; {result.host_count} hosts, "
                f"{result.discovered_asset_count} discovered assets; {seconds:.2f} s"
            )
            for rejection in result.rejections[:REJECTIONS_SHOWN] if options["verbosity"] > 1 else []:
                self.stderr.write(f"  rejected at {rejection['where']}: {rejection['reason']}")
        if failed:
            self.stderr.write(f"{failed} of {len(options['files'])} files not imported")
            raise SystemExit(1)

    def person(self, username: str | None) -> Person:
        if username:
            person = active_person(username)
            if person is None:
                raise CommandError(f"no active person with username {username!r}")
            return person
        person = (
            Person.objects.filter(is_superuser=True)
            .exclude(employment_status=EmploymentStatus.LEFT)
            .order_by("pk")
            .first()
        )
        if person is None:
            raise CommandError("name the person the import is made by with --as USERNAME")
        return person

    def unit(self, code: str | None, by: Person) -> OrgUnit:
        if not code:
            return by.unit
        unit = OrgUnit.objects.filter(code__iexact=code).first()
        if unit is None:
            raise CommandError(f"no unit with code {code!r}")
        return unit

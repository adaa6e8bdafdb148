"""`garrison backup PATH`: one tar.gz with a consistent snapshot of the database and files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from garrison.core.services.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write a backup: every row of every model (read in one snapshot transaction), every "
        "stored evidence file and a manifest with row counts and SHA-256 hashes, as one tar.gz. "
        "The file holds password hashes: keep it as safe as the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            help="file to write, e.g. /srv/backups/garrison-2025-01-31.tar.gz (replaced if it exists)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = create_backup(options["path"])
        except BackupError as error:
            raise CommandError(f"backup failed: {error}") from None
        rows = sum(report.rows.values())
        self.stdout.write(
            f"backup written to {report.path}: {rows} rows of {len(report.rows)} models, "
            f"{report.files} stored files, audit trail at event #{report.audit_head_sequence}, "
            f"{report.size} bytes"
        )
        for sha256 in report.missing_files:
            self.stderr.write(f"warning: stored file {sha256} is missing from the evidence store")
        if options["verbosity"] > 1:
            for label, count in report.rows.items():
                self.stdout.write(f"  {label}: {count}")

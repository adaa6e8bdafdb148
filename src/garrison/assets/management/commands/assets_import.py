"""`garrison assets-import FILE [--commit] [--as USERNAME]`: import an inventory file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from garrison.assets import services
from garrison.assets.services.imports import ImportPreview
from garrison.core.models import Person

ERRORS_SHOWN = 100


class Command(BaseCommand):
    help = (
        "Import assets from a CSV (UTF-8) or XLSX file in the columns of the inventory export. "
        "Without --commit, only show what the file would create and update, and every error by "
        "row and column. With --commit, import every row, or nothing if any row has an error "
        "(exit status 1). Acts as the system unless --as names the person to act for, whose "
        "reach over units, owners and sites then applies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV or XLSX file")
        parser.add_argument("--commit", action="store_true", help="import (default: preview only)")
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="act as this person (recorded in the audit trail)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        by = None
        if options["username"]:
            by = Person.objects.filter(username__iexact=options["username"]).first()
            if by is None:
                raise CommandError(f"no person with username {options['username']!r}")
        if not options["commit"]:
            preview = services.preview_import(data, path.name, by=by)
            self.report(preview)
            if not preview.is_valid:
                raise SystemExit(1)
            self.stdout.write("preview only: run again with --commit to import")
            return
        try:
            result = services.commit_import(data, path.name, by=by)
        except services.ImportRejected as rejected:
            self.report(rejected.preview)
            self.stderr.write("nothing imported")
            raise SystemExit(1) from None
        self.stdout.write(
            f"imported {path.name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )

    def report(self, preview: ImportPreview) -> None:
        self.stdout.write(
            f"{preview.total_rows} rows: {len(preview.to_create)} to create, "
            f"{len(preview.to_update)} to update, {preview.unchanged} unchanged"
        )
        if preview.ignored_columns:
            self.stdout.write(f"ignored columns: {', '.join(preview.ignored_columns)}")
        messages = preview.messages()
        for message in messages[:ERRORS_SHOWN]:
            self.stderr.write(message)
        if len(messages) > ERRORS_SHOWN:
            self.stderr.write(f"… and {len(messages) - ERRORS_SHOWN} more errors")

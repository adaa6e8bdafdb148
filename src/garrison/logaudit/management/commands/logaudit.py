"""`garrison logaudit <operation>`: the log-audit engine and the sealed log store from the
command line. `scan` runs Sigma rules over log files without the database; `ingest`,
`verify`, `prune` and `rules` work on the platform's log sources, reports and rules."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from garrison.logaudit import cli_rules, cli_scan, cli_seal


class Command(BaseCommand):
    help = (
        "Log audit: `scan` runs Sigma rules over log files; `ingest` seals log files into a source; "
        "`verify` proves the logs behind signed reports unchanged; `prune` deletes logs past retention; "
        "`rules` syncs, imports and lists detection rules."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        operations = parser.add_subparsers(dest="operation", required=True, parser_class=type(parser))
        for module in (cli_scan, cli_seal, cli_rules):
            module.register(operations, self)

    def handle(self, *args: Any, **options: Any) -> None:
        status = options["handler"](options, self.stdout, self.stderr)
        if status:
            raise CommandError("", returncode=status)

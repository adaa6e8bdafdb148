"""`garrison library import PATH...`, `garrison library list`, `garrison library load-shipped`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from garrison.library.models import LoadedLibrary
from garrison.library.services import LoadResult, load_files
from garrison.library.shipped import load_shipped_libraries


class Command(BaseCommand):
    help = (
        "Reference libraries (risk matrices, threats, frameworks, reference controls, mappings; "
        "OSCAL catalogs and profiles). "
        "import: load library files, each all or nothing; list: the loaded libraries; "
        "load-shipped: load the libraries Garrison ships when they are new or newer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="operation", required=True, metavar="ACTION")
        importing = actions.add_parser(
            "import", help="load one or more library files (YAML) or OSCAL catalogs and profiles (JSON)"
        )
        importing.add_argument("paths", nargs="+", metavar="PATH", help="library file")
        importing.add_argument("--reason", default="", help="kept in the audit trail with the change")
        actions.add_parser("list", help="the loaded libraries, their versions and object counts")
        actions.add_parser("load-shipped", help="load the shipped libraries (idempotent)")

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        if operation == "list":
            self.list_libraries()
            return
        if operation == "load-shipped":
            results = [(str(path), result) for path, result in load_shipped_libraries(by=None)]
        else:
            files = []
            for name in options["paths"]:
                path = Path(name)
                if not path.is_file():
                    raise CommandError(f"{name}: no such file")
                files.append((name, path.read_bytes()))
            # Loaded together so that an OSCAL profile finds a catalog given alongside it.
            loaded = load_files(files, by=None, reason=options["reason"])
            results = [(name, result) for (name, _content), result in zip(files, loaded, strict=True)]
        refused = 0
        for name, result in results:
            self.report(name, result)
            refused += result.is_refused
        if refused:
            raise CommandError(f"{refused} of {len(results)} libraries refused; nothing of them was written")

    def report(self, name: str, result: LoadResult) -> None:
        if result.is_refused:
            self.stderr.write(f"{name}: refused")
            for error in result.errors:
                self.stderr.write(f"  {error}")
            return
        previous = f" (was version {result.previous_version})" if result.previous_version else ""
        self.stdout.write(f"{name}: {result.urn} version {result.version} {result.status}{previous}")
        for kind, outcome in result.kinds.items():
            counts = ", ".join(f"{number} {what}" for what, number in outcome.counts().items() if number)
            self.stdout.write(f"  {kind}: {counts or 'nothing'}")

    def list_libraries(self) -> None:
        libraries = list(LoadedLibrary.objects.order_by("urn"))
        if not libraries:
            self.stdout.write("no library is loaded")
            return
        for library in libraries:
            counts = ", ".join(f"{number} {kind}" for kind, number in sorted(library.object_counts.items()))
            loaded = library.loaded_at.strftime("%Y-%m-%d %H:%M")
            self.stdout.write(
                f"{library.urn}  version {library.version}  {library.name}  ({counts}; {loaded})"
            )

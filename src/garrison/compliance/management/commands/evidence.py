"""`garrison evidence verify`: re-hash every stored file and check each evidence version.

Every blob of the content-addressed store is re-hashed (`verify_stored_files`); each
evidence version's recorded SHA-256 is compared with its blob's. One line per problem
names the evidence, the version, the file and the reason; exit status 1 when anything
is wrong, 0 otherwise. `--json` prints the same as one JSON document.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from garrison.compliance.models import EvidenceVersion
from garrison.core.services import files as file_services


@dataclass(frozen=True)
class Problem:
    evidence: str
    version: int | None
    filename: str
    sha256: str
    reason: str

    def line(self) -> str:
        if self.evidence:
            return f"{self.evidence} v{self.version} {self.filename}: {self.reason}"
        return f"stored file {self.sha256} ({self.filename or 'not evidence'}): {self.reason}"


def verify_evidence() -> tuple[int, int, list[Problem]]:
    """(stored files checked, evidence versions checked, problems found)."""
    from garrison.core.models import StoredFile

    blob_problems = {problem.sha256: problem for problem in file_services.verify_stored_files()}
    problems: list[Problem] = []
    named: set[str] = set()
    versions = (
        EvidenceVersion.objects.exclude(attachment=None)
        .select_related("evidence", "attachment__stored_file")
        .order_by("evidence__reference", "number")
    )
    checked = 0
    for version in versions.iterator(chunk_size=500):
        checked += 1
        attachment = version.attachment
        assert attachment is not None
        stored = attachment.stored_file
        where: dict[str, Any] = {
            "evidence": version.evidence.reference,
            "version": version.number,
            "filename": attachment.filename,
        }
        if version.sha256 != stored.sha256:
            problems.append(
                Problem(
                    **where,
                    sha256=stored.sha256,
                    reason=(
                        f"the version records SHA-256 {version.sha256 or '(none)'} "
                        f"but its file is {stored.sha256}"
                    ),
                )
            )
        blob = blob_problems.get(stored.sha256)
        if blob is not None:
            named.add(stored.sha256)
            problems.append(Problem(**where, sha256=stored.sha256, reason=blob.reason))
    for sha256, blob in blob_problems.items():
        if sha256 not in named:
            problems.append(
                Problem(evidence="", version=None, filename="", sha256=sha256, reason=blob.reason)
            )
    return StoredFile.objects.count(), checked, problems


class Command(BaseCommand):
    help = (
        "Verify the evidence store: re-hash every stored file and compare each evidence version's "
        "recorded SHA-256 with its file. Exits 0 when all match, 1 naming each problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("operation", choices=["verify"], help="verify: re-hash every stored file")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        files, versions, problems = verify_evidence()
        if options["json"]:
            document = {
                "stored_files": files,
                "evidence_versions": versions,
                "problems": [asdict(problem) for problem in problems],
                "ok": not problems,
            }
            self.stdout.write(json.dumps(document, indent=2))
        else:
            for problem in problems:
                self.stderr.write(problem.line())
            summary = (
                f"{files} stored files and {versions} evidence versions checked, {len(problems)} problems"
            )
            (self.stderr if problems else self.stdout).write(summary)
        if problems:
            raise SystemExit(1)

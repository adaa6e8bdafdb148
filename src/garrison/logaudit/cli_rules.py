"""`garrison logaudit rules sync|import PATH... [--origin sigmahq|custom] [--as USER]|list`:
the detection-rule library from the command line.

`sync` brings Garrison's own rule pack into the library (run at installation and by the
weekly audit job; running it again changes nothing); `import` stores Sigma rule files or
folders (SigmaHQ rules keep their author, link and licence notice); `list` prints every
stored rule with its state. Files that are not Sigma rules and rules the engine cannot run
are named with the reason, and the command then exits with status 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from garrison.core.models import Person
from garrison.core.services.identity import active_person
from garrison.logaudit.engine.rules import RuleProblem
from garrison.logaudit.models import DetectionRule, RuleOrigin
from garrison.logaudit.services import rules as services


def register(operations: Any, command: Any) -> None:
    parser = operations.add_parser(
        "rules", help="sync the Garrison rule pack, import Sigma rule files, list the rules"
    )
    actions = parser.add_subparsers(dest="rules_operation", required=True)
    sync = actions.add_parser("sync", help="bring the Garrison rule pack into the library")
    sync.add_argument(
        "--as", dest="username", metavar="USERNAME", help="act as this person (default: the system)"
    )
    sync.set_defaults(handler=handle_sync)
    imported = actions.add_parser("import", help="import Sigma rule files or folders")
    imported.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="rule files or folders")
    imported.add_argument(
        "--origin",
        choices=[RuleOrigin.SIGMAHQ.value, RuleOrigin.CUSTOM.value],
        default=RuleOrigin.SIGMAHQ.value,
        help="sigmahq (default) keeps the rules' author, references and DRL 1.1 licence; custom: your own",
    )
    imported.add_argument(
        "--as", dest="username", metavar="USERNAME", help="act as this person (default: the system)"
    )
    imported.set_defaults(handler=handle_import)
    listed = actions.add_parser("list", help="print every stored rule with its state")
    listed.set_defaults(handler=handle_list)


class Refused(Exception):
    """The command cannot act as asked (unknown person)."""


def acting_person(username: str | None) -> Person | None:
    """The person named by --as, or None: the system acts."""
    if not username:
        return None
    person = active_person(username)
    if person is None:
        raise Refused(f"no active person with username {username!r}")
    return person


def _problem_lines(problems: list[RuleProblem], stderr: Any, prefix: str = "") -> None:
    for problem in problems:
        where = problem.path or "-"
        rule = f" [{problem.rule}]" if problem.rule else ""
        stderr.write(f"{where}{rule}: {prefix}{problem.reason}")


def _run(stderr: Any, action: Any) -> Any:
    try:
        return action()
    except Refused as refused:
        stderr.write(str(refused))
    except PermissionDenied as denied:
        stderr.write(str(denied) or "refused")
    except ValidationError as invalid:
        stderr.write(" ".join(invalid.messages))
    return None


def handle_sync(options: dict[str, Any], stdout: Any, stderr: Any) -> int:
    summary = _run(stderr, lambda: services.sync_rule_pack(by=acting_person(options.get("username"))))
    if summary is None:
        return 1
    stdout.write(
        f"Garrison rule pack: {summary.added} added, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {summary.disabled} switched off (no longer in the pack)"
    )
    _problem_lines(summary.problems, stderr)
    _problem_lines(summary.cannot_run, stderr, prefix="cannot run: ")
    return 1 if summary.problems or summary.cannot_run else 0


def handle_import(options: dict[str, Any], stdout: Any, stderr: Any) -> int:
    summary = _run(
        stderr,
        lambda: services.import_rule_files(
            options["paths"], by=acting_person(options.get("username")), origin=options["origin"]
        ),
    )
    if summary is None:
        return 1
    stdout.write(
        f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged; "
        f"{len(summary.cannot_run)} stored but not runnable; {len(summary.problems)} not stored"
    )
    _problem_lines(summary.problems, stderr, prefix="not stored: ")
    _problem_lines(summary.cannot_run, stderr, prefix="cannot run: ")
    return 1 if summary.problems or summary.cannot_run else 0


def handle_list(options: dict[str, Any], stdout: Any, stderr: Any) -> int:
    rows = DetectionRule.objects.order_by("origin", "title", "rule_id")
    for rule in rows:
        state = "on " if rule.enabled else "off"
        runnable = "" if rule.runnable else f"  (cannot run: {rule.problem})"
        stdout.write(f"{state} {rule.origin:<8} {rule.level:<13} {rule.rule_id}  {rule.title}{runnable}")
    stdout.write(
        f"{rows.count()} rules, {rows.filter(enabled=True, runnable=True).count()} enabled and runnable"
    )
    return 0

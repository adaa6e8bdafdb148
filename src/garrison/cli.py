"""`garrison`: the operator's command, over Django's management commands.

Dashed names map to the underscored command (`seed-demo` → `seed_demo`); two-word
commands such as `audit-trail verify` pass the second word on as an argument, except
after `help`, where the second word is a command name too.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "garrison.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
        # `garrison help seed-demo` names the command the same dashed way.
        if args[0] == "help" and len(args) > 1 and not args[1].startswith("-"):
            args[1] = args[1].replace("-", "_")
    if args[:2] == ["logaudit", "scan"]:
        # The engine alone, without the database: starting Django (every app imported)
        # would cost the scan seconds.
        from garrison.logaudit.cli_scan import main as scan

        raise SystemExit(scan(args[2:]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(["garrison", *args])


if __name__ == "__main__":
    main()

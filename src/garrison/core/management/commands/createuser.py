"""`garrison createuser`: add a person with a login, and optionally their roles."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from garrison.core.models import OrgUnit, Person, UnitKind
from garrison.core.roles import Role
from garrison.core.services import org


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(texts)}" for name, texts in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Create a person who can log in. The password is asked for twice, or read from "
        "standard input with --password-stdin, and must pass the password rules. "
        "Example: garrison createuser --username admin --full-name 'Site Admin' --unit group "
        "--create-unit 'Example Group' --role administrator"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="login name (letters, digits and @.+-_)")
        parser.add_argument("--full-name", required=True, help="name shown in the interface")
        parser.add_argument(
            "--unit", required=True, help="code of the organisation unit the person belongs to"
        )
        parser.add_argument("--email", default="", help="e-mail address for notifications")
        parser.add_argument(
            "--role",
            action="append",
            default=[],
            choices=[role.value for role in Role],
            metavar="ROLE",
            help=f"role to grant; repeat for several. One of: {', '.join(role.value for role in Role)}",
        )
        parser.add_argument(
            "--role-unit",
            action="append",
            default=[],
            metavar="CODE",
            help=(
                "unit code the matching --role is held on (its whole subtree); given in the same "
                "order as --role; a role without one is held on --unit"
            ),
        )
        parser.add_argument(
            "--superuser",
            action="store_true",
            help="installation account: bypasses role scoping (keep to one or two people)",
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input instead of prompting",
        )
        parser.add_argument(
            "--create-unit",
            metavar="NAME",
            help=(
                "when the organisation has no unit yet, first create the root company unit with "
                "code --unit and this name"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if Person.objects.filter(username__iexact=username).exists():
            raise CommandError(f"a person with username {username!r} already exists")
        if len(options["role_unit"]) > len(options["role"]):
            raise CommandError("more --role-unit than --role values were given")
        roles = self._roles(options)
        password = self._password(options["password_stdin"])
        try:
            with transaction.atomic():
                unit = self._unit(options["unit"], options["create_unit"])
                person = org.create_person(
                    by=None,
                    username=username,
                    full_name=options["full_name"],
                    unit=unit,
                    password=password,
                    email=options["email"],
                    is_superuser=options["superuser"],
                )
                for role, role_unit_code in roles:
                    role_unit = unit if role_unit_code is None else self._existing_unit(role_unit_code)
                    org.assign_role(person, role, role_unit, by=None)
        except ValidationError as error:
            raise CommandError(_messages(error)) from None
        granted = ", ".join(f"{role} on {code or unit.code}" for role, code in roles) or "no roles"
        self.stdout.write(f"created {person.username} ({person.full_name}) in {unit.name}: {granted}")

    def _roles(self, options: dict[str, Any]) -> list[tuple[str, str | None]]:
        role_units: list[str | None] = list(options["role_unit"])
        role_units += [None] * (len(options["role"]) - len(role_units))
        return list(zip(options["role"], role_units, strict=True))

    def _existing_unit(self, code: str) -> OrgUnit:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"no organisation unit has the code {code!r}")
        return unit

    def _unit(self, code: str, create_name: str | None) -> OrgUnit:
        if create_name is None:
            return self._existing_unit(code)
        if OrgUnit.objects.exists():
            raise CommandError(
                "--create-unit only creates the first unit of an empty organisation; "
                "units exist already, so name one of them with --unit"
            )
        return org.create_unit(by=None, name=create_name, code=code, kind=UnitKind.COMPANY)

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("no password was given on standard input")
            return password
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("the two passwords differ")
        if not password:
            raise CommandError("the password cannot be empty")
        return password

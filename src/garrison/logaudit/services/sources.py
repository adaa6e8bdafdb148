"""Log sources: registering where an asset's logs come from, and changing it.

A source belongs to an asset and is kept by whoever may write log-audit records in the
asset's unit. Each verb validates the whole request before anything is saved, runs in
one transaction and appends its audit event. With `by=None` (or an actor label such as
"seed-demo") the system acts and the reach checks are skipped.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from garrison.assets.models import Asset
from garrison.core import audit
from garrison.core.models import Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import all_visible, has_grant, is_system, require, restrict
from garrison.core.services.records import update_record
from garrison.core.services.references import save_numbered
from garrison.logaudit.models import LogSource

REFERENCE_PREFIX = "LS-"
CHANGEABLE_FIELDS = frozenset(
    {"name", "asset", "log_format", "description", "owner", "reviewer", "audit_enabled"}
)


def reviewer_of(source: LogSource) -> Person:
    """Who triages the source's findings and signs its weekly reports: its reviewer, or
    its owner when none is named."""
    return source.reviewer if source.reviewer is not None else source.owner


def source_assets(person: Any, action: Action | str = Action.ADD) -> QuerySet[Asset]:
    """The assets the person may give a log source: those they see, in the units where
    they may `action` log-audit records; critical information systems first."""
    assets = Asset.objects.all() if is_system(person) else restrict(Asset.objects.all(), person, Action.VIEW)
    if not is_system(person):
        paths = assets.values_list("unit__path", flat=True).distinct()
        allowed = [path for path in paths if has_grant(person, Domain.LOG_AUDIT, Action(action), path)]
        assets = assets.filter(unit__path__in=allowed)
    return assets.select_related("unit").order_by("-is_critical_system", "name", "pk")


def _add_error(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _check_people(source: LogSource, *, by: Any, changed: set[str], errors: dict[str, list[str]]) -> None:
    for name in ("owner", "reviewer"):
        if name not in changed:
            continue
        person_id = getattr(source, f"{name}_id")
        if person_id is None:
            continue
        if not is_system(by) and not all_visible(Person, by, [person_id]):
            _add_error(errors, name, _("Person not found."))
            continue
        person: Person = getattr(source, name)
        if not person.is_active:
            _add_error(errors, name, _("%(name)s has left.") % {"name": person.full_name})


def _check_asset(source: LogSource, *, by: Any, action: Action, errors: dict[str, list[str]]) -> None:
    if source.asset_id is None or is_system(by):
        return
    if not source_assets(by, action).filter(pk=source.asset_id).exists():
        _add_error(errors, "asset", _("Asset not found."))


def _validate(source: LogSource, *, by: Any, action: Action, changed: set[str]) -> None:
    """Every rule at once, so the person sees every refusal in one go."""
    errors: dict[str, list[str]] = {}
    try:
        source.full_clean(exclude=["reference"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if "asset" in changed and "asset" not in errors:
        _check_asset(source, by=by, action=action, errors=errors)
    _check_people(source, by=by, changed=changed, errors=errors)
    if "log_format" in changed and source.pk is not None and source.batches.exists():
        _add_error(
            errors,
            "log_format",
            _("The format cannot change once logs are sealed in the source; register a new source instead."),
        )
    if errors:
        raise ValidationError(errors)


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"unexpected log source fields {sorted(unknown)}")
    cleaned = dict(fields)
    for name in ("name", "description"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].replace("\x00", "").strip()
    return cleaned


@transaction.atomic
def create_source(
    *,
    by: Any,
    name: str,
    asset: Asset,
    log_format: str,
    owner: Person | None = None,
    reviewer: Person | None = None,
    description: str = "",
    audit_enabled: bool = True,
    reason: str = "",
) -> LogSource:
    """Register a log source of `asset` (LS-000001 …). The person registering it owns it
    unless someone else is named; the reviewer, who signs its weekly reports, defaults to
    the owner."""
    fields = _clean_fields(
        {
            "name": name,
            "asset": asset,
            "log_format": log_format,
            "description": description,
            "audit_enabled": audit_enabled,
        }
    )
    if owner is None and isinstance(by, Person):
        owner = by
    source = LogSource(**fields, owner=owner, reviewer=reviewer or owner)
    _validate(source, by=by, action=Action.ADD, changed={*fields, "owner", "reviewer"})
    save_numbered(source, REFERENCE_PREFIX)
    audit.record(
        source, AuditAction.CREATE, by=by, changes=audit.diff({}, audit.snapshot(source)), reason=reason
    )
    return source


@transaction.atomic
def change_source(source: LogSource, *, by: Any, reason: str = "", **fields: Any) -> LogSource:
    """Change a source's name, asset, format, people, description or weekly audit. Its
    format is fixed once batches are sealed in it (they were counted in that format)."""
    require(by, Action.CHANGE, source)
    cleaned = _clean_fields(fields)
    if "reviewer" in cleaned and cleaned["reviewer"] is None:
        cleaned["reviewer"] = cleaned.get("owner") or source.owner
    changed = {name for name, value in cleaned.items() if getattr(source, name) != value}
    if not changed:
        return source
    candidate = copy.copy(source)
    for name, value in cleaned.items():
        setattr(candidate, name, value)
    _validate(candidate, by=by, action=Action.CHANGE, changed=changed)
    return update_record(source, by=by, reason=reason, **{name: cleaned[name] for name in changed})

"""Incident cases: recording a case, changing its facts, moving it through its workflow
and deleting one recorded by mistake. Every write to a case goes through here.

Each verb validates the whole case before anything is saved (the dates in order, the
sub-category under the category, units, assets and the handler within the actor's
reach), runs in one transaction and appends its audit event. Before each save the
grading assistant refreshes the proposed grade from the facts; after a change to the
facts, the discovery time or the grade the reporting obligations are recomputed, so a
re-graded case gets the obligations of its new grade while the history keeps the old ones.

With `by=None` (or an actor label such as "seed-demo") the system acts and the reach
checks are skipped.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.assets.models import Asset, Tag
from garrison.assets.services.inventory import normalise_lists, resolve_tags
from garrison.core import audit
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import all_visible, has_grant, is_system, require
from garrison.core.services.notifications import notify
from garrison.core.services.references import save_numbered
from garrison.incidents import notifications_cases as kinds
from garrison.incidents.models import Incident, IncidentCategory, IncidentStatus, TimelineKind
from garrison.incidents.services import grading, obligations, timeline
from garrison.incidents.workflows import IncidentWorkflow
from garrison.suppliers.models import Supplier

REFERENCE_PREFIX = "INC-"
# Clocks differ a little between the reporter's device and the server.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
SUPPLIER_NAME_MAX_LENGTH = 200
# Tags are recorded in the audit trail as names (as the inventory does): the history page
# reads a change under a relation's field name as ids.
TAG_CHANGE_KEY = "tag_names"

RELATED_FIELDS = frozenset({"affected_units", "assets", "suppliers", "tags"})
CHANGEABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "category",
        "subcategory",
        "occurred_at",
        "discovered_at",
        "reported_by",
        "handler",
        "unit",
        "affected_suppliers",
        "personal_information_people",
        "sensitive_personal_information",
        "personal_information_breach",
        "service_outage_minutes",
        "cii_full_outage_minutes",
        "cii_main_function_outage_minutes",
        "essential_services_people",
        "province_population_percent",
        "direct_loss_cny",
        *RELATED_FIELDS,
    }
)
# The facts the grading assistant and the reporting rules read.
GRADING_FACTS = frozenset(
    {
        "personal_information_people",
        "sensitive_personal_information",
        "personal_information_breach",
        "service_outage_minutes",
        "cii_full_outage_minutes",
        "cii_main_function_outage_minutes",
        "essential_services_people",
        "province_population_percent",
        "direct_loss_cny",
    }
)
RECOMPUTE_ON = GRADING_FACTS | {"discovered_at", "grade", "proposed_grade", "category", "subcategory"}
NUMBER_FIELDS = (
    "personal_information_people",
    "service_outage_minutes",
    "cii_full_outage_minutes",
    "cii_main_function_outage_minutes",
    "essential_services_people",
    "province_population_percent",
    "direct_loss_cny",
)


# Checks ----------------------------------------------------------------------------------------


def _check_dates(incident: Incident, now: dt.datetime, errors: dict[str, list[str]]) -> None:
    occurred, discovered = incident.occurred_at, incident.discovered_at
    if isinstance(occurred, dt.datetime) and isinstance(discovered, dt.datetime) and occurred > discovered:
        errors.setdefault("occurred_at", []).append(
            _("The incident cannot have occurred after it was discovered.")
        )
    if isinstance(discovered, dt.datetime) and discovered > now + FUTURE_TOLERANCE:
        errors.setdefault("discovered_at", []).append(_("The discovery time cannot be in the future."))
    if isinstance(occurred, dt.datetime) and occurred > now + FUTURE_TOLERANCE:
        errors.setdefault("occurred_at", []).append(_("The time of occurrence cannot be in the future."))


def _check_categories(incident: Incident, errors: dict[str, list[str]]) -> None:
    category: IncidentCategory | None = incident.category if incident.category_id else None
    if category is not None and category.parent_id is not None:
        errors.setdefault("category", []).append(
            _("Choose a category (such as NA); %(code)s is a sub-category.") % {"code": category.code}
        )
    subcategory = incident.subcategory if incident.subcategory_id else None
    if subcategory is not None and category is not None and subcategory.parent_id != category.pk:
        errors.setdefault("subcategory", []).append(
            _("%(sub)s is not a sub-category of %(category)s.")
            % {"sub": subcategory.code, "category": category.code}
        )


def _check_numbers(incident: Incident, errors: dict[str, list[str]]) -> None:
    for name in NUMBER_FIELDS:
        value = getattr(incident, name)
        try:
            negative = value is not None and Decimal(str(value)) < 0
        except (InvalidOperation, ValueError):
            continue  # model validation names the field
        if negative:
            errors.setdefault(name, []).append(_("Enter zero or more."))
    percent = incident.province_population_percent
    try:
        too_high = percent is not None and Decimal(str(percent)) > 100
    except (InvalidOperation, ValueError):
        too_high = False
    if too_high:
        errors.setdefault("province_population_percent", []).append(_("A share is at most 100%."))


def _check_reach(
    incident: Incident,
    *,
    by: Any,
    action: Action,
    changed: set[str],
    related: dict[str, list[Any]],
    errors: dict[str, list[str]],
) -> None:
    """Units, assets and people within the person's reach; the handler able to see the case."""
    unit = incident.unit if incident.unit_id else None
    if "unit" in changed and unit is not None and not has_grant(by, Domain.INCIDENTS, action, unit.path):
        errors.setdefault("unit", []).append(_("You do not handle incidents in this unit."))
    if "affected_units" in related and not all_visible(
        OrgUnit, by, [item.pk for item in related["affected_units"]]
    ):
        errors.setdefault("affected_units", []).append(_("Unit not found."))
    if "assets" in related and not all_visible(Asset, by, [item.pk for item in related["assets"]]):
        errors.setdefault("assets", []).append(_("Asset not found."))
    if "suppliers" in related:
        # A supplier linked before stays linked whoever edits the case; a new link needs sight of it.
        linked = set(incident.suppliers.values_list("pk", flat=True)) if incident.pk else set()
        added = [item.pk for item in related["suppliers"] if item.pk not in linked]
        if not all_visible(Supplier, by, added):
            errors.setdefault("suppliers", []).append(_("Supplier not found."))
    for name in ("handler", "reported_by"):
        person_id = getattr(incident, f"{name}_id")
        if name in changed and not all_visible(Person, by, [person_id]):
            errors.setdefault(name, []).append(_("Person not found."))


def _check_handler(incident: Incident, errors: dict[str, list[str]]) -> None:
    if not incident.handler_id or "handler" in errors:
        return
    handler: Person = incident.handler
    if not handler.is_active:
        errors.setdefault("handler", []).append(_("%(name)s has left.") % {"name": handler.full_name})
        return
    unit = incident.unit if incident.unit_id else None
    if unit is not None and not has_grant(handler, Domain.INCIDENTS, Action.VIEW, unit.path):
        errors.setdefault("handler", []).append(
            _("%(name)s does not work on incidents of %(unit)s.")
            % {"name": handler.full_name, "unit": unit.name}
        )


def _suppliers(value: Any) -> tuple[list[str], list[str]]:
    """The supplier names, stripped and each once, and the refusals."""
    if value is None:
        return [], []
    items = value.splitlines() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        return [], [_("List the affected suppliers by name.")]
    kept: list[str] = []
    seen: set[str] = set()
    refused: list[str] = []
    for item in items:
        name = item.strip()
        if not name or name.casefold() in seen:
            continue
        if len(name) > SUPPLIER_NAME_MAX_LENGTH:
            refused.append(
                _("The supplier name “%(name)s…” is longer than %(limit)d characters.")
                % {"name": name[:40], "limit": SUPPLIER_NAME_MAX_LENGTH}
            )
            continue
        seen.add(name.casefold())
        kept.append(name)
    return kept, refused


def _validate(
    incident: Incident,
    *,
    by: Any,
    action: Action,
    changed: set[str],
    related: dict[str, list[Any]],
    extra_errors: dict[str, list[str]],
    now: dt.datetime,
) -> None:
    """Every rule at once, so the person sees every refusal in one go."""
    errors: dict[str, list[str]] = {name: list(messages) for name, messages in extra_errors.items()}
    try:
        incident.full_clean(exclude=["reference"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    _check_dates(incident, now, errors)
    _check_categories(incident, errors)
    _check_numbers(incident, errors)
    if not is_system(by):
        _check_reach(incident, by=by, action=action, changed=changed, related=related, errors=errors)
    if "handler" in changed or "unit" in changed:
        _check_handler(incident, errors)
    if errors:
        raise ValidationError(errors)


def _split(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]], dict[str, list[str]]]:
    """Scalar fields, the related lists (tags resolved later) and the list refusals."""
    unknown = set(fields) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"unexpected incident fields {sorted(unknown)}")
    scalars = {name: value for name, value in fields.items() if name not in RELATED_FIELDS}
    related: dict[str, list[Any]] = {}
    errors: dict[str, list[str]] = {}
    for name in ("affected_units", "assets", "suppliers"):
        if name in fields:
            related[name] = list(fields[name] or [])
    if "tags" in fields:
        kept, refused = normalise_lists(None, None, fields["tags"] or [])
        related["tags"] = kept.get("tags", [])
        if refused:
            errors["tags"] = refused["tags"]
    if "affected_suppliers" in scalars:
        scalars["affected_suppliers"], refused_suppliers = _suppliers(scalars["affected_suppliers"])
        if refused_suppliers:
            errors["affected_suppliers"] = refused_suppliers
    for name in ("title", "description"):
        if isinstance(scalars.get(name), str):
            scalars[name] = scalars[name].strip()
    return scalars, related, errors


# Related rows and their audit --------------------------------------------------------------------


def tag_names(incident: Incident) -> list[str]:
    """The case's tag names in name order (from the prefetch cache when there is one)."""
    return sorted((tag.name for tag in incident.tags.all()), key=str.casefold)


def _related_state(incident: Incident) -> dict[str, list[Any]]:
    return {
        "affected_units": sorted(incident.affected_units.values_list("pk", flat=True)),
        "assets": sorted(incident.assets.values_list("pk", flat=True)),
        "suppliers": sorted(incident.suppliers.values_list("pk", flat=True)),
        TAG_CHANGE_KEY: tag_names(incident),
    }


def _set_related(
    incident: Incident, related: dict[str, list[Any]], before: dict[str, list[Any]]
) -> dict[str, list[Any]]:
    """Set the related lists given; the changes as the audit trail records them."""
    changes: dict[str, list[Any]] = {}
    if "affected_units" in related:
        incident.affected_units.set(related["affected_units"])
    if "assets" in related:
        incident.assets.set(related["assets"])
    if "suppliers" in related:
        incident.suppliers.set(related["suppliers"])
    if "tags" in related:
        tags: list[Tag] = resolve_tags(related["tags"])[0]
        incident.tags.set(tags)
    after = _related_state(incident)
    for name, values in after.items():
        if values != before.get(name, []):
            old = before.get(name) or None
            if name == TAG_CHANGE_KEY:
                changes[name] = [", ".join(old) if old else None, ", ".join(values) if values else None]
            else:
                changes[name] = [old, values or None]
    return changes


def _notify_handler(incident: Incident, by: Any) -> None:
    """Tell the handler the case is theirs, unless they assigned it to themselves."""
    if getattr(by, "pk", None) == incident.handler_id:
        return
    notify(
        incident.handler,
        kinds.CASE_ASSIGNED.code,
        title=format_lazy(gettext_lazy("Incident for you to handle: {incident}"), incident=str(incident)),
        body=incident.description,
        link=reverse("incidents:incident-detail", args=[incident.pk]),
        target=incident,
    )


# Cases -------------------------------------------------------------------------------------------


@transaction.atomic
def create_incident(*, by: Any, reason: str = "", now: dt.datetime | None = None, **fields: Any) -> Incident:
    """Record a case: numbered INC-000001 …, graded by the assistant, its obligations derived.

    `affected_units`, `assets` and `suppliers` (registered suppliers) are lists of objects,
    `tags` and `affected_suppliers` (suppliers not in the register) lists of names."""
    now = now or timezone.now()
    scalars, related, list_errors = _split(fields)
    incident = Incident(**scalars)
    if not is_system(by):
        incident.created_by = by
    _validate(
        incident,
        by=by,
        action=Action.ADD,
        changed=set(fields),
        related=related,
        extra_errors=list_errors,
        now=now,
    )
    grading.apply_proposal(incident)
    save_numbered(incident, REFERENCE_PREFIX)
    changes: dict[str, Any] = audit.diff({}, audit.snapshot(incident))
    changes.update(_set_related(incident, related, {}))
    audit.record(incident, AuditAction.CREATE, by=by, changes=changes, reason=reason)
    _notify_handler(incident, by)
    obligations.recompute_obligations(incident, by=by, now=now)
    return incident


@transaction.atomic
def update_incident(
    incident: Incident, *, by: Any, reason: str = "", now: dt.datetime | None = None, **fields: Any
) -> Incident:
    """Change a case's facts; a change of the facts the grade and the obligations depend
    on re-grades the proposal and recomputes the obligations. The status changes only
    through `transition_incident`, the confirmed grade only through the grading service."""
    require(by, Action.CHANGE, incident)
    now = now or timezone.now()
    scalars, related, list_errors = _split(fields)
    changed = {name for name, value in scalars.items() if getattr(incident, name) != value}
    changed |= set(related)
    candidate = copy.copy(incident)
    for name, value in scalars.items():
        setattr(candidate, name, value)
    _validate(
        candidate,
        by=by,
        action=Action.CHANGE,
        changed=changed,
        related=related,
        extra_errors=list_errors,
        now=now,
    )
    before = audit.snapshot(incident)
    related_before = _related_state(incident)
    previous_handler = incident.handler_id
    for name, value in scalars.items():
        setattr(incident, name, value)
    grading.apply_proposal(incident)
    changes: dict[str, Any] = audit.diff(before, audit.snapshot(incident))
    if changes:
        incident.save()
    changes.update(_set_related(incident, related, related_before))
    if not changes:
        return incident
    audit.record(incident, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    if incident.handler_id != previous_handler:
        _notify_handler(incident, by)
    if RECOMPUTE_ON & set(changes):
        obligations.recompute_obligations(incident, by=by, now=now)
    return incident


def _timestamps(incident: Incident, source: str, target: str, now: dt.datetime) -> dict[str, Any]:
    """The case's clocks as the step moves them."""
    values: dict[str, Any] = {}
    if (
        source == IncidentStatus.CONTAINMENT
        and target in (IncidentStatus.ERADICATION, IncidentStatus.RECOVERY)
        and incident.contained_at is None
    ):
        values["contained_at"] = now
    ends_handling = target == IncidentStatus.POST_INCIDENT_REVIEW or (
        target == IncidentStatus.CLOSED and source == IncidentStatus.RECOVERY
    )
    if ends_handling and incident.handling_ended_at is None:
        values["handling_ended_at"] = now
    if target == IncidentStatus.CLOSED:
        values["closed_at"] = now
    elif incident.closed_at is not None:
        # Reopened: the case is not closed any more.
        values["closed_at"] = None
    return values


@transaction.atomic
def transition_incident(
    incident: Incident, name: str, *, by: Any, reason: str = "", now: dt.datetime | None = None
) -> Incident:
    """Take step `name` of the case workflow (see garrison.incidents.workflows), keep the
    case's clocks (contained, handling ended, closed), note it on the timeline and bring
    the reporting obligations in step with the new status."""
    now = now or timezone.now()
    source = incident.status
    IncidentWorkflow.apply(incident, name, by=by, reason=reason)
    target = incident.status
    values = _timestamps(incident, source, target, now)
    if values:
        before = audit.snapshot(incident)
        for field, value in values.items():
            setattr(incident, field, value)
        incident.save(update_fields=[*values, "updated_at"])
        audit.record(
            incident,
            AuditAction.UPDATE,
            by=by,
            changes=audit.diff(before, audit.snapshot(incident)),
            reason=reason,
        )
    description = _("Status changed from %(source)s to %(target)s.") % {
        "source": IncidentWorkflow.state_label(source),
        "target": IncidentWorkflow.state_label(target),
    }
    if reason.strip():
        description = f"{description} {_('Reason')}: {reason.strip()}"
    timeline.note(incident, TimelineKind.STATUS, description, by=by, at=now)
    obligations.recompute_obligations(incident, by=by, now=now)
    return incident


@transaction.atomic
def delete_incident(incident: Incident, *, by: Any, reason: str = "") -> None:
    """Remove a case recorded by mistake, with everything recorded under it. A case
    already reported to someone is kept (close it as a false positive instead)."""
    require(by, Action.DELETE, incident)
    if incident.submissions.exists():
        raise ValidationError(
            _(
                "%(reference)s has been reported; a reported case is kept. Record it as a false "
                "positive instead."
            )
            % {"reference": incident.reference}
        )
    event = audit.pending_for(
        incident,
        AuditAction.DELETE,
        by=by,
        changes={**audit.diff(audit.snapshot(incident), {}), **_deleted_related(incident)},
        reason=reason,
    )
    try:
        incident.delete()
    except ProtectedError:
        raise ValidationError(
            _("%(reference)s cannot be deleted: other records still refer to it.")
            % {"reference": incident.reference}
        ) from None
    audit.record_many([event])


def _deleted_related(incident: Incident) -> dict[str, list[Any]]:
    state = _related_state(incident)
    changes: dict[str, list[Any]] = {}
    for name, values in state.items():
        if values:
            changes[name] = [", ".join(values) if name == TAG_CHANGE_KEY else values, None]
    return changes

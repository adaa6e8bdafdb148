"""Writes to the organisation's applied controls: create, change and delete, with their
links to requirements (of any number of frameworks), assets and risk scenarios.

Every write is validated in full before anything is saved, runs in one transaction and
appends one audit event; the many-to-many links are recorded as lists of references, as
the risk register records a scenario's assets. With `by=None` the system acts (jobs, the
demo) and the reach checks are skipped; a person may only use units, people, requirements,
assets and risk scenarios within their reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from garrison.assets.models import Asset
from garrison.compliance.models import AppliedControl, ReferenceControl, RequirementNode
from garrison.core import audit
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, is_system, restrict
from garrison.core.services.references import save_numbered
from garrison.risks.models import RiskScenario

CONTROL_REFERENCE_PREFIX = "CTL-"
CHANGEABLE_FIELDS = frozenset(
    {
        "name",
        "description",
        "unit",
        "owner",
        "category",
        "status",
        "implemented_on",
        "reference_control",
        "test_frequency",
        "test_method",
        "test_success_criteria",
        "tester",
    }
)
# Fields whose change re-plans the control's scheduled tests.
PLAN_FIELDS = frozenset({"test_frequency", "tester", "test_method", "test_success_criteria", "status"})
# Audit keys of the many-to-many links: not field names, because the history page reads
# a field's values as the ids of single objects.
LINK_CHANGE_KEYS = {
    "requirements": "requirement_references",
    "assets": "asset_references",
    "risks": "risk_references",
}
LINK_MODELS: dict[str, type[models.Model]] = {
    "requirements": RequirementNode,
    "assets": Asset,
    "risks": RiskScenario,
}
# The people and library objects a control points at, checked when they change.
SINGLE_REFERENCES: dict[str, type[models.Model]] = {
    "owner": Person,
    "tester": Person,
    "reference_control": ReferenceControl,
}


def _describe(obj: models.Model) -> str:
    if isinstance(obj, RequirementNode):
        return f"{obj.framework.reference} {obj.reference}".strip()
    return str(getattr(obj, "reference", obj))


def _references(objects: Iterable[models.Model]) -> str:
    return ", ".join(sorted(_describe(obj) for obj in objects))


def _invisible(model: type[models.Model], by: Any, objects: Iterable[models.Model]) -> list[str]:
    """The objects among `objects` the person may not see, by their references (sorted)."""
    wanted = {obj.pk: obj for obj in objects}
    if not wanted:
        return []
    seen = set(
        restrict(model._default_manager.filter(pk__in=wanted), by, Action.VIEW).values_list("pk", flat=True)
    )
    return sorted(_describe(obj) for pk, obj in wanted.items() if pk not in seen)


def _check_reach(
    control: AppliedControl,
    *,
    by: Any,
    action: Action,
    changed: Iterable[str],
    links: Mapping[str, list[Any] | None],
) -> None:
    """Refuse a unit, person, reference control or link beyond the person's reach, naming
    each field; the system (`by` None) is not limited."""
    if is_system(by):
        return
    errors: dict[str, list[str]] = {}
    changed = set(changed)
    if "unit" in changed and not has_grant(by, Domain.COMPLIANCE, action, control.unit.path):
        errors["unit"] = [_("You do not manage compliance in this unit.")]
    for name, model in SINGLE_REFERENCES.items():
        value = getattr(control, name)
        if name in changed and value is not None and _invisible(model, by, [value]):
            errors[name] = [_("Person not found.") if model is Person else _("Reference control not found.")]
    messages = {
        "requirements": _("Requirement not found: %(objects)s."),
        "assets": _("Asset not found: %(objects)s."),
        "risks": _("Risk scenario not found: %(objects)s."),
    }
    for name, wanted in links.items():
        if wanted is None:
            continue
        missing = _invisible(LINK_MODELS[name], by, wanted)
        if missing:
            errors[name] = [messages[name] % {"objects": ", ".join(missing)}]
    if errors:
        raise ValidationError(errors)


def _check_fields(fields: Mapping[str, Any], function: str) -> None:
    unknown = set(fields) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"{function}() got unexpected fields {sorted(unknown)}")


def _check_tester(control: AppliedControl) -> None:
    """A control that is tested needs someone to test it."""
    if control.test_frequency != "none" and control.tester_id is None:
        raise ValidationError({"tester": [_("Name the tester of a control that is tested.")]})


@transaction.atomic
def create_control(
    *,
    by: Any,
    name: str,
    unit: OrgUnit,
    owner: Person,
    reference: str = "",
    requirements: Iterable[RequirementNode] = (),
    assets: Iterable[Asset] = (),
    risks: Iterable[RiskScenario] = (),
    reason: str = "",
    **fields: Any,
) -> AppliedControl:
    """Record a control the organisation runs; the reference is generated (CTL-000001)
    when none is given. `requirements` may come from any number of frameworks."""
    _check_fields(fields, "create_control")
    links: dict[str, list[Any]] = {
        "requirements": list(requirements),
        "assets": list(assets),
        "risks": list(risks),
    }
    control = AppliedControl(name=name, unit=unit, owner=owner, reference=reference, **fields)
    _check_reach(
        control, by=by, action=Action.ADD, changed={"unit", *SINGLE_REFERENCES}, links=dict(links.items())
    )
    _check_tester(control)
    save_numbered(control, CONTROL_REFERENCE_PREFIX)
    changes = audit.diff({}, audit.snapshot(control))
    for link, objects in links.items():
        if objects:
            getattr(control, link).set(objects)
            changes[LINK_CHANGE_KEYS[link]] = [None, _references(objects)]
    audit.record(control, AuditAction.CREATE, by=by, changes=changes, reason=reason)
    return control


@transaction.atomic
def update_control(
    control: AppliedControl,
    *,
    by: Any,
    reason: str = "",
    requirements: Iterable[RequirementNode] | None = None,
    assets: Iterable[Asset] | None = None,
    risks: Iterable[RiskScenario] | None = None,
    **fields: Any,
) -> AppliedControl:
    """Change a control; `requirements`, `assets` and `risks`, when given, replace the
    linked ones (links the person cannot see are kept). A new test frequency re-plans the
    control's scheduled tests. Records one event holding every change."""
    from garrison.compliance.services.testing import replan_tests

    _check_fields(fields, "update_control")
    before = audit.snapshot(control)
    for name, value in fields.items():
        setattr(control, name, value)
    after = audit.snapshot(control)
    changed = {name for name in ("unit", *SINGLE_REFERENCES) if before.get(name) != after.get(name)}
    wanted = {
        "requirements": _with_hidden_links(control, "requirements", requirements, by=by),
        "assets": _with_hidden_links(control, "assets", assets, by=by),
        "risks": _with_hidden_links(control, "risks", risks, by=by),
    }
    _check_reach(
        control,
        by=by,
        action=Action.CHANGE,
        changed=changed,
        links={name: _new_links(control, name, objects) for name, objects in wanted.items()},
    )
    _check_tester(control)
    control.full_clean()
    changes = audit.diff(before, audit.snapshot(control))
    for name, objects in wanted.items():
        changes.update(_set_links(control, name, objects))
    if changes:
        control.save()
        audit.record(control, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    if PLAN_FIELDS & set(changes):
        replan_tests(control, by=by, frequency_changed=bool({"test_frequency", "status"} & set(changes)))
    return control


def _with_hidden_links(
    control: AppliedControl, name: str, wanted: Iterable[Any] | None, *, by: Any
) -> list[Any] | None:
    """The links to set: those given, plus the existing ones the person cannot see (they
    could not have listed them, so they cannot mean to remove them)."""
    if wanted is None:
        return None
    wanted = list(wanted)
    if is_system(by):
        return wanted
    existing = list(getattr(control, name).all())
    visible = set(
        restrict(
            LINK_MODELS[name]._default_manager.filter(pk__in=[obj.pk for obj in existing]), by, Action.VIEW
        ).values_list("pk", flat=True)
    )
    given = {obj.pk for obj in wanted}
    return wanted + [obj for obj in existing if obj.pk not in visible and obj.pk not in given]


def _new_links(control: AppliedControl, name: str, wanted: list[Any] | None) -> list[Any] | None:
    """The objects of `wanted` not linked yet: only these need to be within reach."""
    if wanted is None:
        return None
    linked = set(getattr(control, name).values_list("pk", flat=True))
    return [obj for obj in wanted if obj.pk not in linked]


def _set_links(control: AppliedControl, name: str, wanted: list[Any] | None) -> dict[str, list[Any]]:
    if wanted is None:
        return {}
    manager = getattr(control, name)
    current = list(manager.all())
    if {obj.pk for obj in current} == {obj.pk for obj in wanted}:
        return {}
    manager.set(wanted)
    return {LINK_CHANGE_KEYS[name]: [_references(current) or None, _references(wanted) or None]}


def deletion_blockers(control: AppliedControl) -> list[str]:
    """Why the control cannot be deleted: the records that still rely on it."""
    blockers = []
    results = control.requirement_results.count()
    if results:
        blockers.append(
            _("%(count)d assessment results name it as the control behind them.") % {"count": results}
        )
    evidence = control.evidence.count()
    if evidence:
        blockers.append(_("%(count)d pieces of evidence are filed for it.") % {"count": evidence})
    return blockers


@transaction.atomic
def delete_control(control: AppliedControl, *, by: Any, reason: str = "") -> None:
    """Delete a control entered by mistake, with its scheduled and past tests; refused
    while assessment results or evidence rely on it (retire it instead)."""
    blockers = deletion_blockers(control)
    if blockers:
        raise ValidationError(
            [_("This control cannot be deleted; retire it instead."), *blockers], code="protected"
        )
    events = [
        audit.pending_for(
            test, AuditAction.DELETE, by=by, changes=audit.diff(audit.snapshot(test), {}), reason=reason
        )
        for test in control.tests.all()
    ]
    changes = audit.diff(audit.snapshot(control), {})
    for name, key in LINK_CHANGE_KEYS.items():
        linked = list(getattr(control, name).all())
        if linked:
            changes[key] = [_references(linked), None]
    events.append(audit.pending_for(control, AuditAction.DELETE, by=by, changes=changes, reason=reason))
    control.delete()
    audit.record_many(events)

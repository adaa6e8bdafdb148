"""Writes to the risk register's scenarios: create, change and delete, with their ratings
checked against the scenario's matrix and their levels derived from it.

Every write is validated in full before anything is saved, runs in one transaction
and appends its audit event. With `by=None` the system acts (the console, jobs, the
demo) and the reach checks are skipped; a person may only use units, owners, assets,
threats and matrices within their reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from garrison.assets.models import Asset
from garrison.core import audit
from garrison.core.models import OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, restrict
from garrison.core.services.references import save_numbered
from garrison.risks.matrix import Matrix, MatrixError
from garrison.risks.models import RiskMatrix, RiskScenario, Threat, Treatment

REFERENCE_PREFIX = "R-"
# (rating, is required): the target rating is optional, but then both of its halves are.
RATINGS = (("inherent", True), ("current", True), ("target", False))
RATING_FIELDS = frozenset(
    f"{rating}_{half}" for rating, _required in RATINGS for half in ("likelihood", "impact")
)
# Fields a caller may set; levels are derived, the reference is set once.
CHANGEABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "unit",
        "owner",
        "matrix",
        "existing_controls",
        "treatment",
        "status",
        "last_reviewed_at",
        *RATING_FIELDS,
    }
)
# Audit keys of the many-to-many links: not field names, because the history page
# reads a field's values as the ids of single objects.
ASSET_CHANGES = "asset_references"
THREAT_CHANGES = "threat_references"


def default_matrix() -> RiskMatrix | None:
    """The matrix new scenarios are rated on unless another is chosen."""
    return RiskMatrix.objects.filter(is_default=True).order_by("pk").first()


def _matrix_value(matrix: RiskMatrix) -> Matrix:
    try:
        return matrix.as_matrix()
    except MatrixError as error:
        raise ValidationError(
            {"matrix": [_("This matrix is malformed: %(error)s") % {"error": error}]}
        ) from None


def rate(scenario: RiskScenario) -> None:
    """Check the scenario's ratings against its matrix and store the levels they give.

    Raises one ValidationError naming every rating field that lies outside the matrix
    (or is missing its other half), so a form shows all of them at once.
    """
    matrix = _matrix_value(scenario.matrix)
    errors: dict[str, list[str]] = {}
    for rating, required in RATINGS:
        likelihood = getattr(scenario, f"{rating}_likelihood")
        impact = getattr(scenario, f"{rating}_impact")
        if not required and likelihood is None and impact is None:
            setattr(scenario, f"{rating}_level", None)
            continue
        for half, value, steps in (
            ("likelihood", likelihood, matrix.likelihood_steps),
            ("impact", impact, matrix.impact_steps),
        ):
            if value is None:
                errors[f"{rating}_{half}"] = [
                    _("Give both the likelihood and the impact.")
                    if not required
                    else _("This rating is required.")
                ]
            elif not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= steps:
                errors[f"{rating}_{half}"] = [
                    _("Must be between 1 and %(steps)s on the matrix “%(matrix)s”.")
                    % {"steps": steps, "matrix": scenario.matrix.name}
                ]
        if f"{rating}_likelihood" not in errors and f"{rating}_impact" not in errors:
            setattr(scenario, f"{rating}_level", matrix.level_of(likelihood, impact))
    if errors:
        raise ValidationError(errors)


def _check_reach(
    scenario: RiskScenario,
    *,
    by: Any,
    action: Action,
    changed: Iterable[str],
    assets: Iterable[Asset] | None,
    threats: Iterable[Threat] | None,
) -> None:
    """Refuse units, owners, matrices, assets and threats beyond the person's reach,
    naming each field; the system (`by` None) is not limited."""
    if by is None:
        return
    errors: dict[str, list[str]] = {}
    changed = set(changed)
    if "unit" in changed and not has_grant(by, Domain.RISKS, action, scenario.unit.path):
        errors["unit"] = [_("You do not manage risks in this unit.")]
    if "owner" in changed and not _visible(Person, by, [scenario.owner_id]):
        errors["owner"] = [_("Person not found.")]
    if "matrix" in changed and not _visible(RiskMatrix, by, [scenario.matrix_id]):
        errors["matrix"] = [_("Risk matrix not found.")]
    if assets is not None:
        missing = _invisible(Asset, by, assets)
        if missing:
            errors["assets"] = [_("Asset not found: %(assets)s.") % {"assets": ", ".join(missing)}]
    if threats is not None:
        missing = _invisible(Threat, by, threats)
        if missing:
            errors["threats"] = [_("Threat not found: %(threats)s.") % {"threats": ", ".join(missing)}]
    if errors:
        raise ValidationError(errors)


def _visible(model: type[models.Model], by: Any, ids: list[Any]) -> bool:
    return restrict(model._default_manager.filter(pk__in=ids), by, Action.VIEW).count() == len(set(ids))


def _invisible(model: type[models.Model], by: Any, objects: Iterable[models.Model]) -> list[str]:
    """The objects among `objects` the person may not see, by their name (sorted)."""
    wanted = {obj.pk: obj for obj in objects}
    if not wanted:
        return []
    seen = set(
        restrict(model._default_manager.filter(pk__in=wanted), by, Action.VIEW).values_list("pk", flat=True)
    )
    return sorted(str(obj) for pk, obj in wanted.items() if pk not in seen)


def _refuse_direct_acceptance(treatment: str, previous: str | None) -> None:
    if treatment == Treatment.ACCEPT and previous != Treatment.ACCEPT:
        raise ValidationError(
            {"treatment": [_("A risk is accepted by approving an acceptance request; ask for one instead.")]}
        )


def _references(objects: Iterable[models.Model]) -> str:
    return ", ".join(sorted(str(getattr(obj, "reference", obj)) for obj in objects))


@transaction.atomic
def create_scenario(
    *,
    by: Any,
    title: str,
    unit: OrgUnit,
    owner: Person,
    inherent_likelihood: int,
    inherent_impact: int,
    current_likelihood: int,
    current_impact: int,
    matrix: RiskMatrix | None = None,
    reference: str = "",
    assets: Iterable[Asset] = (),
    threats: Iterable[Threat] = (),
    reason: str = "",
    **fields: Any,
) -> RiskScenario:
    """Put a new risk scenario on the register, rated on `matrix` (the default matrix
    when none is given); the reference is generated (R-000001) when none is given."""
    unknown = set(fields) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"create_scenario() got unexpected fields {sorted(unknown)}")
    matrix = matrix or default_matrix()
    if matrix is None:
        raise ValidationError({"matrix": [_("Choose a risk matrix; no default matrix is loaded.")]})
    assets, threats = list(assets), list(threats)
    scenario = RiskScenario(
        title=title,
        unit=unit,
        owner=owner,
        matrix=matrix,
        inherent_likelihood=inherent_likelihood,
        inherent_impact=inherent_impact,
        current_likelihood=current_likelihood,
        current_impact=current_impact,
        # Unique placeholder until the id exists, so that validation passes and nothing clashes.
        reference=reference,
        **fields,
    )
    _refuse_direct_acceptance(scenario.treatment, None)
    _check_reach(
        scenario,
        by=by,
        action=Action.ADD,
        changed={"unit", "owner", "matrix"},
        assets=assets,
        threats=threats,
    )
    rate(scenario)
    save_numbered(scenario, REFERENCE_PREFIX)
    scenario.assets.set(assets)
    scenario.threats.set(threats)
    changes = audit.diff({}, audit.snapshot(scenario))
    if assets:
        changes[ASSET_CHANGES] = [None, _references(assets)]
    if threats:
        changes[THREAT_CHANGES] = [None, _references(threats)]
    audit.record(scenario, AuditAction.CREATE, by=by, changes=changes, reason=reason)
    return scenario


@transaction.atomic
def update_scenario(
    scenario: RiskScenario,
    *,
    by: Any,
    reason: str = "",
    assets: Iterable[Asset] | None = None,
    threats: Iterable[Threat] | None = None,
    **fields: Any,
) -> RiskScenario:
    """Change a scenario: its description, unit, owner, ratings (re-checked against the
    matrix, levels derived again), treatment decision or status; `assets` and `threats`,
    when given, replace the linked ones. Records one event holding every change."""
    unknown = set(fields) - CHANGEABLE_FIELDS
    if unknown:
        raise TypeError(f"update_scenario() got unexpected fields {sorted(unknown)}")
    before = audit.snapshot(scenario)
    previous_treatment = scenario.treatment
    for name, value in fields.items():
        setattr(scenario, name, value)
    _refuse_direct_acceptance(scenario.treatment, previous_treatment)
    after = audit.snapshot(scenario)
    changed = {name for name in ("unit", "owner", "matrix") if before.get(name) != after.get(name)}
    assets = _with_hidden_links(scenario, "assets", assets, by=by)
    threats = _with_hidden_links(scenario, "threats", threats, by=by)
    _check_reach(
        scenario,
        by=by,
        action=Action.CHANGE,
        changed=changed,
        assets=_new_links(scenario, "assets", assets),
        threats=_new_links(scenario, "threats", threats),
    )
    rate(scenario)
    scenario.full_clean()
    changes = audit.diff(before, audit.snapshot(scenario))
    changes.update(_set_links(scenario, "assets", assets, ASSET_CHANGES))
    changes.update(_set_links(scenario, "threats", threats, THREAT_CHANGES))
    if changes:
        scenario.save()
        audit.record(scenario, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    return scenario


def _with_hidden_links(
    scenario: RiskScenario, name: str, wanted: Iterable[Any] | None, *, by: Any
) -> list[Any] | None:
    """The links to set: those given, plus the existing ones the person cannot see
    (they could not have listed them, so they cannot mean to remove them)."""
    if wanted is None:
        return None
    wanted = list(wanted)
    if by is None:
        return wanted
    existing = list(getattr(scenario, name).all())
    model = getattr(RiskScenario, name).field.related_model
    visible = set(
        restrict(
            model._default_manager.filter(pk__in=[obj.pk for obj in existing]), by, Action.VIEW
        ).values_list("pk", flat=True)
    )
    given = {obj.pk for obj in wanted}
    return wanted + [obj for obj in existing if obj.pk not in visible and obj.pk not in given]


def _new_links(scenario: RiskScenario, name: str, wanted: list[Any] | None) -> list[Any] | None:
    """The objects of `wanted` not linked yet: only these need to be within reach."""
    if wanted is None:
        return None
    linked = set(getattr(scenario, name).values_list("pk", flat=True))
    return [obj for obj in wanted if obj.pk not in linked]


def _set_links(
    scenario: RiskScenario, name: str, wanted: list[Any] | None, key: str
) -> Mapping[str, list[Any]]:
    """Replace a many-to-many link when asked to; the change as an audit entry, if any."""
    if wanted is None:
        return {}
    manager = getattr(scenario, name)
    current = list(manager.all())
    if {obj.pk for obj in current} == {obj.pk for obj in wanted}:
        return {}
    manager.set(wanted)
    return {key: [_references(current) or None, _references(wanted) or None]}


@transaction.atomic
def delete_scenario(scenario: RiskScenario, *, by: Any, reason: str = "") -> None:
    """Take a scenario off the register, with its treatment plan and acceptances.

    Closing a scenario (status closed) keeps it for the record; deleting is for
    scenarios entered by mistake, so the deletion is kept in the audit trail with
    what the scenario held.
    """
    events = [
        audit.pending_for(
            item, AuditAction.DELETE, by=by, changes=audit.diff(audit.snapshot(item), {}), reason=reason
        )
        for item in [*scenario.actions.all(), *scenario.acceptances.all()]
    ]
    events.append(
        audit.pending_for(
            scenario,
            AuditAction.DELETE,
            by=by,
            changes=audit.diff(audit.snapshot(scenario), {}),
            reason=reason,
        )
    )
    scenario.delete()
    audit.record_many(events)

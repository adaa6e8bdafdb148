"""Writing risk matrices and threats: the organisation's own, and the parts of library
ones the organisation decides (a library matrix's appetite and whether it is the default).

Matrices and threats are library data shared by the whole organisation, so adding,
changing or removing one needs the grant over every organisation tree. A matrix is
described here as a library file describes it (scales, levels with colours, a grid
of level KEYS and the appetite as a level key), checked by the same parser, so a
form, the API and a library file meet the same rules and the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant_everywhere
from garrison.core.services.records import create_record, delete_record, update_record
from garrison.library import format as library_format
from garrison.risks.models import RiskMatrix, RiskScenario, Threat

LOCAL_URN_PREFIX = "urn:garrison:local"
# Fields a library owns on the objects it loads; the organisation's edits would be
# lost at the library's next version, so they are refused.
LIBRARY_MATRIX_FIELDS = ("name", "name_zh", "description", "likelihood", "impact", "levels", "grid")
ORGANISATION_MATRIX_FIELDS = ("appetite", "is_default")
MATRIX_INPUT_FIELDS = ("urn", *LIBRARY_MATRIX_FIELDS, *ORGANISATION_MATRIX_FIELDS)
THREAT_FIELDS = ("reference", "name", "name_zh", "category", "description", "description_zh")
LEVEL_FIELDS = ("inherent", "current", "target")


def may_change_catalogue(person: Any, action: Action = Action.CHANGE) -> bool:
    """Whether `person` may add, change or remove matrices and threats: library data
    of the whole organisation needs the grant over every organisation tree."""
    return has_grant_everywhere(person, Domain.RISKS, action)


def _require(by: Any, action: Action) -> None:
    if getattr(by, "pk", None) is not None and not may_change_catalogue(by, action):
        raise PermissionDenied(_("Changing the risk catalogue needs the right over the whole organisation."))


# Matrices ---------------------------------------------------------------------------------------


def matrix_as_input(matrix: RiskMatrix) -> dict[str, Any]:
    """A stored matrix in the input shape of `create_matrix`: grid and appetite as level keys."""
    keys = [str(level.get("key", "")) for level in matrix.levels]

    def key(rank: int) -> str:
        return keys[rank - 1] if 1 <= rank <= len(keys) else str(rank)

    return {
        "urn": matrix.urn,
        "name": matrix.name,
        "name_zh": matrix.name_zh,
        "description": matrix.description,
        "likelihood": list(matrix.likelihood),
        "impact": list(matrix.impact),
        "levels": list(matrix.levels),
        "grid": [[key(rank) for rank in row] for row in matrix.grid],
        "appetite": key(matrix.appetite),
        "is_default": matrix.is_default,
    }


def matrix_definition(data: Mapping[str, Any]) -> library_format.RiskMatrixDefinition:
    """Check a matrix given in its input shape; a ValidationError names each bad field."""
    problems = library_format.Problems(str(data.get("urn") or _("the matrix")))
    definition = library_format.parse_risk_matrix(data, problems)
    if problems or definition is None:
        raise ValidationError(_field_errors(problems.errors))
    return definition


def _field_errors(errors: Sequence[library_format.FormatError]) -> dict[str, list[str]]:
    by_field: dict[str, list[str]] = {}
    for error in errors:
        name = error.field if error.field in MATRIX_INPUT_FIELDS else NON_FIELD_ERRORS
        text = f"{error.part}: {error.message}" if error.part else error.message
        if name == NON_FIELD_ERRORS and error.field:
            text = f"{error.field}: {text}"
        by_field.setdefault(name, []).append(text)
    return by_field


def matrix_fields(definition: library_format.RiskMatrixDefinition) -> dict[str, Any]:
    """The model fields a definition sets (not the appetite or the default flag)."""
    return {
        "name": definition.name,
        "name_zh": definition.name_zh,
        "description": definition.description,
        "description_zh": definition.description_zh,
        **definition.stored_shape(),
    }


def local_urn(kind: str, name: str, model: type[RiskMatrix] | type[Threat]) -> str:
    """A URN for an object the organisation adds, readable and not yet used."""
    stem = f"{LOCAL_URN_PREFIX}:{kind}:{slugify(name)[:60] or kind}"
    urn, number = stem, 1
    while model.objects.filter(urn=urn).exists():
        number += 1
        urn = f"{stem}-{number}"
    return urn


def _check_new_urn(urn: str, model: type[RiskMatrix] | type[Threat]) -> None:
    problems = library_format.Problems("urn")
    library_format.required_urn({"urn": urn}, problems)
    if problems:
        raise ValidationError({"urn": [error.message for error in problems.errors]})
    if model.objects.filter(urn=urn).exists():
        raise ValidationError({"urn": [_("Another object already has this URN.")]})


@transaction.atomic
def create_matrix(*, by: Any, reason: str = "", **data: Any) -> RiskMatrix:
    """Add one of the organisation's own risk matrices (data as `matrix_as_input` gives it)."""
    _require(by, Action.ADD)
    unknown = set(data) - set(MATRIX_INPUT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    urn = str(data.get("urn") or "")
    definition = matrix_definition({**data, "urn": urn or f"{LOCAL_URN_PREFIX}:risk-matrix:new"})
    if urn:
        _check_new_urn(urn, RiskMatrix)
    else:
        urn = local_urn("risk-matrix", definition.name, RiskMatrix)
    if definition.is_default:
        _clear_default(by=by, reason=reason)
    return create_record(
        RiskMatrix,
        by=by,
        reason=reason,
        urn=urn,
        appetite=definition.appetite,
        is_default=definition.is_default,
        **matrix_fields(definition),
    )


@transaction.atomic
def update_matrix(matrix: RiskMatrix, *, by: Any, reason: str = "", **data: Any) -> RiskMatrix:
    """Change a matrix. A library's matrix changes only in its appetite and default flag;
    a matrix that rates scenarios keeps the number of its likelihood and impact steps,
    and when its grid changes, the levels stored on its scenarios are derived again."""
    _require(by, Action.CHANGE)
    matrix = RiskMatrix.objects.select_for_update().get(pk=matrix.pk)
    current = matrix_as_input(matrix)
    unknown = set(data) - set(MATRIX_INPUT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    if "urn" in data and data["urn"] not in ("", None, matrix.urn):
        raise ValidationError({"urn": [_("The URN of a matrix cannot change.")]})
    wanted = {**current, **{name: value for name, value in data.items() if name != "urn"}}
    definition = matrix_definition(wanted)
    every_field = {
        **matrix_fields(definition),
        "appetite": definition.appetite,
        "is_default": definition.is_default,
    }
    # Only what was given is written (the stored scales may carry fewer keys than a
    # definition spells out); new levels move the grid's and the appetite's ranks.
    given = set(data) - {"urn"}
    if "levels" in given:
        given |= {"grid", "appetite"}
    fields = {name: value for name, value in every_field.items() if name in given}
    if matrix.library_urn:
        refused = [
            name for name in LIBRARY_MATRIX_FIELDS if name in fields and fields[name] != getattr(matrix, name)
        ]
        if refused:
            message = _(
                "This matrix comes from the library %(library)s: load a newer version of the library "
                "to change it. Only its appetite and whether it is the default can change here."
            ) % {"library": matrix.library_urn}
            raise ValidationError({name: [message] for name in refused})
    check_dimensions_kept(matrix, len(definition.likelihood), len(definition.impact))
    grid_changed = "grid" in fields and fields["grid"] != matrix.grid
    if definition.is_default and not matrix.is_default:
        _clear_default(by=by, reason=reason, keep=matrix)
    matrix = update_record(matrix, by=by, reason=reason, **fields)
    if grid_changed:
        audit.record_many(rederive_scenario_levels(matrix, by=by, reason=reason))
    return matrix


def check_dimensions_kept(matrix: RiskMatrix, likelihood_steps: int, impact_steps: int) -> None:
    """Refuse to change the size of a matrix that rates scenarios: their ratings would
    point at steps that no longer exist, or mean something else."""
    if likelihood_steps == len(matrix.likelihood) and impact_steps == len(matrix.impact):
        return
    count = RiskScenario.objects.filter(matrix=matrix).count()
    if not count:
        return
    message = _(
        "The matrix rates %(count)d risk scenarios; the number of its likelihood and impact "
        "steps cannot change."
    ) % {"count": count}
    errors = {}
    if likelihood_steps != len(matrix.likelihood):
        errors["likelihood"] = [message]
    if impact_steps != len(matrix.impact):
        errors["impact"] = [message]
    raise ValidationError(errors)


def rederive_scenario_levels(matrix: RiskMatrix, *, by: Any, reason: str = "") -> list[audit.PendingEvent]:
    """Derive again the levels stored on the scenarios a matrix rates, after its grid
    changed; returns the audit events of the scenarios whose levels moved, for the
    caller to append with the rest of its change."""
    value = matrix.as_matrix()
    changed: list[RiskScenario] = []
    events: list[audit.PendingEvent] = []
    scenarios = RiskScenario.objects.filter(matrix=matrix).select_related("unit").order_by("pk")
    for scenario in scenarios.iterator(chunk_size=2000):
        changes: dict[str, list[Any]] = {}
        for prefix in LEVEL_FIELDS:
            likelihood = getattr(scenario, f"{prefix}_likelihood")
            impact = getattr(scenario, f"{prefix}_impact")
            level = value.level_of(likelihood, impact) if value.accepts(likelihood, impact) else None
            if prefix != "target" and level is None:
                continue  # a rating outside the matrix cannot happen: the size is kept
            old = getattr(scenario, f"{prefix}_level")
            if old != level:
                setattr(scenario, f"{prefix}_level", level)
                changes[f"{prefix}_level"] = [old, level]
        if changes:
            changed.append(scenario)
            events.append(
                audit.pending_for(
                    scenario,
                    AuditAction.UPDATE,
                    by=by,
                    changes=changes,
                    reason=reason or _("The grid of matrix %(matrix)s changed.") % {"matrix": matrix.urn},
                )
            )
    RiskScenario.objects.bulk_update(
        changed, ["inherent_level", "current_level", "target_level"], batch_size=1000
    )
    return events


def _clear_default(*, by: Any, reason: str, keep: RiskMatrix | None = None) -> None:
    """Only one matrix is the default one, offered first to new scenarios."""
    others = RiskMatrix.objects.filter(is_default=True)
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    for other in others:
        update_record(other, by=by, reason=reason, is_default=False)


@transaction.atomic
def delete_matrix(matrix: RiskMatrix, *, by: Any, reason: str = "") -> None:
    """Remove one of the organisation's own matrices that rates no scenario."""
    _require(by, Action.DELETE)
    if matrix.library_urn:
        raise ValidationError(
            _("This matrix comes from the library %(library)s and stays while the library is loaded.")
            % {"library": matrix.library_urn}
        )
    if RiskScenario.objects.filter(matrix=matrix).exists():
        raise ValidationError(_("This matrix rates risk scenarios and cannot be removed."))
    delete_record(matrix, by=by, reason=reason)


# Threats ----------------------------------------------------------------------------------------


def _threat_errors(fields: Mapping[str, Any]) -> None:
    problems = library_format.Problems("threat")
    library_format.parse_threat(
        {
            "urn": f"{LOCAL_URN_PREFIX}:threat:check",
            "ref_id": fields.get("reference"),
            **{name: fields.get(name) for name in THREAT_FIELDS if name != "reference"},
        },
        problems,
    )
    if problems:
        errors: dict[str, list[str]] = {}
        for error in problems.errors:
            name = "reference" if error.field == "ref_id" else error.field
            errors.setdefault(name if name in THREAT_FIELDS else NON_FIELD_ERRORS, []).append(error.message)
        raise ValidationError(errors)


@transaction.atomic
def create_threat(*, by: Any, reason: str = "", urn: str = "", **fields: Any) -> Threat:
    """Add one of the organisation's own threats to the catalogue."""
    _require(by, Action.ADD)
    unknown = set(fields) - set(THREAT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    values = {name: (fields.get(name) or "").strip() for name in THREAT_FIELDS}
    _threat_errors(values)
    if urn:
        _check_new_urn(urn, Threat)
    else:
        urn = local_urn("threat", values["reference"] or values["name"], Threat)
    return create_record(Threat, by=by, reason=reason, urn=urn, **values)


@transaction.atomic
def update_threat(threat: Threat, *, by: Any, reason: str = "", **fields: Any) -> Threat:
    """Change one of the organisation's own threats; a library's threats change only with
    a newer version of their library."""
    _require(by, Action.CHANGE)
    unknown = set(fields) - set(THREAT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    if threat.library_urn:
        raise ValidationError(
            _(
                "This threat comes from the library %(library)s: load a newer version of the library "
                "to change it."
            )
            % {"library": threat.library_urn}
        )
    values = {name: getattr(threat, name) for name in THREAT_FIELDS}
    values.update({name: (value or "").strip() for name, value in fields.items()})
    _threat_errors(values)
    return update_record(threat, by=by, reason=reason, **values)


@transaction.atomic
def delete_threat(threat: Threat, *, by: Any, reason: str = "") -> None:
    """Remove one of the organisation's own threats that no scenario names."""
    _require(by, Action.DELETE)
    if threat.library_urn:
        raise ValidationError(
            _("This threat comes from the library %(library)s and stays while the library is loaded.")
            % {"library": threat.library_urn}
        )
    if threat.scenarios.exists():
        raise ValidationError(_("Risk scenarios name this threat; it cannot be removed."))
    delete_record(threat, by=by, reason=reason)

"""Configuration of the supplier access paths: which stages and documents the standard
and express paths require, the shortlist's publicity period and, for express access, the
days its complete review may take and its value limit. Applications under way keep the
stages and documents they started with (garrison.suppliers.services.access).

Changing a path checks the person's reach (`require`), then every rule at once, and
writes in one transaction with its audit event. With `by=None` the system acts and the
reach check is skipped.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models.audit import AuditAction
from garrison.core.roles import Action
from garrison.core.scoping import can, require
from garrison.suppliers.models import AccessPath, AccessPathConfig, AccessStage, DocumentKind
from garrison.suppliers.workflows_access import stage_label

CONFIG_FIELDS = frozenset(
    {"stages", "required_documents", "publicity_days", "full_review_days", "value_limit_cny"}
)


# Configuration -----------------------------------------------------------------------------------


def _check_config(config: AccessPathConfig) -> None:
    errors: dict[str, list[str]] = {}
    stages = config.stages
    if not isinstance(stages, list) or not all(isinstance(stage, str) for stage in stages):
        errors["stages"] = [_("List the stages by their codes.")]
    else:
        unknown = [stage for stage in stages if stage not in AccessStage.values]
        order = list(AccessStage.values)
        if not stages:
            errors["stages"] = [_("Choose at least the final selection.")]
        elif unknown:
            errors["stages"] = [_("Unknown stages: %(stages)s.") % {"stages": ", ".join(unknown)}]
        elif len(set(stages)) != len(stages) or stages != sorted(stages, key=order.index):
            errors["stages"] = [
                _("List each stage once, in the order of the full chain: %(order)s.")
                % {"order": ", ".join(stage_label(stage) for stage in order)}
            ]
        elif stages[-1] != AccessStage.FINAL_SELECTION:
            errors["stages"] = [_("Every path ends with the final selection.")]
    documents = config.required_documents
    if not isinstance(documents, list) or not all(isinstance(kind, str) for kind in documents):
        errors["required_documents"] = [_("List the document kinds by their codes.")]
    else:
        unknown = [kind for kind in documents if kind not in DocumentKind.values]
        if unknown:
            errors["required_documents"] = [
                _("Unknown document kinds: %(kinds)s.") % {"kinds": ", ".join(unknown)}
            ]
        elif len(set(documents)) != len(documents):
            errors["required_documents"] = [_("List each document kind once.")]
    if (
        "stages" not in errors
        and AccessStage.SHORTLIST_ANNOUNCEMENT in stages
        and not (config.publicity_days or 0) >= 1
    ):
        errors["publicity_days"] = [
            _("A path with a shortlist announcement needs a publicity period of at least one day.")
        ]
    if config.path == AccessPath.EXPRESS and not config.full_review_days:
        errors["full_review_days"] = [
            _("Express access needs the number of days its complete review may take.")
        ]
    limit = config.value_limit_cny
    if limit is not None and limit < 0:
        errors["value_limit_cny"] = [_("Enter zero or more.")]
    try:
        config.full_clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def update_access_path(
    config: AccessPathConfig, *, by: Any, reason: str = "", **fields: Any
) -> AccessPathConfig:
    """Change which stages and documents a path requires, its publicity period and, for
    express access, its review deadline and value limit. Applications under way keep the
    stages and documents they started with."""
    unknown = set(fields) - CONFIG_FIELDS
    if unknown:
        raise TypeError(f"unexpected access path fields {sorted(unknown)}")
    require(by, Action.CHANGE, config)
    config = AccessPathConfig.objects.select_for_update().get(pk=config.pk)
    before = audit.snapshot(config)
    for name, value in fields.items():
        setattr(config, name, list(value) if name in ("stages", "required_documents") else value)
    _check_config(config)
    changes = audit.diff(before, audit.snapshot(config))
    if changes:
        config.save()
        audit.record(config, AuditAction.UPDATE, by=by, changes=changes, reason=reason)
    return config


def may_configure(person: Any) -> bool:
    config = AccessPathConfig.objects.first()
    return config is not None and can(person, Action.CHANGE, config)

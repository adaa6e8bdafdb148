"""The access application workflow (a garrison.core.workflow state machine).

qualification review → on-site inspection → internal assessment and testing → shortlist
announcement → final selection → approved, with rejected and withdrawn (each with a
reason) from any stage under way, and lapsed (the system, for express access whose
complete review was not done in time).

Which stages an application runs is configuration (AccessPathConfig.stages, copied into
`application.stages` when it starts), so there is one step per target stage and its guard
allows it only as the NEXT configured stage, after the current stage was recorded passed
(and, leaving the shortlist announcement, after the publicity period with no objection
open). The guards read the database but write nothing; `approval_blockers` lists every
reason approval is refused, so the page can say what stands in the way.

Reach is checked by garrison.suppliers.services.access (`require`) before a step is
taken, so jobs and the demo may take steps too; the steps themselves need no permission.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from garrison.core.roles import Domain
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import is_system, may_approve
from garrison.core.workflow import StateMachine, Transition
from garrison.suppliers.models import (
    ACTIVE_APPLICATION_STATUSES,
    SUBSTANDARD_STATUSES,
    AccessApplication,
    AccessPath,
    AccessStage,
    ApplicationStatus,
    DocumentKind,
    ObjectionStatus,
    StageOutcome,
    StageRecord,
)

S = ApplicationStatus


def stage_label(stage: str) -> str:
    try:
        return str(AccessStage(stage).label)
    except ValueError:
        return stage


def moment_text(moment: dt.datetime) -> str:
    """A moment as the pages show it, in the viewer's time zone (2026-12-05 11:55)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def next_stage(application: AccessApplication) -> str | None:
    """The stage after the current one on this application's path, or None at the last."""
    stages = list(application.stages or [])
    if application.status not in stages:
        return None
    position = stages.index(application.status)
    return stages[position + 1] if position + 1 < len(stages) else None


def step_name(stage: str) -> str:
    return f"to_{stage}"


def _record(application: AccessApplication, stage: str) -> StageRecord | None:
    return StageRecord.objects.filter(application_id=application.pk, stage=stage).first()


def leaving_blockers(application: AccessApplication, now: dt.datetime | None = None) -> list[str]:
    """Why the current stage may not be left yet (empty when it may)."""
    current = application.status
    record = _record(application, current)
    if record is None:
        return [_("Record the outcome of %(stage)s before moving on.") % {"stage": stage_label(current)}]
    if record.outcome != StageOutcome.PASSED:
        return [
            _("%(stage)s was failed; reject the application (a new application may follow).")
            % {"stage": stage_label(current)}
        ]
    refusals: list[str] = []
    if current == AccessStage.SHORTLIST_ANNOUNCEMENT:
        moment = now or timezone.now()
        ends = application.publicity_ends_at
        if ends is not None and moment < ends:
            refusals.append(
                _("The publicity period runs until %(end)s; the shortlist stands until then.")
                % {"end": moment_text(ends)}
            )
        refusals.extend(_open_objection_refusals(application))
    return refusals


def _open_objection_refusals(application: AccessApplication) -> list[str]:
    still_open = application.objections.filter(status=ObjectionStatus.OPEN).count()
    if not still_open:
        return []
    return [
        ngettext(
            "%(count)d objection is still open; resolve it before final selection.",
            "%(count)d objections are still open; resolve them before final selection.",
            still_open,
        )
        % {"count": still_open}
    ]


def step_blockers(application: AccessApplication, target: str) -> list[str]:
    """Why the application may not move to `target` now (empty when it may)."""
    stages = list(application.stages or [])
    if target not in stages:
        return [_("%(stage)s is not a stage of this application's path.") % {"stage": stage_label(target)}]
    following = next_stage(application)
    if following is None:
        return [
            _("%(stage)s is the last stage; approve or reject the application.")
            % {"stage": stage_label(application.status)}
        ]
    if target != following:
        return [
            _("%(current)s is followed by %(next)s on this path; a configured stage cannot be skipped.")
            % {"current": stage_label(application.status), "next": stage_label(following)}
        ]
    return leaving_blockers(application)


def missing_documents(application: AccessApplication, today: dt.date | None = None) -> list[str]:
    """The required document kinds the supplier does not hold unexpired, by name."""
    today = today or organisation_today()
    held = set(application.supplier.documents.exclude(expires_on__lt=today).values_list("kind", flat=True))
    missing = []
    for kind in application.required_documents or []:
        if kind not in held:
            try:
                missing.append(str(DocumentKind(kind).label))
            except ValueError:
                missing.append(kind)
    return missing


def approval_blockers(application: AccessApplication, by: Any = None) -> list[str]:
    """Every reason `by` may not approve the application now (empty when they may)."""
    refusals: list[str] = []
    if application.status != S.FINAL_SELECTION:
        refusals.append(
            _("Only an application at final selection can be approved; this one is at %(stage)s.")
            % {"stage": AccessWorkflow.state_label(application.status)}
        )
    else:
        record = _record(application, AccessStage.FINAL_SELECTION)
        if record is None:
            refusals.append(_("Record the outcome of the final selection before approving."))
        elif record.outcome != StageOutcome.PASSED:
            refusals.append(_("The final selection was failed; reject the application."))
    passed = set(
        StageRecord.objects.filter(application_id=application.pk, outcome=StageOutcome.PASSED).values_list(
            "stage", flat=True
        )
    )
    earlier = [stage for stage in application.stages or [] if stage != AccessStage.FINAL_SELECTION]
    unpassed = [stage_label(stage) for stage in earlier if stage not in passed]
    if unpassed:
        refusals.append(_("These stages were not passed: %(stages)s.") % {"stages": ", ".join(unpassed)})
    refusals.extend(_open_objection_refusals(application))
    if application.objections.filter(status=ObjectionStatus.UPHELD).exists():
        refusals.append(
            _("An objection to the shortlist was upheld, so the application cannot be approved; reject it.")
        )
    missing = missing_documents(application)
    if missing:
        refusals.append(
            _(
                "The supplier lacks these required documents (missing or expired): %(documents)s. "
                "Add them first."
            )
            % {"documents": ", ".join(missing)}
        )
    supplier = application.supplier
    if supplier.status in SUBSTANDARD_STATUSES:
        refusals.append(
            _("%(supplier)s is now %(status)s and cannot be qualified through access.")
            % {"supplier": supplier.display_name, "status": str(supplier.get_status_display()).lower()}
        )
    if not is_system(by):
        if not may_approve(by, Domain.SUPPLIERS, supplier.unit.path):
            refusals.append(
                _("You may not approve access for suppliers of %(unit)s; a Procurement Officer over it may.")
                % {"unit": supplier.unit.name}
            )
        elif application.path == AccessPath.STANDARD and application.requested_by_id == by.pk:
            refusals.append(_("You requested this application; someone else must approve standard access."))
    return refusals


def _joined(refusals: list[str]) -> str | None:
    return " ".join(refusals) or None


def _stage_guard(target: str) -> Any:
    def guard(application: AccessApplication, by: Any) -> str | None:
        return _joined(step_blockers(application, target))

    guard.__name__ = f"may_enter_{target}"
    return guard


def _approval_guard(application: AccessApplication, by: Any) -> str | None:
    return _joined(approval_blockers(application, by))


def _lapse_guard(application: AccessApplication, by: Any) -> str | None:
    if not is_system(by):
        return _("Express access lapses only by the daily job.")
    if application.path != AccessPath.EXPRESS:
        return _("Only express access lapses.")
    return None


def _earlier(stage: str) -> list[str]:
    position = list(AccessStage.values).index(stage)
    return list(AccessStage.values[:position])


ACTIVE = list(ACTIVE_APPLICATION_STATUSES)


class AccessWorkflow(StateMachine):
    states = ApplicationStatus
    field = "status"
    initial = S.QUALIFICATION_REVIEW
    transitions = [
        *(
            Transition(
                step_name(stage),
                source=_earlier(stage),
                target=stage,
                label=label,
                guard=_stage_guard(stage),
                permission=None,
            )
            for stage, label in AccessStage.choices
            if _earlier(stage)
        ),
        Transition(
            "approve",
            source=[S.FINAL_SELECTION],
            target=S.APPROVED,
            label=gettext_lazy("Approve access"),
            guard=_approval_guard,
            permission=None,
        ),
        Transition(
            "reject",
            source=ACTIVE,
            target=S.REJECTED,
            label=gettext_lazy("Reject"),
            requires_reason=True,
            permission=None,
        ),
        Transition(
            "withdraw",
            source=ACTIVE,
            target=S.WITHDRAWN,
            label=gettext_lazy("Withdraw"),
            requires_reason=True,
            permission=None,
        ),
        Transition(
            "lapse",
            source=[S.APPROVED],
            target=S.LAPSED,
            label=gettext_lazy("Lapse"),
            guard=_lapse_guard,
            permission=None,
        ),
    ]

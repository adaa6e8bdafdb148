"""The risk-acceptance workflow: someone asks to live with a risk until a date, and
someone else with the authority to accept risks over the scenario's unit decides.

requested → approved | rejected | withdrawn; approved → expired. Every step goes
through `AcceptanceWorkflow.apply` (garrison.core.workflow), which locks the row,
checks the step is possible and records it. Approval sets the scenario's treatment
to "accept"; expiry sends the scenario back to review and tells its owner.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.models import Person
from garrison.core.roles import Action, Domain
from garrison.core.scoping import approvers, can, may_approve
from garrison.core.services.notifications import notify
from garrison.core.services.records import create_record, update_record
from garrison.core.workflow import StateMachine, four_eyes_transitions
from garrison.risks import notifications as kinds
from garrison.risks.models import AcceptanceStatus, RiskAcceptance, RiskScenario, ScenarioStatus, Treatment

REQUESTER_MAY_NOT_DECIDE = gettext_lazy(
    "You asked for this acceptance; someone else with the authority to accept must decide."
)


def may_decide(acceptance: RiskAcceptance, by: Any) -> str | None:
    """Why `by` may not approve or reject `acceptance`, or None when they may."""
    if by is not None and getattr(by, "pk", None) == acceptance.requested_by_id:
        return str(REQUESTER_MAY_NOT_DECIDE)
    if not may_approve(by, Domain.RISKS, acceptance.scenario.unit.path):
        return _("You do not have the authority to accept risks in this unit.")
    return None


def _scenario_link(acceptance: RiskAcceptance) -> str:
    return reverse("risks:risk-detail", args=[acceptance.scenario_id])


def _tell_requester(acceptance: RiskAcceptance, applied: Any) -> None:
    approved = applied.target == AcceptanceStatus.APPROVED
    scenario = acceptance.scenario
    notify(
        acceptance.requested_by,
        kinds.ACCEPTANCE_DECIDED.code,
        title=format_lazy(
            gettext_lazy("Risk acceptance approved: {scenario}")
            if approved
            else gettext_lazy("Risk acceptance rejected: {scenario}"),
            scenario=str(scenario),
        ),
        body=applied.reason,
        link=_scenario_link(acceptance),
        target=acceptance,
        dedupe_key=f"risks.acceptance-decided:{acceptance.pk}",
    )


class AcceptanceWorkflow(StateMachine):
    """The states of a risk acceptance and who may move it between them.

    Deciding needs only sight of the acceptance in the workflow itself (so that a
    person out of reach gets 404); the guard then asks for the authority to accept
    and refuses the requester.
    """

    states = AcceptanceStatus
    field = "status"
    transitions = four_eyes_transitions(AcceptanceStatus, may_decide=may_decide, on_decided=[_tell_requester])


def approvers_of(scenario: RiskScenario) -> list[Person]:
    """The active people holding a role with the authority to accept risks over the
    scenario's unit (on the unit or one of the units above it)."""
    return approvers(Domain.RISKS, scenario.unit.path)


@transaction.atomic
def request_acceptance(
    scenario: RiskScenario, *, by: Any, justification: str, expires_on: dt.date
) -> RiskAcceptance:
    """Ask to accept the risk of `scenario` until `expires_on`; the approvers are told.

    Only one request per scenario waits for a decision at a time.
    """
    if by is not None and not can(by, Action.CHANGE, scenario):
        raise Http404
    # Lock the scenario: two requests made at once must not both pass the check below.
    RiskScenario.objects.select_for_update().filter(pk=scenario.pk).first()
    errors: dict[str, list[str]] = {}
    if not (justification or "").strip():
        errors["justification"] = [_("Say why this risk can be accepted.")]
    if expires_on is None or expires_on <= timezone.localdate():
        errors["expires_on"] = [_("The acceptance must expire at a date in the future.")]
    if RiskAcceptance.objects.filter(scenario=scenario, status=AcceptanceStatus.REQUESTED).exists():
        errors[NON_FIELD_ERRORS] = [_("This risk already has an acceptance request waiting for a decision.")]
    if errors:
        raise ValidationError(errors)
    acceptance = create_record(
        RiskAcceptance,
        by=by,
        scenario=scenario,
        requested_by=by,
        justification=justification.strip(),
        expires_on=expires_on,
    )
    for approver in approvers_of(scenario):
        if approver.pk == getattr(by, "pk", None):
            continue
        notify(
            approver,
            kinds.ACCEPTANCE_REQUESTED.code,
            title=format_lazy(gettext_lazy("Risk acceptance to decide: {scenario}"), scenario=str(scenario)),
            body=acceptance.justification,
            link=_scenario_link(acceptance),
            target=acceptance,
            dedupe_key=f"risks.acceptance-requested:{acceptance.pk}",
        )
    return acceptance


def _decide(acceptance: RiskAcceptance, name: str, *, by: Any, comment: str) -> RiskAcceptance:
    comment = (comment or "").strip()
    with transaction.atomic():
        AcceptanceWorkflow.apply(acceptance, name, by=by, reason=comment)
        # The transition event already records who decided, when and why; these
        # columns keep the same for the page and the API without a second event.
        decided_at = timezone.now()
        RiskAcceptance.objects.filter(pk=acceptance.pk).update(
            decided_by=by, decided_at=decided_at, decision_comment=comment
        )
        acceptance.decided_by, acceptance.decided_at, acceptance.decision_comment = by, decided_at, comment
        if acceptance.status == AcceptanceStatus.APPROVED:
            scenario = RiskScenario.objects.select_for_update().get(pk=acceptance.scenario_id)
            update_record(
                scenario,
                by=by,
                reason=_("Acceptance approved until %(date)s") % {"date": acceptance.expires_on.isoformat()},
                treatment=Treatment.ACCEPT,
            )
            acceptance.scenario = scenario
    return acceptance


def approve_acceptance(acceptance: RiskAcceptance, *, by: Any, comment: str = "") -> RiskAcceptance:
    """Accept the risk until the acceptance's expiry; the scenario's treatment becomes "accept"."""
    return _decide(acceptance, "approve", by=by, comment=comment)


def reject_acceptance(acceptance: RiskAcceptance, *, by: Any, comment: str = "") -> RiskAcceptance:
    """Refuse to accept the risk; the comment, required, tells the requester why."""
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say why the request is rejected.")]})
    return _decide(acceptance, "reject", by=by, comment=comment)


def withdraw_acceptance(acceptance: RiskAcceptance, *, by: Any, comment: str = "") -> RiskAcceptance:
    """The requester takes back a request nobody has decided yet."""
    AcceptanceWorkflow.apply(acceptance, "withdraw", by=by, reason=(comment or "").strip())
    return acceptance


def expire_acceptances(today: dt.date | None = None) -> int:
    """Expire every approved acceptance past its date; returns how many expired.

    Its scenario goes back to review and, unless a later approved acceptance still
    covers it, loses its "accept" treatment; the owner is told. Each acceptance is
    handled in its own transaction and a second run finds nothing left to do.
    """
    today = today or timezone.localdate()
    due = RiskAcceptance.objects.filter(status=AcceptanceStatus.APPROVED, expires_on__lt=today)
    expired = 0
    for acceptance in due.select_related("scenario__owner", "scenario__unit").order_by("expires_on", "pk"):
        with transaction.atomic():
            AcceptanceWorkflow.apply(acceptance, "expire", by=None)
            scenario = RiskScenario.objects.select_for_update().get(pk=acceptance.scenario_id)
            still_covered = RiskAcceptance.objects.filter(
                scenario=scenario, status=AcceptanceStatus.APPROVED, expires_on__gte=today
            ).exists()
            fields: dict[str, Any] = {"status": ScenarioStatus.NEEDS_REVIEW}
            if not still_covered and scenario.treatment == Treatment.ACCEPT:
                fields["treatment"] = Treatment.UNTREATED
            update_record(
                scenario,
                by=None,
                reason=_("Risk acceptance expired on %(date)s") % {"date": acceptance.expires_on.isoformat()},
                **fields,
            )
            notify(
                scenario.owner,
                kinds.ACCEPTANCE_EXPIRED.code,
                title=format_lazy(
                    gettext_lazy("Risk acceptance expired: {scenario}"), scenario=str(scenario)
                ),
                body=gettext_lazy("The risk is back for review: rate it again and decide its treatment."),
                link=_scenario_link(acceptance),
                target=scenario,
                dedupe_key=f"risks.acceptance-expired:{acceptance.pk}",
            )
            expired += 1
    return expired

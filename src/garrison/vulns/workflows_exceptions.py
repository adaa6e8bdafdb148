"""The states of an exception to the remediation of a finding and who may move it.

requested → approved | rejected | withdrawn; an approved risk acceptance → expired.
The same four-eyes workflow as the risk register's acceptances: someone holding a role
with the authority to decide in the vulnerability domain over the finding's unit
decides, never the person who asked; only the person who asked withdraws; the daily
job expires.
"""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.roles import Domain
from garrison.core.scoping import may_approve
from garrison.core.services.notifications import notify
from garrison.core.workflow import AppliedTransition, StateMachine, four_eyes_transitions
from garrison.vulns import notifications_findings as kinds
from garrison.vulns.models import ExceptionStatus, FindingException
from garrison.web.links import object_url

REQUESTER_MAY_NOT_DECIDE = gettext_lazy(
    "You asked for this exception; someone else with the authority to decide must approve or reject it."
)


def may_decide(exception: FindingException, by: Any) -> str | None:
    """Why `by` may not approve or reject `exception`, or None when they may."""
    if by is not None and getattr(by, "pk", None) == exception.requested_by_id:
        return str(REQUESTER_MAY_NOT_DECIDE)
    if not may_approve(by, Domain.VULNERABILITIES, exception.finding.unit.path):
        return _("You do not have the authority to decide exceptions for findings of this unit.")
    return None


def exception_link(exception: FindingException) -> str:
    return object_url("vulns.findingexception", exception.pk) or ""


def _tell_requester(exception: FindingException, applied: AppliedTransition) -> None:
    approved = applied.target == ExceptionStatus.APPROVED
    notify(
        exception.requested_by,
        kinds.EXCEPTION_DECIDED.code,
        title=format_lazy(
            gettext_lazy("Exception approved: {finding}")
            if approved
            else gettext_lazy("Exception rejected: {finding}"),
            finding=str(exception.finding),
        ),
        body=applied.reason,
        link=exception_link(exception),
        target=exception,
        dedupe_key=f"vulns.exception-decided:{exception.pk}",
    )


class ExceptionWorkflow(StateMachine):
    """Deciding needs only sight of the exception in the workflow itself (so that a person
    out of reach gets 404); the guard then asks for the authority to decide and refuses
    the requester."""

    states = ExceptionStatus
    field = "status"
    transitions = four_eyes_transitions(ExceptionStatus, may_decide=may_decide, on_decided=[_tell_requester])

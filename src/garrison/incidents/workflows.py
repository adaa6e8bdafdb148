"""The case workflow (a garrison.core.workflow state machine).

new → triage → containment → eradication → recovery → post-incident review → closed,
with a false-positive exit before handling ends and a reopening with a reason.
`garrison.incidents.services.cases.transition_incident` takes these steps and keeps the
case's timestamps, timeline and reporting obligations in step with them.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.workflow import StateMachine, Transition
from garrison.incidents.models import GRADE_RANK, Grade, Incident, IncidentStatus, ReviewStatus

S = IncidentStatus
# Cases of these grades close only after a completed post-incident review.
REVIEW_REQUIRED_FROM = GRADE_RANK[Grade.RELATIVELY_MAJOR]


def review_required(incident: Incident) -> bool:
    return GRADE_RANK.get(incident.effective_grade, 0) >= REVIEW_REQUIRED_FROM


def closing_blocker(incident: Incident, by: Any = None) -> str | None:
    """Why `incident` may not close yet, or None: a relatively major or graver case
    needs a completed post-incident review."""
    if not review_required(incident):
        return None
    review = getattr(incident, "review", None) if hasattr(incident, "review") else None
    if review is not None and review.status == ReviewStatus.COMPLETED:
        return None
    return _("A %(grade)s incident closes only after its post-incident review is completed.") % {
        "grade": Grade(incident.effective_grade).label.lower()
    }


class IncidentWorkflow(StateMachine):
    states = IncidentStatus
    field = "status"
    transitions = [
        Transition("triage", source=[S.NEW], target=S.TRIAGE, label=gettext_lazy("Start triage")),
        Transition(
            "contain",
            source=[S.NEW, S.TRIAGE],
            target=S.CONTAINMENT,
            label=gettext_lazy("Start containment"),
        ),
        Transition(
            "eradicate",
            source=[S.CONTAINMENT],
            target=S.ERADICATION,
            label=gettext_lazy("Contained: start eradication"),
        ),
        Transition(
            "recover",
            source=[S.CONTAINMENT, S.ERADICATION],
            target=S.RECOVERY,
            label=gettext_lazy("Start recovery"),
        ),
        Transition(
            "review",
            source=[S.RECOVERY],
            target=S.POST_INCIDENT_REVIEW,
            label=gettext_lazy("Handling ended: start the review"),
        ),
        Transition(
            "close",
            source=[S.RECOVERY, S.POST_INCIDENT_REVIEW],
            target=S.CLOSED,
            label=gettext_lazy("Close the case"),
            guard=closing_blocker,
        ),
        Transition(
            "false_positive",
            source=[S.NEW, S.TRIAGE, S.CONTAINMENT],
            target=S.FALSE_POSITIVE,
            label=gettext_lazy("Not an incident: false positive"),
            requires_reason=True,
        ),
        Transition(
            "reopen",
            source=[S.CLOSED, S.FALSE_POSITIVE],
            target=S.TRIAGE,
            label=gettext_lazy("Reopen"),
            requires_reason=True,
        ),
    ]

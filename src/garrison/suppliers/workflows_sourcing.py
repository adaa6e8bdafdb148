"""The sourcing event workflow (a garrison.core.workflow state machine).

draft → open (suppliers invited, weighted criteria, a bid deadline ahead) → evaluation
(bidding closed with at least one bid) → shortlisted (every evaluator declared, every
evaluator without a conflict scored every bid on every criterion) → awarded (after the
shortlist's publicity period); cancelled, with a reason, from any state before the award.
`garrison.suppliers.services.sourcing` takes these steps and writes the timeline.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from garrison.core.workflow import StateMachine, Transition
from garrison.suppliers.models import BidScore, SourcingEvent, SourcingStatus

S = SourcingStatus
FINISHED_STATUSES = (S.AWARDED, S.CANCELLED)


def opening_blocker(event: SourcingEvent, by: Any = None) -> str | None:
    """Why `event` may not open for bids yet, or None."""
    problems = []
    if not event.invitations.exists():
        problems.append(_("Invite at least one supplier."))
    weights = list(event.criteria.values_list("weight", flat=True))
    if not weights:
        problems.append(_("Add at least one evaluation criterion."))
    elif any(weight <= 0 for weight in weights):
        problems.append(_("Give every criterion a weight above zero."))
    if event.bid_deadline is None:
        problems.append(_("Set the bid deadline."))
    elif event.bid_deadline <= timezone.now():
        problems.append(_("The bid deadline has passed; set one in the future."))
    return " ".join(problems) or None


def closing_blocker(event: SourcingEvent, by: Any = None) -> str | None:
    if not event.bids.exists():
        return _("No bid has been recorded; wait for bids or cancel the event.")
    return None


def scoring_blocker(event: SourcingEvent, by: Any = None) -> str | None:
    """Why the shortlist may not be announced yet: every evaluator has signed the
    declaration, at least one is not recused, and each one not recused has scored every
    bid on every criterion."""
    evaluators = list(event.evaluators.select_related("person"))
    undeclared = [str(evaluator.person) for evaluator in evaluators if evaluator.declared_at is None]
    if undeclared:
        return _("Waiting for the conflict-of-interest declaration of: %(names)s.") % {
            "names": ", ".join(undeclared)
        }
    scoring = [evaluator for evaluator in evaluators if not evaluator.has_conflict]
    if not scoring:
        return _("Add an evaluator without a conflict of interest: no one can score the bids.")
    wanted = event.bids.count() * event.criteria.count()
    scored = BidScore.objects.filter(bid__event=event, criterion__event=event)
    incomplete = [
        str(evaluator.person) for evaluator in scoring if scored.filter(evaluator=evaluator).count() < wanted
    ]
    if incomplete:
        return _("Waiting for the scores of: %(names)s (every bid on every criterion).") % {
            "names": ", ".join(incomplete)
        }
    return None


def award_blocker(event: SourcingEvent, by: Any = None) -> str | None:
    if event.publicity_ends_at is not None and event.publicity_ends_at > timezone.now():
        return _("The shortlist is in its publicity period until %(moment)s.") % {
            "moment": timezone.localtime(event.publicity_ends_at).strftime("%Y-%m-%d %H:%M %z")
        }
    if not event.bids.filter(is_shortlisted=True).exists():
        return _("No bid is on the shortlist.")
    return None


class SourcingWorkflow(StateMachine):
    states = SourcingStatus
    field = "status"
    transitions = [
        Transition(
            "open",
            source=[S.DRAFT],
            target=S.OPEN,
            label=gettext_lazy("Open for bids"),
            guard=opening_blocker,
        ),
        Transition(
            "close_bidding",
            source=[S.OPEN],
            target=S.EVALUATION,
            label=gettext_lazy("Close bidding and evaluate"),
            guard=closing_blocker,
        ),
        Transition(
            "shortlist",
            source=[S.EVALUATION],
            target=S.SHORTLISTED,
            label=gettext_lazy("Announce the shortlist"),
            guard=scoring_blocker,
        ),
        Transition(
            "award",
            source=[S.SHORTLISTED],
            target=S.AWARDED,
            label=gettext_lazy("Award"),
            guard=award_blocker,
            requires_reason=True,
        ),
        Transition(
            "cancel",
            source=[S.DRAFT, S.OPEN, S.EVALUATION, S.SHORTLISTED],
            target=S.CANCELLED,
            label=gettext_lazy("Cancel the event"),
            requires_reason=True,
        ),
    ]

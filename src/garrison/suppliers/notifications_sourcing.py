"""Notification kinds of sourcing events."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

EVALUATOR_ADDED = register(
    "suppliers.sourcing-evaluator-added",
    _("Asked to evaluate a sourcing event"),
    description=_(
        "A buyer made you an evaluator of a sourcing event: sign the conflict-of-interest "
        "declaration before you see the bids."
    ),
)
BIDS_READY = register(
    "suppliers.sourcing-bids-ready",
    _("Bids ready for evaluation"),
    description=_("Bidding closed on a sourcing event you evaluate: the bids are ready to score."),
)

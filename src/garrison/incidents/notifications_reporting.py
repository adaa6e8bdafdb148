"""Notification kinds of the reporting clocks."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

OBLIGATION_DUE_SOON = register(
    "incidents.obligation-due-soon",
    _("Report due within the hour"),
    description=_("A report you owe as the handler of a case is due within the hour."),
)
OBLIGATION_OVERDUE = register(
    "incidents.obligation-overdue",
    _("Report overdue"),
    description=_("A report you owe as the handler of a case is past its deadline."),
)
OBLIGATION_ESCALATED = register(
    "incidents.obligation-escalated",
    _("Overdue report escalated"),
    description=_(
        "A report of a case in your units, or on your escalation chain, is past its deadline "
        "and not yet sent."
    ),
)

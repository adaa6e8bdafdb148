"""Notification kinds of incident cases."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

CASE_ASSIGNED = register(
    "incidents.case-assigned",
    _("Incident assigned to you"),
    description=_("Someone made you the handler of an incident case."),
)

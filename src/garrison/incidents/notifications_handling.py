"""Notification kinds of case handling: tasks given to a person and tasks overdue."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

TASK_ASSIGNED = register(
    "incidents.task-assigned",
    _("Incident task assigned"),
    description=_("Someone gave you a task in an incident case."),
)
TASK_OVERDUE = register(
    "incidents.task-overdue",
    _("Incident task overdue"),
    description=_("A task of yours in an incident case is past its due time (once a day)."),
)

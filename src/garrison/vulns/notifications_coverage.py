"""Notification kind of monthly coverage: critical information systems that were not
scanned within the policy's window or not penetration-tested within its period."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

COVERAGE_GAPS = register(
    "vulns.coverage-gaps",
    _("Critical systems not scanned or not penetration-tested"),
    description=_(
        "Once a month: the critical information systems in your units that were not scanned "
        "within the policy's window or have had no penetration test within its period."
    ),
)

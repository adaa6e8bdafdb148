"""Notification kinds of the control-testing calendar."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

CONTROL_TEST_DUE = register(
    "compliance.control-test-due",
    _("Control test due"),
    description=_("A control test you perform is due within a week."),
)
CONTROL_TEST_OVERDUE = register(
    "compliance.control-test-overdue",
    _("Control test overdue"),
    description=_("A control test you perform is past its due date."),
)
CONTROL_TEST_FAILED = register(
    "compliance.control-test-failed",
    _("Control test failed"),
    description=_("A test of a control you own failed and opened a nonconformity."),
)

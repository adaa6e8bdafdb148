"""Notification kinds of supplier assessments."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

ASSESSMENT_SUBMITTED = register(
    "suppliers.assessment-submitted",
    _("Supplier questionnaire answered"),
    description=_("A supplier submitted its answers to a questionnaire you sent; it awaits review."),
)

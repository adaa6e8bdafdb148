"""Notification kinds of audits, findings and corrective actions."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

FINDING_ASSIGNED = register(
    "compliance.finding-assigned",
    _("Audit finding assigned"),
    description=_("An audit raised a finding you own: plan its corrective actions."),
)
CORRECTIVE_ACTION_ASSIGNED = register(
    "compliance.corrective-action-assigned",
    _("Corrective action assigned"),
    description=_("You owe a corrective action for an audit finding."),
)
CORRECTIVE_ACTION_DUE = register(
    "compliance.corrective-action-due",
    _("Corrective action due soon"),
    description=_("A corrective action you own is due within a week."),
)
CORRECTIVE_ACTION_OVERDUE = register(
    "compliance.corrective-action-overdue",
    _("Corrective action overdue"),
    description=_("A corrective action you own is past its due date."),
)
FINDING_TO_VERIFY = register(
    "compliance.finding-to-verify",
    _("Finding ready for verification"),
    description=_("Every corrective action of a finding is done: verify whether they were effective."),
)
VERIFICATION_WAITING = register(
    "compliance.verification-waiting",
    _("Verification waiting"),
    description=_("A finding of an audit you lead has waited more than two weeks for verification."),
)
FINDING_REOPENED = register(
    "compliance.finding-reopened",
    _("Finding reopened"),
    description=_("The corrective actions of a finding you own were not effective: it is open again."),
)

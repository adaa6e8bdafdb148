"""Notification kinds of scan imports run in the background."""

from django.utils.translation import gettext_lazy as _

from garrison.core.notification_kinds import register

IMPORT_FINISHED = register(
    "vulns.import-finished",
    _("Scan import finished"),
    email=False,
    description=_("A scanner file you uploaded has been imported: what it found new, fixed and reopened."),
)
IMPORT_FAILED = register(
    "vulns.import-failed",
    _("Scan import failed"),
    description=_("A scanner file you uploaded could not be imported; nothing was changed."),
)

"""Retention: removing records the platform no longer needs, with a trace in the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from garrison.core import audit
from garrison.core.models import LoginFailure
from garrison.core.models.audit import AuditAction


@transaction.atomic
def purge_login_failures(*, before: dt.datetime, by: Any) -> int:
    """Delete failed-login records older than `before`; returns how many went.

    One audit event records the purge (count and cut-off), not one per row: the
    rows are throttling data, not domain objects.
    """
    deleted, _per_model = LoginFailure.objects.filter(occurred_at__lt=before).delete()
    if deleted:
        audit.record_many(
            [
                audit.PendingEvent(
                    action=AuditAction.DELETE,
                    object_type=audit.object_type_of(LoginFailure),
                    object_id="*",
                    object_repr=_("Failed logins before %(time)s") % {"time": before.isoformat()},
                    changes={"deleted": deleted, "before": before},
                    reason=_("Retention period elapsed"),
                    actor=by,
                )
            ]
        )
    return deleted

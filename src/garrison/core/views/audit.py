"""Web pages of the audit trail: the event list and on-demand chain verification.

Both are for people holding the audit view grant (auditors and administrators);
anyone else gets the same 404 as for a page that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.core.audit import verify_trail
from garrison.core.forms.audit import AuditEventFilter
from garrison.core.models import AuditEvent
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, has_grant_everywhere
from garrison.core.tables import AUDIT_EVENT_COLUMNS
from garrison.web.lists import ObjectListView


def _require_audit_grant(person: Any) -> None:
    if not has_grant(person, Domain.AUDIT, Action.VIEW):
        raise Http404


class AuditEventListView(ObjectListView):
    model = AuditEvent
    filterset_class = AuditEventFilter
    columns = AUDIT_EVENT_COLUMNS
    search_fields = ("object_repr", "actor_label", "reason")
    default_ordering = ("-sequence",)
    title = gettext_lazy("Audit trail")
    empty_message = gettext_lazy("No events match these filters.")
    export_name = "audit-events"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_audit_grant(request.user)
        return super().get(request, *args, **kwargs)

    def ordering(self, sort: str) -> list[str]:
        # The sequence is unique and gives the chain order: no further tie-breaker needed.
        return [sort, "-sequence"] if sort else ["-sequence"]


@require_POST
@login_required
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Walk the whole chain now (O(number of events)) and report the result.

    The walk covers every event, so only someone who may read the whole trail runs it
    (it also keeps a subtree's auditor from loading the web workers with it)."""
    if not has_grant_everywhere(request.user, Domain.AUDIT, Action.VIEW):
        raise Http404
    count, problem = verify_trail()
    if problem is None:
        messages.success(
            request, _("The audit trail is intact: %(count)d events verified.") % {"count": count}
        )
    else:
        messages.error(
            request,
            _("The audit trail is broken at event #%(sequence)d: %(reason)s")
            % {"sequence": problem.sequence, "reason": problem.reason},
        )
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("web:dashboard")

"""The dashboard: what the person can see, what they answer for, what just happened."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from garrison.core.models import AuditChainHead, AuditEvent, OrgUnit, Person, Responsibility, RoleAssignment
from garrison.core.roles import Action, Domain
from garrison.core.scoping import has_grant, has_grant_everywhere, restrict
from garrison.web.dashboard import tiles_for
from garrison.web.details import describe_targets
from garrison.web.links import optional_url

RECENT_EVENTS = 10
RESPONSIBILITIES_SHOWN = 20


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, Person)  # login_required has run
    counts = [
        (_("Organisation units"), restrict(OrgUnit.objects.all(), person).count(), reverse("core:unit-list")),
        (_("People"), restrict(Person.objects.all(), person).count(), reverse("core:person-list")),
        (
            _("Role assignments"),
            restrict(RoleAssignment.objects.all(), person).count(),
            reverse("core:role-assignment-list"),
        ),
    ]
    held = Responsibility.objects.filter(person=person).select_related("content_type")
    may_audit = has_grant(person, Domain.AUDIT, Action.VIEW)
    may_verify = has_grant_everywhere(person, Domain.AUDIT, Action.VIEW)
    context = {
        "counts": counts,
        "tiles": tiles_for(person),
        "responsibilities": describe_targets(held[:RESPONSIBILITIES_SHOWN], person),
        "may_audit": may_audit,
        "recent_events": restrict(AuditEvent.objects.all(), person)[:RECENT_EVENTS] if may_audit else [],
        # The chain's size and the full walk are about the whole trail: only for those who read all of it.
        "may_verify": may_verify,
        "chain_head": AuditChainHead.objects.filter(pk=1).first() if may_verify else None,
        "notifications_url": optional_url("notifications:list"),
    }
    return render(request, "web/dashboard.html", context)

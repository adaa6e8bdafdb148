"""Web pages of the post-incident review: start it, write it, complete or reopen it, and
add, change and complete its corrective actions. The review is shown on the case page
(the _review partial, fed by `review_card`).

Thin: every object is found through scoping (so forbidden answers 404 like missing), and
every write goes through garrison.incidents.services.reviews.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from garrison.compliance.models import AppliedControl
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import can, restrict
from garrison.incidents.forms_reviews import (
    CompleteActionForm,
    ReopenReviewForm,
    ReviewActionForm,
    ReviewForm,
)
from garrison.incidents.models import Incident, PostIncidentReview, ReviewAction
from garrison.incidents.services import reviews as services
from garrison.risks.models import RiskScenario
from garrison.web.forms import apply_service_errors, split_reason
from garrison.web.links import object_url

REVIEW_ANCHOR = "#review"


def _incident(request: HttpRequest, pk: int, action: Action = Action.CHANGE) -> Incident:
    return get_object_or_404(restrict(Incident.objects.select_related("unit"), request.user, action), pk=pk)


def _review_of(incident: Incident) -> PostIncidentReview:
    review = PostIncidentReview.objects.filter(incident=incident).select_related("incident").first()
    if review is None:
        raise Http404
    return review


def _case_url(incident_id: int) -> str:
    return reverse("incidents:incident-detail", args=[incident_id]) + REVIEW_ANCHOR


def _errors_as_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form_page(
    request: HttpRequest, template: str, form: forms.BaseForm, *, title: str, incident: Incident
) -> HttpResponse:
    context = {"form": form, "title": title, "incident": incident, "cancel_url": _case_url(incident.pk)}
    return render(request, template, context, status=400 if form.errors else 200)


# The card on the case page ---------------------------------------------------------------------


@dataclass
class LinkedObject:
    label: str
    url: str | None


@dataclass
class ActionRow:
    action: ReviewAction
    risks: list[LinkedObject]
    controls: list[LinkedObject]
    is_overdue: bool
    may_change: bool


def review_card(incident: Incident, person: Any, today: dt.date | None = None) -> dict[str, Any]:
    """What the _review partial shows to `person`: the review, its actions with the
    linked risks and controls the person may see, and what they may do."""
    today = today or organisation_today()
    review = PostIncidentReview.objects.filter(incident=incident).select_related("completed_by").first()
    may_change_case = can(person, Action.CHANGE, incident)
    if review is None:
        return {
            "review": None,
            "may_start": may_change_case and incident.status in services.REVIEWABLE_STATUSES,
            "may_change": may_change_case,
        }
    actions = list(
        review.actions.select_related("owner").prefetch_related("risks", "controls").order_by("due_on", "pk")
    )
    visible_risks = set(
        restrict(
            RiskScenario.objects.filter(incident_actions__review=review), person, Action.VIEW
        ).values_list("pk", flat=True)
    )
    visible_controls = set(
        restrict(
            AppliedControl.objects.filter(incident_actions__review=review), person, Action.VIEW
        ).values_list("pk", flat=True)
    )
    changeable = set(restrict(review.actions.all(), person, Action.CHANGE).values_list("pk", flat=True))
    rows = [
        ActionRow(
            action=action,
            risks=[
                LinkedObject(f"{risk.reference} {risk.title}", object_url("risks.riskscenario", risk.pk))
                for risk in action.risks.all()
                if risk.pk in visible_risks
            ],
            controls=[
                LinkedObject(
                    f"{control.reference} {control.name}", object_url("compliance.appliedcontrol", control.pk)
                )
                for control in action.controls.all()
                if control.pk in visible_controls
            ],
            is_overdue=action.status in services.OPEN_ACTION_STATUSES
            and action.due_on is not None
            and action.due_on < today,
            may_change=action.pk in changeable and action.status in services.OPEN_ACTION_STATUSES,
        )
        for action in actions
    ]
    participants = restrict(review.participants.all(), person, Action.VIEW).order_by("full_name")
    return {
        "review": review,
        "participants": list(participants),
        "action_rows": rows,
        "may_change": may_change_case,
        "may_reopen": may_change_case and incident.status != "closed",
    }


# The review ------------------------------------------------------------------------------------


@require_POST
@login_required
def review_start(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = _incident(request, pk)
    try:
        services.start_review(incident, by=request.user)
    except ValidationError as error:
        _errors_as_messages(request, error)
        return redirect(_case_url(incident.pk))
    messages.success(request, _("The post-incident review is started."))
    return redirect("incidents:review-update", pk=incident.pk)


@login_required
def review_update(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = _incident(request, pk)
    review = _review_of(incident)
    form = ReviewForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(review), person=request.user
    )
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        participants = fields.pop("participants")
        try:
            services.update_review(
                review, by=request.user, reason=reason, participants=participants, **fields
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_case_url(incident.pk))
    return _form_page(
        request,
        "incidents/review_form.html",
        form,
        title=_("Post-incident review of %(incident)s") % {"incident": incident},
        incident=incident,
    )


@require_POST
@login_required
def review_complete(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = _incident(request, pk)
    review = _review_of(incident)
    try:
        services.complete_review(review, by=request.user)
    except ValidationError as error:
        _errors_as_messages(request, error)
    else:
        messages.success(request, _("The post-incident review is completed."))
    return redirect(_case_url(incident.pk))


@login_required
def review_reopen(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = _incident(request, pk)
    review = _review_of(incident)
    form = ReopenReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen_review(review, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The post-incident review is open again."))
            return redirect(_case_url(incident.pk))
    context = {
        "title": _("Reopen the review of %(incident)s") % {"incident": incident},
        "question": _("The review becomes a draft again and must be completed before a graver case closes."),
        "form": form,
        "confirm_label": _("Reopen"),
        "cancel_url": _case_url(incident.pk),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


# Corrective actions ----------------------------------------------------------------------------


@login_required
def review_action_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = _incident(request, pk)
    review = _review_of(incident)
    form = ReviewActionForm(request.POST if request.method == "POST" else None, person=request.user)
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            services.add_action(review, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The corrective action is added."))
            return redirect(_case_url(incident.pk))
    return _form_page(
        request,
        "incidents/review_action_form.html",
        form,
        title=_("New corrective action for %(incident)s") % {"incident": incident},
        incident=incident,
    )


def _action(request: HttpRequest, pk: int) -> ReviewAction:
    queryset = ReviewAction.objects.select_related("review__incident", "owner")
    return get_object_or_404(restrict(queryset, request.user, Action.CHANGE), pk=pk)


@login_required
def review_action_update(request: HttpRequest, pk: int) -> HttpResponseBase:
    action = _action(request, pk)
    incident = action.review.incident
    form = ReviewActionForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(action), person=request.user
    )
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            services.update_action(action, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_case_url(incident.pk))
    return _form_page(
        request,
        "incidents/review_action_form.html",
        form,
        title=_("Corrective action: %(action)s") % {"action": action.title},
        incident=incident,
    )


@require_POST
@login_required
def review_action_complete(request: HttpRequest, pk: int) -> HttpResponseBase:
    action = _action(request, pk)
    form = CompleteActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    else:
        try:
            services.complete_action(action, by=request.user, completed_on=form.cleaned_data["completed_on"])
        except ValidationError as error:
            _errors_as_messages(request, error)
        else:
            messages.success(request, _("The corrective action is done."))
    return redirect(_case_url(action.review.incident_id))


urlpatterns: list[URLPattern] = [
    path("cases/<int:pk>/review/start/", review_start, name="review-start"),
    path("cases/<int:pk>/review/edit/", review_update, name="review-update"),
    path("cases/<int:pk>/review/complete/", review_complete, name="review-complete"),
    path("cases/<int:pk>/review/reopen/", review_reopen, name="review-reopen"),
    path("cases/<int:pk>/review/actions/new/", review_action_create, name="review-action-create"),
    path("review-actions/<int:pk>/edit/", review_action_update, name="review-action-update"),
    path("review-actions/<int:pk>/complete/", review_action_complete, name="review-action-complete"),
]

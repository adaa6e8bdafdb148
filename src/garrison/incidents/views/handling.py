"""Pages of case handling: timeline events, tasks (and "my incident tasks"), applying a
playbook, and evidence (upload, download, verification).

The cards on the case page (templates/incidents/_timeline.html, _tasks.html,
_evidence.html) link here. Every page finds the case or record through scoping, so one
out of reach answers 404; writes go through garrison.incidents.services.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.incidents.forms_handling import ApplyPlaybookForm, EvidenceForm, TaskForm, TimelineEventForm
from garrison.incidents.models import (
    OPEN_TASK_STATUSES,
    Incident,
    IncidentEvidence,
    IncidentTask,
    TimelineEvent,
)
from garrison.incidents.services import evidence as evidence_services
from garrison.incidents.services import playbooks as playbook_services
from garrison.incidents.services import tasks as task_services
from garrison.incidents.services import timeline as timeline_services
from garrison.incidents.tables_handling import TASK_COLUMNS
from garrison.web.files import attachment_download
from garrison.web.forms import apply_service_errors, split_reason, style_form
from garrison.web.links import object_url
from garrison.web.lists import ObjectListView

FORM_TEMPLATE = "web/form.html"
UPLOAD_TEMPLATE = "incidents/handling_upload_form.html"


def _incident(request: HttpRequest, pk: int, action: Action = Action.CHANGE) -> Incident:
    queryset = Incident.objects.select_related("handler", "unit", "category")
    return get_object_or_404(restrict(queryset, request.user, action), pk=pk)


def case_url(incident_id: int, anchor: str = "") -> str:
    """The case page (at a card), or the person's tasks while the case pages are absent."""
    url = object_url("incidents.incident", incident_id)
    if url is None:
        return reverse("incidents:my-tasks")
    return f"{url}#{anchor}" if anchor else url


def _form_page(
    request: HttpRequest, form: forms.BaseForm, *, title: Any, cancel_url: str, template: str = FORM_TEMPLATE
) -> HttpResponse:
    context = {"form": form, "title": title, "cancel_url": cancel_url}
    return render(request, template, context, status=400 if form.errors else 200)


def _post_or_none(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# Timeline --------------------------------------------------------------------------------------


@login_required
def timeline_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = _incident(request, pk)
    form = TimelineEventForm(
        _post_or_none(request),
        person=request.user,
        incident=incident,
        initial={"occurred_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            timeline_services.add_event(incident, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The event is on the timeline."))
            return redirect(case_url(incident.pk, "timeline"))
    return _form_page(
        request,
        form,
        title=_("Add to the timeline of %(incident)s") % {"incident": incident},
        cancel_url=case_url(incident.pk, "timeline"),
    )


def _event(request: HttpRequest, pk: int) -> TimelineEvent:
    queryset = TimelineEvent.objects.select_related("incident")
    return get_object_or_404(restrict(queryset, request.user, Action.CHANGE), pk=pk)


@login_required
def timeline_update(request: HttpRequest, pk: int) -> HttpResponseBase:
    event = _event(request, pk)
    incident = event.incident
    initial = {
        "occurred_at": timezone.localtime(event.occurred_at),
        "kind": event.kind,
        "description": event.description,
        "assets": list(event.assets.all()),
        "indicators": list(event.indicators.all()),
    }
    form = TimelineEventForm(
        _post_or_none(request), person=request.user, incident=incident, event=event, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            timeline_services.update_event(event, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The event is changed."))
            return redirect(case_url(incident.pk, "timeline"))
    return _form_page(
        request,
        form,
        title=_("Change a timeline event of %(incident)s") % {"incident": incident},
        cancel_url=case_url(incident.pk, "timeline"),
    )


class _ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
def timeline_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    event = _event(request, pk)
    form = style_form(_ReasonForm(_post_or_none(request)))
    if request.method == "POST" and form.is_valid():
        timeline_services.delete_event(event, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The event is removed from the timeline."))
        return redirect(case_url(event.incident_id, "timeline"))
    context = {
        "title": _("Remove a timeline event"),
        "question": _("Remove this event from the timeline of %(incident)s? The audit trail keeps it.")
        % {"incident": event.incident},
        "form": form,
        "confirm_label": _("Remove"),
        "cancel_url": case_url(event.incident_id, "timeline"),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


# Tasks -----------------------------------------------------------------------------------------


@login_required
def task_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = _incident(request, pk)
    form = TaskForm(_post_or_none(request), person=request.user, initial={"owner": incident.handler.username})
    if request.method == "POST" and form.is_valid():
        try:
            task_services.create_task(incident, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The task is created."))
            return redirect(case_url(incident.pk, "tasks"))
    return _form_page(
        request,
        form,
        title=_("New task in %(incident)s") % {"incident": incident},
        cancel_url=case_url(incident.pk, "tasks"),
    )


def _task(request: HttpRequest, pk: int, action: Action = Action.CHANGE) -> IncidentTask:
    queryset = IncidentTask.objects.select_related("incident", "owner")
    return get_object_or_404(restrict(queryset, request.user, action), pk=pk)


@login_required
def task_update(request: HttpRequest, pk: int) -> HttpResponseBase:
    task = _task(request, pk)
    if task.status not in OPEN_TASK_STATUSES:
        messages.error(request, _("This task is closed."))
        return redirect(case_url(task.incident_id, "tasks"))
    initial = {
        "title": task.title,
        "description": task.description,
        "owner": task.owner.username,
        "due_at": timezone.localtime(task.due_at) if task.due_at else None,
        "status": task.status,
    }
    form = TaskForm(_post_or_none(request), person=request.user, is_create=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields, reason = split_reason(form.cleaned_data)
        try:
            task_services.update_task(task, by=request.user, reason=reason, **fields)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The task is changed."))
            return redirect(case_url(task.incident_id, "tasks"))
    return _form_page(
        request,
        form,
        title=_("Change the task %(title)s") % {"title": task.title},
        cancel_url=case_url(task.incident_id, "tasks"),
    )


def _back(request: HttpRequest, default: str) -> str:
    """Where a button posted from (the case page or my tasks), when it is one of ours."""
    wanted = request.POST.get("next", "")
    return wanted if wanted.startswith("/") and not wanted.startswith("//") else default


@require_POST
@login_required
def task_complete(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Mark a task done: whoever may change the case, or the task's owner."""
    queryset = IncidentTask.objects.select_related("incident", "owner")
    changeable = restrict(queryset, request.user, Action.CHANGE) | queryset.filter(owner_id=request.user.pk)
    task = get_object_or_404(changeable, pk=pk)
    try:
        task_services.complete_task(task, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The task is done."))
    return redirect(_back(request, case_url(task.incident_id, "tasks")))


@require_POST
@login_required
def task_cancel(request: HttpRequest, pk: int) -> HttpResponseBase:
    task = _task(request, pk)
    try:
        task_services.cancel_task(task, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The task is cancelled."))
    return redirect(_back(request, case_url(task.incident_id, "tasks")))


class MyTasksFilter(django_filters.FilterSet):
    """Open tasks unless the person asks for every task of theirs."""

    state = django_filters.ChoiceFilter(
        label=gettext_lazy("Tasks"),
        choices=(("all", gettext_lazy("All, closed ones too")),),
        empty_label=gettext_lazy("Open"),
        method="filter_state",
    )

    class Meta:
        model = IncidentTask
        fields = ["state"]

    def filter_state(self, queryset: QuerySet[IncidentTask], name: str, value: str) -> QuerySet[IncidentTask]:
        return queryset

    @property
    def qs(self) -> QuerySet[IncidentTask]:
        queryset = super().qs
        if self.form.cleaned_data.get("state") != "all":
            queryset = queryset.filter(status__in=OPEN_TASK_STATUSES)
        return queryset


class MyTasksView(ObjectListView):
    """The incident tasks the person owns, open ones by due time unless asked for all."""

    model = IncidentTask
    filterset_class = MyTasksFilter
    columns = TASK_COLUMNS
    search_fields = ("title", "incident__reference", "incident__title")
    default_ordering = ("due_at",)
    title = gettext_lazy("My incident tasks")
    empty_message = gettext_lazy("You have no incident tasks here.")
    export_name = "my-incident-tasks"

    def get_queryset(self) -> QuerySet[Any]:
        # A person's own tasks, even in a case they cannot otherwise open.
        person = self.request.user
        return IncidentTask.objects.filter(owner_id=getattr(person, "pk", None)).select_related(
            "incident", "owner"
        )

    def may_create(self) -> bool:
        return False


# Playbooks on a case ---------------------------------------------------------------------------


@login_required
def playbook_apply(request: HttpRequest, pk: int) -> HttpResponseBase:
    """GET: the select of suggested playbooks (a fragment for HTMX); POST: apply one."""
    incident = _incident(request, pk)
    applied = playbook_services.playbooks_applied(incident)
    suggestions = playbook_services.suggested_playbooks(incident).exclude(pk__in=applied)
    form = ApplyPlaybookForm(_post_or_none(request), playbooks=suggestions)
    if request.method == "POST":
        if form.is_valid():
            try:
                tasks = playbook_services.apply_playbook(
                    incident, form.cleaned_data["playbook"], by=request.user
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request, _("%(count)d tasks created from the playbook.") % {"count": len(tasks)}
                )
        else:
            messages.error(request, _("Choose one of the playbooks suggested for this case."))
        return redirect(case_url(incident.pk, "tasks"))
    if getattr(request, "htmx", False):
        return render(
            request, "incidents/_apply_playbook.html", {"incident": incident, "form": form, "fragment": True}
        )
    return render(
        request,
        "incidents/apply_playbook.html",
        {
            "incident": incident,
            "form": form,
            "title": _("Apply a playbook to %(incident)s") % {"incident": incident},
            "cancel_url": case_url(incident.pk, "tasks"),
        },
    )


# Evidence --------------------------------------------------------------------------------------


@login_required
def evidence_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    incident = _incident(request, pk)
    form = EvidenceForm(
        _post_or_none(request),
        request.FILES or None,
        initial={"collected_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["upload"]
        try:
            evidence_services.add_evidence(
                incident,
                by=request.user,
                upload=upload,
                filename=upload.name or "",
                content_type=getattr(upload, "content_type", "") or "",
                description=form.cleaned_data["description"],
                source=form.cleaned_data["source"],
                collected_at=form.cleaned_data["collected_at"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The evidence is stored."))
            return redirect(case_url(incident.pk, "evidence"))
    return _form_page(
        request,
        form,
        title=_("Add evidence to %(incident)s") % {"incident": incident},
        cancel_url=case_url(incident.pk, "evidence"),
        template=UPLOAD_TEMPLATE,
    )


def _evidence(request: HttpRequest, pk: int) -> IncidentEvidence:
    queryset = IncidentEvidence.objects.select_related("attachment__stored_file", "incident")
    return get_object_or_404(restrict(queryset, request.user, Action.VIEW), pk=pk)


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The evidence file, streamed from the store with its name, media type and SHA-256."""
    evidence = _evidence(request, pk)
    attachment = evidence.attachment
    return attachment_download(attachment)


@require_POST
@login_required
def evidence_verify(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Hash the stored file again and say whether it still matches."""
    evidence = _evidence(request, pk)
    result = evidence_services.verify_evidence(evidence)
    name = evidence.attachment.filename
    if result.is_intact:
        messages.success(request, _("%(file)s is intact: its SHA-256 still matches.") % {"file": name})
    elif result.actual is None:
        messages.error(request, _("%(file)s is missing from the evidence store.") % {"file": name})
    else:
        messages.error(
            request,
            _("%(file)s no longer matches its SHA-256: it now hashes to %(actual)s.")
            % {"file": name, "actual": result.actual},
        )
    return redirect(case_url(evidence.incident_id, "evidence"))


urlpatterns: list[URLPattern] = [
    path("cases/<int:pk>/timeline/new/", timeline_create, name="timeline-create"),
    path("timeline/<int:pk>/edit/", timeline_update, name="timeline-update"),
    path("timeline/<int:pk>/delete/", timeline_delete, name="timeline-delete"),
    path("cases/<int:pk>/tasks/new/", task_create, name="task-create"),
    path("tasks/mine/", MyTasksView.as_view(), name="my-tasks"),
    path("tasks/<int:pk>/edit/", task_update, name="task-update"),
    path("tasks/<int:pk>/complete/", task_complete, name="task-complete"),
    path("tasks/<int:pk>/cancel/", task_cancel, name="task-cancel"),
    path("cases/<int:pk>/playbooks/apply/", playbook_apply, name="playbook-apply"),
    path("cases/<int:pk>/evidence/new/", evidence_create, name="evidence-create"),
    path("evidence/<int:pk>/download/", evidence_download, name="evidence-download"),
    path("evidence/<int:pk>/verify/", evidence_verify, name="evidence-verify"),
]

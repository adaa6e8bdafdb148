"""Pages of supplier access: the application list, an application's page with its stage
track (each configured stage done, current or pending, with who, when, outcome and
evidence), the forms of each step (record a stage, move on, announce the shortlist, lodge
and resolve objections, approve, reject, withdraw), starting an application from a
supplier, the configuration of the access paths, and the access panel of the supplier page.

Thin: every object is found through scoping (out of reach answers 404 like missing), and
every write goes through garrison.suppliers.services.access (and .access_config for the
paths' configuration).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from garrison.core.models import Attachment
from garrison.core.roles import Action
from garrison.core.scheduling import organisation_today
from garrison.core.scoping import can, has_grant, restrict
from garrison.suppliers import panels
from garrison.suppliers.filtersets_access import ApplicationFilter
from garrison.suppliers.forms_access import (
    AccessPathForm,
    AnnounceForm,
    ApplicationForm,
    DecisionForm,
    ObjectionForm,
    ResolveObjectionForm,
    StageRecordForm,
)
from garrison.suppliers.models import (
    AccessApplication,
    AccessPath,
    AccessPathConfig,
    AccessStage,
    DocumentKind,
    Objection,
    ObjectionStatus,
    StageOutcome,
    StageRecord,
    Supplier,
)
from garrison.suppliers.services import access as services
from garrison.suppliers.services import access_config as config_services
from garrison.suppliers.tables_access import (
    APPLICATION_COLUMNS,
    APPLICATION_EXPORT_COLUMNS,
    APPLICATION_QUERYSET,
    SupplierColumn,
)
from garrison.suppliers.workflows_access import (
    approval_blockers,
    next_stage,
    stage_label,
    step_blockers,
)
from garrison.web.details import ObjectDetailView
from garrison.web.files import attachment_download
from garrison.web.forms import apply_service_errors
from garrison.web.history import history_for
from garrison.web.links import object_url
from garrison.web.lists import ListColumn, ObjectListView

FORM_TEMPLATE = "suppliers/access_form.html"
DECISIONS: dict[str, tuple[Any, Any]] = {
    "approve": (gettext_lazy("Approve access"), services.approve_application),
    "reject": (gettext_lazy("Reject the application"), services.reject_application),
    "withdraw": (gettext_lazy("Withdraw the application"), services.withdraw_application),
}


def _application(request: HttpRequest, pk: int, action: Action = Action.CHANGE) -> AccessApplication:
    return get_object_or_404(restrict(APPLICATION_QUERYSET.all(), request.user, action), pk=pk)


def _application_url(application: AccessApplication, anchor: str = "") -> str:
    url = reverse("suppliers:application-detail", args=[application.pk])
    return f"{url}#{anchor}" if anchor else url


def _post_or_none(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    title: Any,
    cancel_url: str,
    intro: str = "",
    submit: Any = "",
) -> HttpResponse:
    context = {
        "form": form,
        "title": title,
        "cancel_url": cancel_url,
        "intro": intro,
        "submit_label": submit or _("Save"),
        "is_multipart": form.is_multipart(),
    }
    return render(request, FORM_TEMPLATE, context, status=400 if form.errors else 200)


# The list --------------------------------------------------------------------------------------


class ApplicationListView(ObjectListView):
    """Access applications: those under way by default, newest first."""

    model = AccessApplication
    queryset = APPLICATION_QUERYSET
    filterset_class = ApplicationFilter
    columns = APPLICATION_COLUMNS
    search_fields = ("reference", "supplier__reference", "supplier__name", "supplier__name_en")
    default_ordering = ("-created_at",)
    title = gettext_lazy("Access applications")
    empty_message = gettext_lazy(
        "No access applications match these filters. Start one from a supplier's page."
    )
    create_url_name = "suppliers:application-create"
    create_label = gettext_lazy("Start access")
    export_name = "access-applications"
    template_name = "suppliers/access_list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.GET.get("export", "") in ("csv", "xlsx"):
            self.columns = APPLICATION_EXPORT_COLUMNS  # type: ignore[misc]
        return super().get(request, *args, **kwargs)


# An application's page -------------------------------------------------------------------------


@dataclass(frozen=True)
class StageStep:
    """One configured stage of an application as its page shows it."""

    stage: str
    label: str
    state: str  # done, failed, current, pending
    record: StageRecord | None


def stage_track(application: AccessApplication) -> list[StageStep]:
    records = {record.stage: record for record in application.stage_records.all()}
    steps = []
    for stage in application.stages or []:
        record = records.get(stage)
        if stage == application.status:
            state = "current"
        elif record is None:
            state = "pending"
        elif record.outcome == StageOutcome.FAILED:
            state = "failed"
        else:
            state = "done"
        steps.append(StageStep(stage, stage_label(stage), state, record))
    return steps


class ApplicationDetailView(ObjectDetailView):
    """An application's page: its facts, its stage track and the forms of its next step."""

    model = AccessApplication
    queryset = APPLICATION_QUERYSET.prefetch_related(
        "stage_records__decided_by", "stage_records__evidence__stored_file", "objections__resolved_by"
    )
    fields = (
        SupplierColumn(gettext_lazy("supplier"), "supplier"),
        ListColumn(gettext_lazy("access path"), "get_path_display"),
        ListColumn(gettext_lazy("status"), "get_status_display"),
        ListColumn(gettext_lazy("why this path"), "justification"),
        ListColumn(gettext_lazy("expected contract value (CNY)"), "contract_value_cny"),
        ListColumn(gettext_lazy("requested by"), "requested_by.full_name"),
        ListColumn(gettext_lazy("started"), "created_at"),
        ListColumn(gettext_lazy("decided at"), "decided_at"),
        ListColumn(gettext_lazy("complete review due"), "full_review_due"),
    )
    list_url_name = "suppliers:application-list"
    template_name = "suppliers/access_detail.html"

    def get_extra_context(self, obj: AccessApplication) -> dict[str, Any]:
        person = self.request.user
        may_change = can(person, Action.CHANGE, obj)
        is_active = obj.status in AccessStage.values
        current_record = next(
            (record for record in obj.stage_records.all() if record.stage == obj.status), None
        )
        following = next_stage(obj) if is_active else None
        if not is_active:
            blockers: list[str] = []
        elif following is not None:
            blockers = step_blockers(obj, following)
        else:
            blockers = approval_blockers(obj, person)
        now = timezone.now()
        in_publicity = bool(
            obj.status == AccessStage.SHORTLIST_ANNOUNCEMENT
            and obj.publicity_starts_at
            and obj.publicity_ends_at
            and obj.publicity_starts_at <= now <= obj.publicity_ends_at
        )
        documents = [
            str(DocumentKind(kind).label) if kind in DocumentKind.values else kind
            for kind in obj.required_documents or []
        ]
        return {
            "application": obj,
            "can_change": may_change,
            "is_active": is_active,
            "track": stage_track(obj),
            "current_label": stage_label(obj.status) if is_active else "",
            "current_record": current_record,
            "record_form": StageRecordForm() if may_change and is_active and current_record is None else None,
            "next_stage": following,
            "next_label": stage_label(following) if following else "",
            "announces": following == AccessStage.SHORTLIST_ANNOUNCEMENT,
            "may_advance": may_change and following is not None and not blockers,
            "may_approve": may_change and is_active and following is None and not blockers,
            "blockers": blockers if may_change else [],
            "in_publicity": in_publicity,
            "objections": list(obj.objections.all()),
            "open_objection": ObjectionStatus.OPEN,
            "required_documents": documents,
            "supplier_url": object_url("suppliers.supplier", obj.supplier_id),
            "now": now,
        }


@login_required
def application_history(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk, Action.VIEW)
    context = {
        "application": application,
        "title": _("History of %(application)s") % {"application": application.reference},
        "history": history_for(application, request.user, limit=1000),
    }
    return render(request, "suppliers/access_history.html", context)


# Starting --------------------------------------------------------------------------------------


def _supplier_from_query(request: HttpRequest) -> Supplier | None:
    wanted = request.GET.get("supplier", "")
    if not (wanted.isascii() and wanted.isdigit()):
        return None
    return restrict(Supplier.objects.all(), request.user, Action.CHANGE).filter(pk=wanted).first()


@login_required
def application_create(request: HttpRequest) -> HttpResponseBase:
    """Start an application; `?supplier=<pk>` comes from the supplier's page."""
    if not has_grant(request.user, AccessApplication.scope.domain, Action.ADD):
        raise Http404
    supplier = _supplier_from_query(request)
    initial = {"supplier": supplier.reference} if supplier is not None else {}
    form = ApplicationForm(_post_or_none(request), person=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            application = services.start_application(
                data.pop("supplier"),
                by=request.user,
                path=data["path"],
                justification=data["justification"],
                contract_value_cny=data["contract_value_cny"],
                reason=data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(reference)s is started at its first stage.") % {"reference": application.reference},
            )
            return redirect(_application_url(application))
    cancel = (object_url("suppliers.supplier", supplier.pk) if supplier else None) or reverse(
        "suppliers:application-list"
    )
    title = (
        _("Start access for %(supplier)s") % {"supplier": supplier.display_name}
        if supplier is not None
        else _("Start access")
    )
    return _form_page(request, form, title=title, cancel_url=cancel, submit=_("Start"))


# Steps -----------------------------------------------------------------------------------------


@login_required
def stage_record(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Record the outcome of the current stage, with evidence files."""
    application = _application(request, pk)
    form = StageRecordForm(_post_or_none(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_stage(application, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The outcome of %(stage)s is recorded.") % {"stage": stage_label(application.status)},
            )
            return redirect(_application_url(application, "stages"))
    return _form_page(
        request,
        form,
        title=_("%(stage)s: %(application)s")
        % {"stage": stage_label(application.status), "application": application.reference},
        cancel_url=_application_url(application),
        submit=_("Record"),
    )


def _said(request: HttpRequest, application: AccessApplication) -> None:
    messages.success(
        request,
        _("%(application)s is now at: %(status)s.")
        % {"application": application.reference, "status": application.get_status_display()},
    )


@require_POST
@login_required
def application_advance(request: HttpRequest, pk: int) -> HttpResponseBase:
    application = _application(request, pk)
    try:
        services.advance(application, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _said(request, application)
    return redirect(_application_url(application, "stages"))


@login_required
def application_announce(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Move on to the shortlist announcement, opening its publicity period."""
    application = _application(request, pk)
    config = services.path_config(application.path)
    form = AnnounceForm(
        _post_or_none(request), initial={"publicity_days": config.publicity_days if config else 5}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.announce_shortlist(
                application, by=request.user, publicity_days=form.cleaned_data["publicity_days"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            _said(request, application)
            return redirect(_application_url(application, "objections"))
    return _form_page(
        request,
        form,
        title=_("Announce the shortlist: %(application)s") % {"application": application.reference},
        cancel_url=_application_url(application),
        submit=_("Announce"),
    )


@login_required
def application_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponseBase:
    """Approve, reject or withdraw; rejecting and withdrawing need a reason."""
    if decision not in DECISIONS:
        raise Http404
    application = _application(request, pk)
    label, service = DECISIONS[decision]
    form = DecisionForm(_post_or_none(request), requires_reason=decision != "approve")
    if request.method == "POST" and form.is_valid():
        try:
            service(application, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            _said(request, application)
            return redirect(_application_url(application))
    intro = ""
    if decision == "approve":
        intro = _("%(supplier)s becomes qualified on %(path)s.") % {
            "supplier": application.supplier.display_name,
            "path": application.get_path_display(),
        }
    return _form_page(
        request,
        form,
        title=_("%(step)s: %(application)s") % {"step": label, "application": application.reference},
        cancel_url=_application_url(application),
        intro=intro,
        submit=label,
    )


# Objections ------------------------------------------------------------------------------------


@login_required
def objection_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    application = _application(request, pk)
    form = ObjectionForm(_post_or_none(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.lodge_objection(application, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The objection is recorded; resolve it before final selection."))
            return redirect(_application_url(application, "objections"))
    return _form_page(
        request,
        form,
        title=_("Lodge an objection to %(application)s") % {"application": application.reference},
        cancel_url=_application_url(application, "objections"),
        submit=_("Record the objection"),
    )


@login_required
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponseBase:
    queryset = Objection.objects.select_related("application")
    objection = get_object_or_404(restrict(queryset, request.user, Action.CHANGE), pk=pk)
    form = ResolveObjectionForm(_post_or_none(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.resolve_objection(
                objection,
                by=request.user,
                upheld=form.cleaned_data["decision"] == ObjectionStatus.UPHELD,
                resolution=form.cleaned_data["resolution"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The objection is resolved."))
            return redirect(_application_url(objection.application, "objections"))
    return _form_page(
        request,
        form,
        title=_("Resolve the objection of %(objector)s") % {"objector": objection.objector},
        cancel_url=_application_url(objection.application, "objections"),
        intro=objection.grounds,
        submit=_("Resolve"),
    )


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A stage's evidence file, for whoever may read the application it is evidence of."""
    records = restrict(StageRecord.objects.filter(evidence=pk), request.user, Action.VIEW)
    if not records.exists():
        raise Http404
    attachment = get_object_or_404(Attachment.objects.select_related("stored_file"), pk=pk)
    return attachment_download(attachment)


# Configuration ---------------------------------------------------------------------------------


def _configs(request: HttpRequest, action: Action = Action.VIEW) -> QuerySet[AccessPathConfig]:
    return restrict(AccessPathConfig.objects.all(), request.user, action)


@login_required
def access_config(request: HttpRequest) -> HttpResponse:
    """Both access paths: their stages, documents, publicity period and express limits."""
    configs = list(_configs(request))
    if not configs and not has_grant(request.user, AccessPathConfig.scope.domain, Action.VIEW):
        raise Http404
    rows = [
        {
            "config": config,
            "stages": [stage_label(stage) for stage in config.stages or []],
            "documents": [
                str(DocumentKind(kind).label) if kind in DocumentKind.values else kind
                for kind in config.required_documents or []
            ],
            "is_express": config.path == AccessPath.EXPRESS,
        }
        for config in configs
    ]
    context = {
        "title": _("Access paths"),
        "rows": rows,
        "may_configure": config_services.may_configure(request.user),
    }
    return render(request, "suppliers/access_config.html", context)


@login_required
def access_config_edit(request: HttpRequest, path_name: str) -> HttpResponseBase:
    config = get_object_or_404(_configs(request, Action.CHANGE), path=path_name)
    form = AccessPathForm(_post_or_none(request), config=config)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason", "")
        try:
            config_services.update_access_path(config, by=request.user, reason=reason, **data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(path)s is configured.") % {"path": config.get_path_display()})
            return redirect("suppliers:access-config")
    return _form_page(
        request,
        form,
        title=_("Configure %(path)s") % {"path": config.get_path_display()},
        cancel_url=reverse("suppliers:access-config"),
        intro=_("Applications under way keep the stages and documents they started with."),
    )


# The supplier page's panel ---------------------------------------------------------------------


def access_panel_context(request: HttpRequest, supplier: Supplier) -> dict[str, Any]:
    person = request.user
    applications = restrict(supplier.access_applications.select_related("requested_by"), person, Action.VIEW)[
        :20
    ]
    may_start = can(person, Action.CHANGE, supplier) and not services.start_blockers(supplier)
    return {
        "supplier": supplier,
        "access_applications": list(applications),
        "may_start_access": may_start,
        "start_access_url": f"{reverse('suppliers:application-create')}?supplier={supplier.pk}",
        "express_review_overdue": bool(
            supplier.full_review_due and supplier.full_review_due < organisation_today()
        ),
    }


panels.register_panel(
    "access", order=20, template="suppliers/_access_panel.html", context=access_panel_context
)


urlpatterns: list[URLPattern] = [
    path("access/", ApplicationListView.as_view(), name="application-list"),
    path("access/new/", application_create, name="application-create"),
    path("access/configuration/", access_config, name="access-config"),
    path("access/configuration/<slug:path_name>/", access_config_edit, name="access-config-edit"),
    path("access/<int:pk>/", ApplicationDetailView.as_view(), name="application-detail"),
    path("access/<int:pk>/history/", application_history, name="application-history"),
    path("access/<int:pk>/record/", stage_record, name="application-record-stage"),
    path("access/<int:pk>/advance/", application_advance, name="application-advance"),
    path("access/<int:pk>/announce/", application_announce, name="application-announce"),
    path("access/<int:pk>/objections/new/", objection_create, name="objection-create"),
    path("access/<int:pk>/<slug:decision>/", application_decide, name="application-decide"),
    path("access/objections/<int:pk>/resolve/", objection_resolve, name="objection-resolve"),
    path("access/evidence/<int:pk>/", evidence_download, name="access-evidence-download"),
]

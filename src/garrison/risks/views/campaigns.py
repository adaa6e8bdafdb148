"""Web pages of assessment campaigns: the list, a campaign's page (scope, progress, its
review tasks, and once closed the snapshot summary and the trend against the previous
round), the create and edit forms, the start and close steps, "My reviews", a review
task's page with the re-rating form, and the trend across closed campaigns.

Thin: objects are found through scoping (out of reach answers 404 like missing) and
every write goes through garrison.risks.services.campaigns.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from garrison.assets.models import AssetType
from garrison.core.roles import Action
from garrison.core.scoping import can, restrict
from garrison.risks.forms_campaigns import (
    CampaignForm,
    CampaignListFilter,
    CampaignTaskFilter,
    MyReviewFilter,
    ReviewForm,
)
from garrison.risks.heatmap import level_badge
from garrison.risks.models import (
    AssessmentCampaign,
    CampaignStatus,
    RatingSnapshot,
    ReviewTask,
    TaskStatus,
)
from garrison.risks.services import campaign_reports
from garrison.risks.services import campaigns as campaign_services
from garrison.risks.tables_campaigns import CAMPAIGN_COLUMNS, REVIEW_TASK_COLUMNS
from garrison.web.details import ObjectDetailView, ObjectFormView
from garrison.web.forms import apply_service_errors, split_reason
from garrison.web.lists import ListColumn, ObjectListView

TASKS_PER_PAGE = 50
# A trend page lists at most this many scenarios whose level changed; the API has them all.
CHANGES_SHOWN = 200


def asset_type_label(value: str) -> str:
    try:
        return str(AssetType(value).label)
    except ValueError:
        return value


def _campaigns() -> models.QuerySet[AssessmentCampaign]:
    return AssessmentCampaign.objects.select_related("unit", "previous")


# Campaigns ---------------------------------------------------------------------------------


class CampaignListView(ObjectListView):
    """Every campaign the person may see, with how far its reviews are."""

    model = AssessmentCampaign
    queryset = campaign_reports.with_task_counts(AssessmentCampaign.objects.select_related("unit"))
    filterset_class = CampaignListFilter
    columns = CAMPAIGN_COLUMNS
    search_fields = ("name", "description")
    default_ordering = ("-starts_on", "-pk")
    title = gettext_lazy("Assessment campaigns")
    empty_message = gettext_lazy("No campaigns match these filters.")
    create_url_name = "risks:campaign-create"
    create_label = gettext_lazy("New campaign")
    export_name = "campaigns"
    template_name = "risks/campaign_list.html"


class CampaignDetailView(ObjectDetailView):
    """A campaign's page: scope, period, participants, progress, its review tasks and,
    once closed, what its snapshots say against the previous round."""

    model = AssessmentCampaign
    queryset = _campaigns().prefetch_related("scope_units", "participants")
    fields = (
        ListColumn(gettext_lazy("status"), "get_status_display", template="risks/cells/campaign_status.html"),
        ListColumn(gettext_lazy("organising unit"), "unit.name", link="core:unit-detail", link_arg="unit_id"),
        ListColumn(gettext_lazy("starts on"), "starts_on"),
        ListColumn(gettext_lazy("ends on"), "ends_on"),
        ListColumn(gettext_lazy("recurrence"), "get_recurrence_display"),
        ListColumn(
            gettext_lazy("previous round"),
            "previous.name",
            link="risks:campaign-detail",
            link_arg="previous_id",
        ),
        ListColumn(gettext_lazy("started at"), "started_at"),
        ListColumn(gettext_lazy("closed at"), "closed_at"),
        ListColumn(gettext_lazy("description"), "description"),
    )
    edit_url_name = "risks:campaign-edit"
    list_url_name = "risks:campaign-list"
    template_name = "risks/campaign_detail.html"

    def get_extra_context(self, obj: AssessmentCampaign) -> dict[str, Any]:
        person = self.request.user
        may_change = can(person, Action.CHANGE, obj)
        visible_tasks = restrict(ReviewTask.objects.all(), person, Action.VIEW)
        task_filter = CampaignTaskFilter(self.request.GET, person=person)
        tasks = task_filter.filter(
            visible_tasks.filter(campaign=obj)
            .select_related("scenario", "scenario__unit", "scenario__matrix", "assignee")
            .order_by("scenario__reference", "pk")
        )
        page = Paginator(tasks, TASKS_PER_PAGE).get_page(self.request.GET.get("page"))
        next_round = AssessmentCampaign.objects.filter(previous=obj).first()
        context: dict[str, Any] = {
            "progress": campaign_reports.campaign_progress(obj, tasks=visible_tasks),
            "task_filter": task_filter,
            "task_page": page,
            "task_rows": [
                (task, level_badge(task.scenario.matrix, task.scenario.current_level)) for task in page
            ],
            "next_round": next_round
            if next_round is not None and can(person, Action.VIEW, next_round)
            else None,
            "may_start": may_change and obj.status == CampaignStatus.DRAFT,
            "may_close": may_change and obj.status == CampaignStatus.RUNNING,
            "may_delete": obj.status == CampaignStatus.DRAFT and can(person, Action.DELETE, obj),
            "scope_asset_types": [asset_type_label(value) for value in obj.scope_asset_types],
        }
        if obj.status == CampaignStatus.CLOSED:
            # A closed campaign is a record: no edit button.
            context["edit_url"] = None
        if obj.status == CampaignStatus.CLOSED:
            rounds = [
                campaign
                for campaign in campaign_reports.campaign_series(obj)[-2:]
                if campaign.status == CampaignStatus.CLOSED
            ]
            snapshots = restrict(RatingSnapshot.objects.all(), person, Action.VIEW)
            trend = campaign_reports.campaign_trend(rounds, snapshots=snapshots)
            context["trend"] = trend
            context["trend_table"] = trend_table(trend)
            context["trend_changes"] = change_rows(trend)
            context["trend_url"] = _trend_url([campaign.pk for campaign in rounds])
        return context


class CampaignCreateView(ObjectFormView):
    model = AssessmentCampaign
    form_class = CampaignForm
    is_create = True
    title = gettext_lazy("New assessment campaign")
    cancel_url_name = "risks:campaign-list"

    def save(self, form: forms.BaseForm, obj: None) -> AssessmentCampaign:
        return campaign_services.create_campaign(by=self.request.user, **form.cleaned_data)


class CampaignEditView(ObjectFormView):
    model = AssessmentCampaign
    queryset = _campaigns()
    form_class = CampaignForm

    def save(self, form: forms.BaseForm, obj: AssessmentCampaign) -> AssessmentCampaign:
        fields, reason = split_reason(
            {name: value for name, value in form.cleaned_data.items() if not form.fields[name].disabled}
        )
        return campaign_services.update_campaign(obj, by=self.request.user, reason=reason, **fields)


def _campaign_step(
    request: HttpRequest, pk: int, *, step: str, title: str, question: str, confirm_label: str
) -> HttpResponseBase:
    """Confirm, then take a step on a campaign the person may change."""
    campaign = get_object_or_404(restrict(_campaigns(), request.user, Action.CHANGE), pk=pk)
    detail_url = reverse("risks:campaign-detail", args=[campaign.pk])
    if request.method == "POST":
        try:
            if step == "start":
                campaign_services.start_campaign(campaign, by=request.user)
                messages.success(request, _("The campaign is running; the review tasks are assigned."))
            elif step == "close":
                closure = campaign_services.close_campaign(campaign, by=request.user)
                messages.success(
                    request,
                    _("The campaign is closed: %(snapshots)d ratings kept, %(pending)d reviews left pending.")
                    % {"snapshots": closure.snapshot_count, "pending": closure.pending_count},
                )
            else:
                campaign_services.delete_campaign(campaign, by=request.user)
                messages.success(request, _("The draft campaign is deleted."))
                return redirect("risks:campaign-list")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(detail_url)
    context = {
        "title": title,
        "question": question % {"campaign": campaign.name},
        "form": None,
        "confirm_label": confirm_label,
        "cancel_url": detail_url,
    }
    return render(request, "web/confirm.html", context)


@login_required
def campaign_start(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _campaign_step(
        request,
        pk,
        step="start",
        title=_("Start the campaign"),
        question=_(
            "Start “%(campaign)s”? Each owner of a scenario in scope gets a review task and is told; "
            "the scope can no longer change."
        ),
        confirm_label=_("Start"),
    )


@login_required
def campaign_close(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _campaign_step(
        request,
        pk,
        step="close",
        title=_("Close the campaign"),
        question=_(
            "Close “%(campaign)s”? Every reviewed scenario's ratings are kept as they stand now; "
            "reviews not done stay pending."
        ),
        confirm_label=_("Close"),
    )


@login_required
def campaign_delete(request: HttpRequest, pk: int) -> HttpResponseBase:
    get_object_or_404(restrict(_campaigns(), request.user, Action.DELETE), pk=pk)
    return _campaign_step(
        request,
        pk,
        step="delete",
        title=_("Delete the draft campaign"),
        question=_("Delete the draft “%(campaign)s”? Nothing of it has started yet."),
        confirm_label=_("Delete"),
    )


# Trends --------------------------------------------------------------------------------------


def _trend_url(campaign_ids: list[int]) -> str:
    query = "&".join(f"campaigns={pk}" for pk in campaign_ids)
    return f"{reverse('risks:campaign-trend')}?{query}"


def change_rows(trend: campaign_reports.CampaignTrend) -> list[dict[str, Any]]:
    """The first scenarios whose level changed, their levels named for each round."""
    labels = {level.rank: level for level in trend.levels}
    return [
        {
            "reference": change.reference,
            "title": change.title,
            "direction": change.direction,
            "current_labels": [labels.get(level) if level else None for level in change.current_levels],
        }
        for change in trend.changes[:CHANGES_SHOWN]
    ]


def trend_table(trend: campaign_reports.CampaignTrend) -> list[dict[str, Any]]:
    """One row per round: its counts in the order of the levels, inherent then current."""
    ranks = [level.rank for level in trend.levels]
    return [
        {
            "round": item,
            "inherent": [item.inherent.get(rank, 0) for rank in ranks],
            "current": [item.current.get(rank, 0) for rank in ranks],
        }
        for item in trend.rounds
    ]


class TrendForm(forms.Form):
    campaigns = forms.ModelMultipleChoiceField(
        queryset=AssessmentCampaign.objects.none(),
        label=gettext_lazy("Closed campaigns to compare"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["campaigns"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = restrict(
            AssessmentCampaign.objects.filter(status=CampaignStatus.CLOSED), person, Action.VIEW
        ).order_by("-starts_on", "-pk")
        for bound in self.fields.values():
            bound.widget.attrs.setdefault("class", "form-select")


class CampaignTrendView(LoginRequiredMixin, View):
    """Ratings across any closed campaigns the person picks, oldest first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = TrendForm(request.GET if "campaigns" in request.GET else None, person=request.user)
        context: dict[str, Any] = {"form": form, "title": _("Risk trend across campaigns")}
        if form.is_bound and form.is_valid():
            snapshots = restrict(RatingSnapshot.objects.all(), request.user, Action.VIEW)
            trend = campaign_reports.campaign_trend(form.cleaned_data["campaigns"], snapshots=snapshots)
            context.update(trend=trend, trend_table=trend_table(trend), trend_changes=change_rows(trend))
        return render(request, "risks/campaign_trend.html", context, status=400 if form.errors else 200)


# Reviews -------------------------------------------------------------------------------------


class ReviewTaskListView(ObjectListView):
    """My reviews: the person's own review tasks, pending ones first by default."""

    model = ReviewTask
    queryset = ReviewTask.objects.select_related("campaign", "scenario", "scenario__unit", "assignee")
    filterset_class = MyReviewFilter
    columns = REVIEW_TASK_COLUMNS
    search_fields = ("scenario__reference", "scenario__title")
    default_ordering = ("campaign__ends_on", "scenario__reference")
    title = gettext_lazy("My reviews")
    empty_message = gettext_lazy("No reviews to show: nothing is waiting for you.")
    export_name = "my-reviews"
    template_name = "risks/review_task_list.html"

    def get_queryset(self) -> models.QuerySet[ReviewTask]:
        return super().get_queryset().filter(assignee=self.request.user)


class ReviewTaskDetailView(ObjectDetailView):
    """A review task: the scenario as it stands and, for whoever may complete it while
    the campaign runs, the form that re-rates it on its matrix's named steps."""

    model = ReviewTask
    queryset = ReviewTask.objects.select_related(
        "campaign", "scenario", "scenario__unit", "scenario__owner", "scenario__matrix", "assignee"
    )
    fields = (
        ListColumn(gettext_lazy("campaign"), "campaign.name"),
        ListColumn(
            gettext_lazy("risk scenario"), "scenario", link="risks:risk-detail", link_arg="scenario_id"
        ),
        ListColumn(gettext_lazy("unit"), "scenario.unit.name"),
        ListColumn(gettext_lazy("assignee"), "assignee.full_name"),
        ListColumn(gettext_lazy("due"), "campaign.ends_on"),
        ListColumn(
            gettext_lazy("status"), "get_status_display", template="risks/cells/review_task_status.html"
        ),
        ListColumn(gettext_lazy("completed"), "completed_at"),
        ListColumn(gettext_lazy("comment"), "comment"),
    )
    list_url_name = "risks:review-task-list"
    template_name = "risks/review_task_detail.html"

    def get_extra_context(self, obj: ReviewTask) -> dict[str, Any]:
        may_see_campaign = can(self.request.user, Action.VIEW, obj.campaign)
        return {"form": self.review_form(obj), "may_see_campaign": may_see_campaign, **self.ratings(obj)}

    def ratings(self, task: ReviewTask) -> dict[str, Any]:
        scenario = task.scenario
        matrix = scenario.matrix
        likelihood, impact = matrix.step_names("likelihood"), matrix.step_names("impact")

        def step(names: list[str], value: int | None) -> str:
            return f"{value} · {names[value - 1]}" if value and 0 < value <= len(names) else "—"

        return {
            "ratings": [
                (
                    label,
                    step(likelihood, getattr(scenario, f"{rating}_likelihood")),
                    step(impact, getattr(scenario, f"{rating}_impact")),
                    level_badge(matrix, getattr(scenario, f"{rating}_level")),
                )
                for rating, label in (
                    ("inherent", _("Inherent")),
                    ("current", _("Current")),
                    ("target", _("Target")),
                )
            ],
            "matrix_name": matrix.name,
        }

    def review_form(self, task: ReviewTask, data: Any = None) -> ReviewForm | None:
        is_open = task.status == TaskStatus.PENDING and task.campaign.status == CampaignStatus.RUNNING
        if not is_open or not campaign_services.may_complete(task, self.request.user):
            return None
        return ReviewForm(data, scenario=task.scenario)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        task = self.get_object()
        form = self.review_form(task, request.POST)
        if form is None:
            # Nothing to complete for this person: the same answer as for a missing task.
            return self.not_open(task)
        if form.is_valid():
            try:
                campaign_services.complete_review(task, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Review recorded: the scenario is re-rated."))
                return redirect("risks:review-task-list")
        context = self.get_context_data(task)
        context["form"] = form
        return render(request, self.template_name, context, status=400)

    def not_open(self, task: ReviewTask) -> HttpResponse:
        if campaign_services.may_complete(task, self.request.user):
            messages.error(self.request, _("This review can no longer be completed."))
            return render(self.request, self.template_name, self.get_context_data(task), status=400)
        raise Http404


urlpatterns: list[URLPattern] = [
    path("campaigns/", CampaignListView.as_view(), name="campaign-list"),
    path("campaigns/new/", CampaignCreateView.as_view(), name="campaign-create"),
    path("campaigns/trend/", CampaignTrendView.as_view(), name="campaign-trend"),
    path("campaigns/<int:pk>/", CampaignDetailView.as_view(), name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", CampaignEditView.as_view(), name="campaign-edit"),
    path("campaigns/<int:pk>/start/", campaign_start, name="campaign-start"),
    path("campaigns/<int:pk>/close/", campaign_close, name="campaign-close"),
    path("campaigns/<int:pk>/delete/", campaign_delete, name="campaign-delete"),
    path("reviews/", ReviewTaskListView.as_view(), name="review-task-list"),
    path("reviews/<int:pk>/", ReviewTaskDetailView.as_view(), name="review-task-detail"),
]

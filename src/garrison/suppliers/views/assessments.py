"""Web pages of supplier assessments: the assessment list, an assessment's page with its
answers by dimension and the reviewer's forms, creating one from a supplier, sending its
link (shown once), the questionnaires, and the respondent's public page.

Thin: assessments are found through scoping (out of reach answers 404 like missing), and
every write goes through garrison.suppliers.services.assessments. The respondent's page
(`respond`) is the one page of the app reached without logging in: the secret link is its
only key, and it shows nothing but that assessment's supplier name and questionnaire.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from garrison.core.roles import Action
from garrison.core.scoping import can, has_grant, restrict
from garrison.library.text import localised
from garrison.suppliers.filtersets_assessments import AssessmentFilter, QuestionnaireFilter
from garrison.suppliers.forms_assessments import (
    ANSWER_PREFIX,
    COMMENT_PREFIX,
    EVIDENCE_PREFIX,
    AssessmentForm,
    CancelForm,
    CompleteReviewForm,
    RespondForm,
    ReviewAnswerForm,
    SendForm,
)
from garrison.suppliers.models import (
    Answer,
    AssessmentStatus,
    Dimension,
    Question,
    Questionnaire,
    QuestionnaireKind,
    Supplier,
    SupplierAssessment,
)
from garrison.suppliers.panels import register_panel
from garrison.suppliers.services import assessments as services
from garrison.suppliers.tables_assessments import (
    ASSESSMENT_COLUMNS,
    ASSESSMENT_QUERYSET,
    QUESTIONNAIRE_COLUMNS,
)
from garrison.web.files import attachment_download
from garrison.web.forms import apply_service_errors, render_form_page
from garrison.web.history import history_for
from garrison.web.lists import ObjectListView

PANEL_ROWS = 5


def _assessment(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> SupplierAssessment:
    return get_object_or_404(restrict(ASSESSMENT_QUERYSET.all(), request.user, action), pk=pk)


def _detail_url(assessment: SupplierAssessment) -> str:
    return reverse("suppliers:assessment-detail", args=[assessment.pk])


def _form_errors(form: Any) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


def dimension_label(code: str) -> str:
    try:
        return str(Dimension(code).label)
    except ValueError:
        return code


# Lists -----------------------------------------------------------------------------------------------


class AssessmentListView(ObjectListView):
    """Every assessment the person may see, newest first."""

    model = SupplierAssessment
    queryset = ASSESSMENT_QUERYSET
    filterset_class = AssessmentFilter
    columns = ASSESSMENT_COLUMNS
    search_fields = ("reference", "supplier__name", "supplier__name_en", "respondent_name")
    default_ordering = ("-created_at", "-id")
    title = gettext_lazy("Supplier assessments")
    empty_message = gettext_lazy(
        "No assessment matches these filters. Send a questionnaire from a supplier's page "
        "or with “New assessment”."
    )
    create_url_name = "suppliers:assessment-create"
    create_label = gettext_lazy("New assessment")
    export_name = "supplier-assessments"
    template_name = "suppliers/assessment_list.html"


class QuestionnaireListView(ObjectListView):
    model = Questionnaire
    queryset = Questionnaire.objects.annotate(question_count=Count("questions"))
    filterset_class = QuestionnaireFilter
    columns = QUESTIONNAIRE_COLUMNS
    search_fields = ("name", "name_zh", "description")
    default_ordering = ("kind", "name")
    title = gettext_lazy("Questionnaires")
    empty_message = gettext_lazy(
        "No questionnaire matches these filters. Questionnaires come from the library "
        "(garrison library load-shipped loads the shipped ones)."
    )
    export_name = "supplier-questionnaires"


def _grouped(questions: list[Question]) -> list[tuple[str, list[Question]]]:
    groups: OrderedDict[str, list[Question]] = OrderedDict()
    for question in questions:
        groups.setdefault(question.dimension, []).append(question)
    return [(dimension_label(dimension), items) for dimension, items in groups.items()]


@login_required
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A questionnaire's questions by dimension, with their answer types, weights and scoring."""
    questionnaire = get_object_or_404(restrict(Questionnaire.objects.all(), request.user, Action.VIEW), pk=pk)
    questions = list(questionnaire.questions.order_by("order", "code"))
    context = {
        "questionnaire": questionnaire,
        "title": localised(questionnaire),
        "description": localised(questionnaire, "description"),
        "groups": [
            (label, [(question, localised(question, "text")) for question in items])
            for label, items in _grouped(questions)
        ],
        "may_create": has_grant(request.user, Supplier.scope.domain, Action.CHANGE),
    }
    return render(request, "suppliers/questionnaire_detail.html", context)


# An assessment's page --------------------------------------------------------------------------------


def _answer_rows(assessment: SupplierAssessment) -> list[tuple[str, str | None, list[dict[str, Any]]]]:
    """(dimension label, dimension score, rows) with one row per question and its answer."""
    answers = {answer.question_id: answer for answer in assessment.answers.select_related("evidence")}
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for question in services.questions_of(assessment):
        answer = answers.get(question.pk)
        score = None
        if answer is not None:
            score = answer.reviewer_score if answer.reviewer_score is not None else answer.computed_score
        groups.setdefault(question.dimension, []).append(
            {
                "question": question,
                "text": localised(question, "text"),
                "answer": answer,
                "value": _display_value(question, answer.value if answer else None),
                "score": score,
            }
        )
    return [
        (dimension_label(dimension), assessment.dimension_scores.get(dimension), rows)
        for dimension, rows in groups.items()
    ]


def _display_value(question: Question, value: Any) -> str:
    if value is None or value == "":
        return ""
    if question.answer_type == "yes_no":
        return _("Yes") if value == "yes" else _("No")
    if question.answer_type == "choice":
        for choice in question.choices or []:
            if choice.get("value") == value:
                return localised(choice, "label")
    return str(value)


def _detail_context(request: HttpRequest, assessment: SupplierAssessment, **extra: Any) -> dict[str, Any]:
    may_change = can(request.user, Action.CHANGE, assessment)
    status = assessment.status
    return {
        "assessment": assessment,
        "title": str(assessment),
        "questionnaire_name": localised(assessment.questionnaire),
        "groups": _answer_rows(assessment),
        "may_change": may_change,
        "may_send": may_change and status in services.MAY_BE_SENT,
        "may_review": may_change and status == AssessmentStatus.SUBMITTED,
        "may_cancel": may_change and status in services.MAY_BE_CANCELLED,
        "send_form": SendForm(),
        "complete_form": CompleteReviewForm(),
        "review_form": ReviewAnswerForm(),
        **extra,
    }


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    context = _detail_context(request, assessment)
    context["history"] = history_for(assessment, request.user)
    return render(request, "suppliers/assessment_detail.html", context)


@login_required
def assessment_create(request: HttpRequest) -> HttpResponseBase:
    """A new assessment; `?supplier=SUP-000123` pre-fills the supplier (from its page)."""
    if not has_grant(request.user, Supplier.scope.domain, Action.CHANGE):
        raise Http404
    initial: dict[str, Any] = {"supplier": request.GET.get("supplier", "")}
    kind = request.GET.get("kind", "")
    if kind in QuestionnaireKind.values:
        initial["questionnaire"] = (
            Questionnaire.objects.filter(kind=kind, is_active=True).values_list("pk", flat=True).first()
        )
    form = AssessmentForm(
        request.POST if request.method == "POST" else None, initial=initial, person=request.user
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.create_assessment(
                data["supplier"],
                data["questionnaire"],
                by=request.user,
                respondent_name=data["respondent_name"],
                respondent_email=data["respondent_email"],
                reason=data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(assessment)s is ready. Send it to get the respondent's link.")
                % {"assessment": assessment.reference},
            )
            return redirect(_detail_url(assessment))
    return render_form_page(
        request, form, title=_("New supplier assessment"), cancel_url=reverse("suppliers:assessment-list")
    )


@never_cache
@require_POST
@login_required
def assessment_send(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Make the respondent's link and show it this once (only its hash is kept)."""
    assessment = _assessment(request, pk, Action.CHANGE)
    form = SendForm(request.POST)
    if form.is_valid():
        try:
            token = services.send_assessment(
                assessment, by=request.user, days_valid=form.cleaned_data["days_valid"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_detail_url(assessment))
        link = request.build_absolute_uri(services.respondent_url(token))
        context = {"assessment": assessment, "title": str(assessment), "link": link}
        response = render(request, "suppliers/assessment_sent.html", context)
        response["Referrer-Policy"] = "no-referrer"
        return response
    messages.error(request, _form_errors(form))
    return redirect(_detail_url(assessment))


@require_POST
@login_required
def answer_review(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponseBase:
    assessment = _assessment(request, pk, Action.CHANGE)
    answer = get_object_or_404(Answer.objects.select_related("question"), assessment=assessment, pk=answer_pk)
    form = ReviewAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.review_answer(
                answer,
                by=request.user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The score of %(code)s is saved.") % {"code": answer.question.code})
    else:
        messages.error(request, _form_errors(form))
    return redirect(_detail_url(assessment) + f"#answer-{answer.pk}")


@require_POST
@login_required
def assessment_complete(request: HttpRequest, pk: int) -> HttpResponseBase:
    assessment = _assessment(request, pk, Action.CHANGE)
    form = CompleteReviewForm(request.POST)
    if form.is_valid():
        try:
            services.complete_review(assessment, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The review is complete: overall score %(score)s.") % {"score": assessment.overall_score},
            )
    return redirect(_detail_url(assessment))


@login_required
def assessment_cancel(request: HttpRequest, pk: int) -> HttpResponseBase:
    assessment = _assessment(request, pk, Action.CHANGE)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_assessment(assessment, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(assessment)s is cancelled; its link no longer works.")
                % {"assessment": assessment.reference},
            )
        return redirect(_detail_url(assessment))
    context = {
        "title": _("Cancel an assessment"),
        "question": _("Cancel %(assessment)s? The respondent's link stops working.")
        % {"assessment": assessment},
        "form": form,
        "confirm_label": _("Cancel the assessment"),
        "cancel_url": _detail_url(assessment),
    }
    return render(request, "web/confirm.html", context, status=400 if form.errors else 200)


@login_required
def answer_evidence(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponseBase:
    """The document the respondent uploaded for one answer."""
    assessment = _assessment(request, pk)
    answer = get_object_or_404(
        Answer.objects.select_related("evidence__stored_file"), assessment=assessment, pk=answer_pk
    )
    attachment = answer.evidence
    if attachment is None:
        raise Http404
    return attachment_download(attachment)


# The respondent's page (no login) ------------------------------------------------------------------


def _respond_groups(
    form: RespondForm, questions: list[Question], evidence_names: dict[str, str]
) -> list[tuple[str, list[dict[str, Any]]]]:
    groups = []
    for label, items in _grouped(questions):
        rows = []
        for question in items:
            rows.append(
                {
                    "question": question,
                    "answer": form[ANSWER_PREFIX + question.code],
                    "comment": form[COMMENT_PREFIX + question.code],
                    "evidence": form[EVIDENCE_PREFIX + question.code]
                    if question.evidence_requested
                    else None,
                    "current_evidence": evidence_names.get(question.code),
                }
            )
        groups.append((label, rows))
    return groups


def _respond_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    # The address carries the secret: keep it out of caches and out of Referer headers.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def respond(request: HttpRequest, token: str) -> HttpResponseBase:
    """The respondent's questionnaire, reached through the secret link without an account.

    Save as a draft as often as needed; "Submit" makes the answers final and the link
    stops working. CSRF-protected like every form."""
    try:
        assessment = services.resolve_token(token)
    except services.LinkNotValid as refusal:
        return _respond_page(
            request, "suppliers/respond_invalid.html", {"message": refusal.messages[0]}, status=404
        )
    questions = services.questions_of(assessment)
    existing = {answer.question_id: answer for answer in assessment.answers.select_related("evidence")}
    initial: dict[str, Any] = {}
    for question in questions:
        answer = existing.get(question.pk)
        if answer is not None:
            initial[ANSWER_PREFIX + question.code] = answer.value if answer.value is not None else ""
            initial[COMMENT_PREFIX + question.code] = answer.comment
    if request.method == "POST":
        form = RespondForm(request.POST, request.FILES, questions=questions, initial=initial)
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                services.save_answers(
                    assessment,
                    form.answers(),
                    comments=form.comments(),
                    evidence=form.evidence(),
                    submit=submit,
                )
            except services.LinkNotValid as refusal:
                return _respond_page(
                    request, "suppliers/respond_invalid.html", {"message": refusal.messages[0]}, status=404
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    form.add_service_errors(error.message_dict)
                else:
                    form.add_error(None, error)
            else:
                if submit:
                    return _respond_page(
                        request,
                        "suppliers/respond_done.html",
                        {"supplier_name": assessment.supplier.display_name},
                    )
                messages.success(request, _("Your answers are saved. You can come back with the same link."))
                return redirect(services.respondent_url(token))
    else:
        form = RespondForm(questions=questions, initial=initial)
    evidence_names = {
        question.code: attachment.filename
        for question in questions
        if question.pk in existing and (attachment := existing[question.pk].evidence) is not None
    }
    context = {
        "supplier_name": assessment.supplier.display_name,
        "questionnaire_name": localised(assessment.questionnaire),
        "questionnaire_description": localised(assessment.questionnaire, "description"),
        "respondent_name": assessment.respondent_name,
        "expires_at": assessment.token_expires_at,
        "form": form,
        "groups": _respond_groups(form, questions, evidence_names),
    }
    return _respond_page(request, "suppliers/respond.html", context, status=400 if form.errors else 200)


# The supplier page's panel ---------------------------------------------------------------------------


def _latest_reviewed(assessments: QuerySet[SupplierAssessment], kind: str) -> SupplierAssessment | None:
    return (
        assessments.filter(questionnaire__kind=kind, status=AssessmentStatus.REVIEWED)
        .order_by("-reviewed_at", "-pk")
        .first()
    )


def panel_context(request: HttpRequest, supplier: Supplier) -> dict[str, Any]:
    """The assessments of the supplier, and its latest score per dimension of each kind."""
    visible = restrict(
        SupplierAssessment.objects.filter(supplier=supplier).select_related("questionnaire"),
        request.user,
        Action.VIEW,
    )
    latest = []
    for kind in QuestionnaireKind:
        reviewed = _latest_reviewed(visible, kind.value)
        if reviewed is not None:
            latest.append(
                {
                    "assessment": reviewed,
                    "kind": kind.label,
                    "dimensions": [
                        (dimension_label(code), score) for code, score in reviewed.dimension_scores.items()
                    ],
                }
            )
    return {
        "supplier": supplier,
        "assessments": list(visible.order_by("-created_at", "-pk")[:PANEL_ROWS]),
        "assessment_count": visible.count(),
        "latest_reviewed": latest,
        "may_assess": can(request.user, Action.CHANGE, supplier),
    }


register_panel("assessments", order=30, template="suppliers/_assessments_panel.html", context=panel_context)


urlpatterns: list[URLPattern] = [
    path("assessments/", AssessmentListView.as_view(), name="assessment-list"),
    path("assessments/new/", assessment_create, name="assessment-create"),
    path("assessments/<int:pk>/", assessment_detail, name="assessment-detail"),
    path("assessments/<int:pk>/send/", assessment_send, name="assessment-send"),
    path("assessments/<int:pk>/complete/", assessment_complete, name="assessment-complete"),
    path("assessments/<int:pk>/cancel/", assessment_cancel, name="assessment-cancel"),
    path("assessments/<int:pk>/answers/<int:answer_pk>/review/", answer_review, name="answer-review"),
    path("assessments/<int:pk>/answers/<int:answer_pk>/evidence/", answer_evidence, name="answer-evidence"),
    path("questionnaires/", QuestionnaireListView.as_view(), name="questionnaire-list"),
    path("questionnaires/<int:pk>/", questionnaire_detail, name="questionnaire-detail"),
    path("respond/<str:token>/", respond, name="respond"),
]

"""Web pages for an assessment's reports and mapping inference: the Statement of
Applicability download (XLSX), the OSCAL assessment-results download (JSON) and the
"infer from another assessment" form.

Thin: assessments are found through scoping (out of reach answers 404 like missing); the
reports are written by garrison.compliance.reports, inference by its service.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from garrison.compliance.models import Assessment
from garrison.compliance.reports import oscal_results, soa
from garrison.compliance.services import inference
from garrison.core.exports import XLSX_CONTENT_TYPE
from garrison.core.roles import Action
from garrison.core.scoping import restrict
from garrison.web.forms import StyledFormMixin, apply_service_errors


def _assessments(person: Any, action: Action) -> models.QuerySet[Assessment]:
    return restrict(Assessment.objects.select_related("framework", "unit", "lead"), person, action)


def _detail_url(assessment: Assessment) -> str:
    return reverse("compliance:assessment-detail", args=[assessment.pk])


@login_required
@require_GET
def assessment_soa(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Download the Statement of Applicability of an ISO/IEC 27001 assessment."""
    assessment = get_object_or_404(_assessments(request.user, Action.VIEW), pk=pk)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        soa.write_soa(assessment, target, by=request.user)
    except ValidationError as error:
        target.close()
        messages.error(request, " ".join(error.messages))
        return redirect(_detail_url(assessment))
    target.seek(0)
    return FileResponse(
        target, as_attachment=True, filename=soa.soa_filename(assessment), content_type=XLSX_CONTENT_TYPE
    )


@login_required
@require_GET
def assessment_oscal(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the assessment as an OSCAL assessment-results document."""
    assessment = get_object_or_404(_assessments(request.user, Action.VIEW), pk=pk)
    response = HttpResponse(
        oscal_results.assessment_results_json(assessment, by=request.user), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{oscal_results.oscal_filename(assessment)}"'
    return response


class InferenceForm(StyledFormMixin, forms.Form):
    source_assessment = forms.ModelChoiceField(
        queryset=Assessment.objects.none(),
        label=gettext_lazy("Infer from"),
        help_text=gettext_lazy(
            "An assessment of a framework mapped to this one. Its results are proposed for the results "
            "nobody has assessed here, marked inferred until a person confirms them."
        ),
    )

    def __init__(self, *args: Any, target: Assessment, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["source_assessment"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = source_choices(target, person)


def source_choices(target: Assessment, person: Any) -> models.QuerySet[Assessment]:
    """The assessments `person` may view whose framework a mapping set links to the target's."""
    return (
        _assessments(person, Action.VIEW)
        .filter(framework_id__in=inference.mapped_framework_ids(target.framework))
        .exclude(pk=target.pk)
        .order_by("-created_at", "reference")
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_infer(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Choose an assessment of a mapped framework, then propose results from it."""
    target = get_object_or_404(_assessments(request.user, Action.CHANGE), pk=pk)
    form = InferenceForm(request.POST or None, target=target, person=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            summary = inference.infer_results(target, form.cleaned_data["source_assessment"], by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "%(proposed)d results proposed (marked inferred until confirmed); "
                    "%(skipped)d already assessed results left as they are."
                )
                % {"proposed": summary.proposed, "skipped": summary.skipped_assessed},
            )
            return redirect(_detail_url(target))
    context = {
        "title": _("Infer results for %(assessment)s") % {"assessment": target.reference},
        "assessment": target,
        "form": form,
        "has_sources": form.fields["source_assessment"].queryset.exists(),  # type: ignore[attr-defined]
        "cancel_url": _detail_url(target),
    }
    return render(request, "compliance/assessment_infer.html", context, status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("assessments/<int:pk>/soa/", assessment_soa, name="assessment-soa"),
    path("assessments/<int:pk>/oscal/", assessment_oscal, name="assessment-oscal"),
    path("assessments/<int:pk>/infer/", assessment_infer, name="assessment-infer"),
]

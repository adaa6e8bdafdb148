"""The assessment pages: the respondent's public page works without logging in and shows
nothing else; every other page needs a login and scoping; the reviewer's forms, the link
shown once, filters and export, and the supplier page's panels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from garrison.suppliers.models import Answer, AssessmentStatus, SupplierAssessment
from garrison.suppliers.panels import panels_for
from garrison.suppliers.services import assessments as services
from tests.suppliers.assessments_support import load_questionnaires, make_questionnaire, sent_assessment

LINK_GONE = "This link is not valid any more; ask your contact for a new one."


@pytest.fixture
def questionnaire(db: Any) -> Any:
    return make_questionnaire()


@pytest.fixture
def sent(make_supplier: Any, questionnaire: Any, buyer: Any) -> tuple[SupplierAssessment, str]:
    return sent_assessment(make_supplier(name="华北测试供应商有限公司"), questionnaire, buyer)


def _url(token: str) -> str:
    return reverse("suppliers:respond", args=[token])


def test_the_respondent_page_works_logged_out_and_shows_only_its_assessment(
    client: Any, sent: tuple[SupplierAssessment, str], make_supplier: Any
) -> None:
    other = make_supplier(name="另一家供应商有限公司")
    assessment, token = sent
    page = client.get(_url(token))
    assert page.status_code == 200
    text = page.content.decode()
    assert "华北测试供应商有限公司" in text
    assert "Question Y?" in text
    assert 'name="answer_N"' in text
    assert 'name="evidence_Y"' in text
    assert 'name="evidence_C"' not in text
    assert "csrfmiddlewaretoken" in text
    assert other.name not in text
    assert assessment.reference not in text
    assert "Log out" not in text
    assert page["Cache-Control"] == "no-store"
    assert page["Referrer-Policy"] == "no-referrer"


def test_the_respondent_page_follows_the_language_chosen(
    client: Any, sent: tuple[SupplierAssessment, str]
) -> None:
    _assessment, token = sent
    client.cookies["django_language"] = "zh-hans"
    page = client.get(_url(token))
    assert '<html lang="zh-hans">' in page.content.decode()
    assert "全部" in page.content.decode()  # the choice's Chinese label


def test_the_respondent_saves_a_draft_then_submits_through_the_page(
    client: Any, sent: tuple[SupplierAssessment, str]
) -> None:
    assessment, token = sent
    upload = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 licence", content_type="application/pdf")
    draft = client.post(_url(token), {"answer_Y": "yes", "answer_N": "31", "evidence_Y": upload, "save": "1"})
    assert draft.status_code == 302
    assert draft["Location"] == _url(token)
    answer = Answer.objects.get(question__code="Y")
    assert answer.value == "yes"
    assert answer.evidence is not None
    assert "licence.pdf" in client.get(_url(token)).content.decode()

    done = client.post(_url(token), {"answer_Y": "yes", "answer_N": "31", "answer_C": "all", "submit": "1"})
    assert done.status_code == 200
    assert "This link no longer works" in done.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    gone = client.get(_url(token))
    assert gone.status_code == 404
    assert LINK_GONE in gone.content.decode()


def test_a_bad_answer_on_the_page_is_shown_and_nothing_is_saved(
    client: Any, sent: tuple[SupplierAssessment, str]
) -> None:
    _assessment, token = sent
    page = client.post(_url(token), {"answer_Y": "yes", "answer_N": "lots", "submit": "1"})
    assert page.status_code == 400
    assert "Enter a number, such as 12 or 3.5." in page.content.decode()
    assert not Answer.objects.exists()


def test_a_wrong_or_expired_link_says_the_same(client: Any, sent: tuple[SupplierAssessment, str]) -> None:
    assessment, token = sent
    wrong = client.get(_url("x" * 43))
    assert wrong.status_code == 404
    assert LINK_GONE in wrong.content.decode()
    SupplierAssessment.objects.filter(pk=assessment.pk).update(token_expires_at=assessment.sent_at)
    expired = client.get(_url(token))
    assert expired.status_code == 404
    assert LINK_GONE in expired.content.decode()


def test_the_respondent_page_is_csrf_protected(sent: tuple[SupplierAssessment, str]) -> None:
    _assessment, token = sent
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(_url(token), {"answer_Y": "yes"}).status_code == 403
    assert not Answer.objects.exists()


def test_every_other_page_needs_a_login(client: Any, sent: tuple[SupplierAssessment, str]) -> None:
    assessment, _token = sent
    for url in (
        reverse("suppliers:assessment-list"),
        reverse("suppliers:assessment-create"),
        reverse("suppliers:assessment-detail", args=[assessment.pk]),
        reverse("suppliers:questionnaire-list"),
        reverse("suppliers:questionnaire-detail", args=[assessment.questionnaire_id]),
        reverse("suppliers:scorecard-list"),
        reverse("suppliers:criterion-list"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert client.post(reverse("suppliers:assessment-send", args=[assessment.pk])).status_code == 302


def test_the_buyer_creates_sends_and_sees_the_link_once(
    client: Any, make_supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    supplier = make_supplier()
    client.force_login(buyer)
    form = client.get(reverse("suppliers:assessment-create") + f"?supplier={supplier.reference}")
    assert supplier.reference in form.content.decode()
    created = client.post(
        reverse("suppliers:assessment-create"),
        {
            "supplier": supplier.reference,
            "questionnaire": questionnaire.pk,
            "respondent_name": "Zhang San",
            "respondent_email": "zhang@example.com",
        },
    )
    assessment = SupplierAssessment.objects.get()
    assert created["Location"] == reverse("suppliers:assessment-detail", args=[assessment.pk])
    sent = client.post(reverse("suppliers:assessment-send", args=[assessment.pk]), {"days_valid": "14"})
    assert sent.status_code == 200
    link = sent.context["link"]
    assert link.startswith("http://testserver/suppliers/respond/")
    assert link in sent.content.decode()
    assert "data-copy-target" in sent.content.decode()
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert services.resolve_token(token) == assessment
    detail = client.get(reverse("suppliers:assessment-detail", args=[assessment.pk]))
    assert token not in detail.content.decode()


def test_the_reviewer_scores_and_completes_on_the_page(
    client: Any, sent: tuple[SupplierAssessment, str], buyer: Any
) -> None:
    assessment, _token = sent
    services.save_answers(assessment, {"Y": "yes", "C": "all", "N": "30", "T": "Policy."}, submit=True)
    text = assessment.answers.get(question__code="T")
    client.force_login(buyer)
    detail = client.get(reverse("suppliers:assessment-detail", args=[assessment.pk]))
    assert reverse("suppliers:answer-review", args=[assessment.pk, text.pk]) in detail.content.decode()
    client.post(
        reverse("suppliers:answer-review", args=[assessment.pk, text.pk]), {"score": "60", "comment": "Thin."}
    )
    client.post(reverse("suppliers:assessment-complete", args=[assessment.pk]), {"comment": "Done."})
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.REVIEWED
    # (200 + 100 + 100 + 60) / 5
    assert assessment.overall_score == Decimal("92.00")
    assert assessment.supplier.esg_score == Decimal("92.00")


def test_a_reader_sees_without_actions_and_an_outsider_sees_nothing(
    client: Any, sent: tuple[SupplierAssessment, str], security_reader: Any, outsider: Any
) -> None:
    assessment, _token = sent
    client.force_login(security_reader)
    detail = client.get(reverse("suppliers:assessment-detail", args=[assessment.pk]))
    assert detail.status_code == 200
    assert reverse("suppliers:assessment-send", args=[assessment.pk]) not in detail.content.decode()
    assert client.post(reverse("suppliers:assessment-send", args=[assessment.pk])).status_code == 404
    assert client.get(reverse("suppliers:assessment-create")).status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("suppliers:assessment-detail", args=[assessment.pk])).status_code == 404
    assert assessment.reference not in client.get(reverse("suppliers:assessment-list")).content.decode()


def test_the_list_filters_by_kind_status_and_score_and_exports(
    client: Any, make_supplier: Any, questionnaire: Any, buyer: Any
) -> None:
    first, _token = sent_assessment(make_supplier(), questionnaire, buyer)
    services.save_answers(first, {"Y": "yes", "C": "all", "N": "30"}, submit=True)
    second, _token = sent_assessment(make_supplier(), make_questionnaire("security"), buyer)
    client.force_login(buyer)
    url = reverse("suppliers:assessment-list")
    assert second.reference not in client.get(url + "?kind=esg").content.decode()
    assert first.reference in client.get(url + "?kind=esg&status=submitted&score_min=75").content.decode()
    assert first.reference not in client.get(url + "?score_max=50").content.decode()
    export = client.get(url + "?export=csv&kind=security")
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert second.reference in body
    assert first.reference not in body


def test_the_supplier_page_panels_show_scores_and_the_latest_scorecard(
    sent: tuple[SupplierAssessment, str], buyer: Any
) -> None:
    assessment, _token = sent
    services.save_answers(assessment, {"Y": "yes", "C": "all", "N": "30"}, submit=True)
    services.complete_review(assessment, by=buyer)
    request = RequestFactory().get("/")
    request.user = buyer
    rendered = {
        template: render_to_string(template, context, request=request)
        for template, context in panels_for(request, assessment.supplier)
        if template in ("suppliers/_assessments_panel.html", "suppliers/_scorecards_panel.html")
    }
    panel = rendered["suppliers/_assessments_panel.html"]
    assert assessment.reference in panel
    assert "Labour rights and interests" in panel
    assert "100.00" in panel
    assert "This supplier has not been scored yet." in rendered["suppliers/_scorecards_panel.html"]


def test_the_evidence_is_downloaded_by_readers_of_the_supplier_only(
    client: Any, sent: tuple[SupplierAssessment, str], security_reader: Any, outsider: Any
) -> None:
    assessment, _token = sent
    upload = SimpleUploadedFile("iso.pdf", b"%PDF certificate", content_type="application/pdf")
    services.save_answers(assessment, {"Y": "yes"}, evidence={"Y": upload})
    answer = Answer.objects.get(question__code="Y")
    url = reverse("suppliers:answer-evidence", args=[assessment.pk, answer.pk])
    client.force_login(security_reader)
    assert url in client.get(reverse("suppliers:assessment-detail", args=[assessment.pk])).content.decode()
    assert b"".join(client.get(url).streaming_content) == b"%PDF certificate"
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_questionnaire_pages_show_the_shipped_questions_by_dimension(
    client: Any, security_reader: Any
) -> None:
    esg, _security = load_questionnaires()
    client.force_login(security_reader)
    listing = client.get(reverse("suppliers:questionnaire-list"))
    assert "Supplier ESG questionnaire" in listing.content.decode()
    client.cookies["django_language"] = "zh-hans"
    detail = client.get(reverse("suppliers:questionnaire-detail", args=[esg.pk])).content.decode()
    assert "供应商 ESG 评估问卷" in detail
    assert "ENV-02" in detail
    assert detail.count("<section") == 5

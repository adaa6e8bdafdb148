"""Performance scorecards: every active criterion scored, weights snapshotted, the band
from the policy, the supplier's latest standing, the downgrade proposal, the criterion
weights, and the pages and API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from garrison.core.models import AuditEvent
from garrison.suppliers.models import (
    Scorecard,
    ScorecardCriterion,
    StatusChange,
    SupplierPolicy,
    SupplierStatus,
)
from garrison.suppliers.services import classification
from garrison.suppliers.services import scorecards as services

Q3: dict[str, Any] = {"period_start": dt.date(2026, 7, 1), "period_end": dt.date(2026, 9, 30)}
GOOD = {"delivery": 90, "quality": 80, "service": 70, "security-incidents": 100, "esg": 60}
# 27 + 24 + 10.5 + 15 + 6 = 82.5 out of 100 weight: good.
POOR = {"delivery": 50, "quality": 50, "service": 60, "security-incidents": 50, "esg": 60}
# 15 + 15 + 9 + 7.5 + 6 = 52.5: poor.


@pytest.fixture
def proposals(monkeypatch: Any) -> list[dict[str, Any]]:
    """Downgrade proposals made, recorded instead of going to the classification service."""
    made: list[dict[str, Any]] = []

    def propose(supplier: Any, to_status: str, **kwargs: Any) -> None:
        made.append({"supplier": supplier, "to_status": to_status, **kwargs})

    monkeypatch.setattr(classification, "propose_status_change", propose)
    return made


def test_a_scorecard_weighs_every_criterion_and_sets_the_suppliers_standing(
    make_supplier: Any, buyer: Any, proposals: list[dict[str, Any]]
) -> None:
    supplier = make_supplier()
    scorecard = services.create_scorecard(supplier, by=buyer, scores=GOOD, **Q3)
    assert scorecard.overall_score == Decimal("82.50")
    assert scorecard.band == "good"
    assert {line.criterion.code: line.weight for line in scorecard.lines.all()} == {
        "delivery": 30,
        "quality": 30,
        "service": 15,
        "security-incidents": 15,
        "esg": 10,
    }
    supplier.refresh_from_db()
    assert supplier.performance_score == Decimal("82.50")
    assert supplier.performance_band == "good"
    assert proposals == []
    assert AuditEvent.objects.filter(object_type="suppliers.scorecard", object_id=str(scorecard.pk)).exists()


def test_weights_are_snapshotted_and_the_latest_period_stands(
    make_supplier: Any, buyer: Any, approver: Any, proposals: list[dict[str, Any]]
) -> None:
    supplier = make_supplier()
    services.create_scorecard(supplier, by=buyer, scores=GOOD, **Q3)
    services.update_criterion(ScorecardCriterion.objects.get(code="esg"), by=approver, weight=Decimal(40))
    earlier = services.create_scorecard(
        supplier, by=buyer, scores=POOR, period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 6, 30)
    )
    assert earlier.lines.get(criterion__code="esg").weight == 40
    q3 = Scorecard.objects.get(period_start=Q3["period_start"])
    assert q3.lines.get(criterion__code="esg").weight == 10
    supplier.refresh_from_db()
    # Q2 scored later, but Q3 is the latest period.
    assert supplier.performance_score == Decimal("82.50")


def test_a_poor_standing_proposes_rectifying_once(
    make_supplier: Any, buyer: Any, proposals: list[dict[str, Any]]
) -> None:
    supplier = make_supplier(status=SupplierStatus.QUALIFIED)
    scorecard = services.create_scorecard(supplier, by=buyer, scores=POOR, **Q3)
    assert scorecard.band == "poor"
    assert len(proposals) == 1
    assert proposals[0]["to_status"] == "rectifying"
    assert proposals[0]["by"] is None
    assert proposals[0]["source"] == "scorecard"
    assert proposals[0]["reason"] == "Scorecard 2026-Q3 scored 52.50 (Poor), below acceptable."

    # A proposal awaiting a decision stands: the next poor scorecard proposes nothing more.
    StatusChange.objects.create(
        supplier=supplier,
        from_status="qualified",
        to_status="rectifying",
        reason="Scorecard",
        source="scorecard",
        proposed_at=timezone.now(),
    )
    services.create_scorecard(
        supplier, by=buyer, scores=POOR, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 12, 31)
    )
    assert len(proposals) == 1


def test_a_poor_standing_of_a_supplier_not_qualified_proposes_nothing(
    make_supplier: Any, buyer: Any, proposals: list[dict[str, Any]]
) -> None:
    supplier = make_supplier(status=SupplierStatus.PROSPECTIVE)
    services.create_scorecard(supplier, by=buyer, scores=POOR, **Q3)
    assert proposals == []


def test_the_bands_and_the_downgrade_follow_the_policy(
    make_supplier: Any, buyer: Any, proposals: list[dict[str, Any]]
) -> None:
    SupplierPolicy.objects.update(good_from=85, downgrade_below="good")
    scorecard = services.create_scorecard(make_supplier(), by=buyer, scores=GOOD, **Q3)
    assert scorecard.band == "acceptable"
    assert len(proposals) == 1


def test_bad_scorecards_are_refused_with_nothing_saved(
    make_supplier: Any, buyer: Any, proposals: list[dict[str, Any]]
) -> None:
    supplier = make_supplier()
    with pytest.raises(ValidationError) as refusal:
        services.create_scorecard(
            supplier,
            by=buyer,
            period_start=dt.date(2026, 9, 30),
            period_end=dt.date(2026, 7, 1),
            scores={"delivery": 101, "quality": "x", "service": 50, "security-incidents": 50, "unknown": 5},
        )
    errors = refusal.value.message_dict
    assert errors["period_end"] == ["The period cannot end before it starts."]
    assert errors["delivery"] == ["A score is from 0 to 100, with at most two decimals."]
    assert errors["quality"] == ["Score Quality from 0 to 100."]
    assert errors["esg"] == ["Score ESG from 0 to 100."]
    assert errors["unknown"] == ["unknown is not an active scorecard criterion."]
    services.create_scorecard(supplier, by=buyer, scores=GOOD, **Q3)
    with pytest.raises(ValidationError) as refusal:
        services.create_scorecard(supplier, by=buyer, scores=GOOD, **Q3)
    assert refusal.value.message_dict["period_start"] == [
        f"{supplier.reference} already has a scorecard for 2026-Q3."
    ]
    assert Scorecard.objects.count() == 1


def test_readers_and_outsiders_may_not_score(
    make_supplier: Any, security_reader: Any, outsider: Any, proposals: list[dict[str, Any]]
) -> None:
    supplier = make_supplier()
    for person in (security_reader, outsider):
        with pytest.raises(Http404):
            services.create_scorecard(supplier, by=person, scores=GOOD, **Q3)
    assert not Scorecard.objects.exists()


def test_weights_are_changed_only_over_the_whole_organisation_and_must_be_positive(
    approver: Any, buyer: Any
) -> None:
    criterion = ScorecardCriterion.objects.get(code="delivery")
    with pytest.raises(Http404):
        services.update_criterion(criterion, by=buyer, weight=Decimal(10))
    with pytest.raises(ValidationError) as refusal:
        services.update_criterion(criterion, by=approver, weight=Decimal(0))
    assert refusal.value.message_dict == {"weight": ["A weight is a number greater than zero."]}
    services.update_criterion(criterion, by=approver, weight=Decimal(35), reason="Delivery matters more.")
    criterion.refresh_from_db()
    assert criterion.weight == 35
    event = AuditEvent.objects.filter(object_type="suppliers.scorecardcriterion").latest("sequence")
    assert event.changes["weight"] == ["30.00", "35.00"]
    assert event.reason == "Delivery matters more."


# Pages and API -------------------------------------------------------------------------------------


def test_the_scorecard_pages_score_list_and_rank(
    client: Any, make_supplier: Any, buyer: Any, security_reader: Any, proposals: list[dict[str, Any]]
) -> None:
    supplier = make_supplier()
    client.force_login(buyer)
    page = client.get(reverse("suppliers:scorecard-create") + f"?supplier={supplier.reference}")
    assert page.status_code == 200
    assert b'name="score_security-incidents"' in page.content
    data = {
        "supplier": supplier.reference,
        "period_start": "2026-07-01",
        "period_end": "2026-09-30",
        **{f"score_{code}": value for code, value in GOOD.items()},
    }
    created = client.post(reverse("suppliers:scorecard-create"), data)
    scorecard = Scorecard.objects.get()
    assert created.status_code == 302
    assert created["Location"] == reverse("suppliers:scorecard-detail", args=[scorecard.pk])
    again = client.post(reverse("suppliers:scorecard-create"), data)
    assert again.status_code == 400
    assert "already has a scorecard for 2026-Q3" in again.content.decode()

    client.force_login(security_reader)
    assert client.get(reverse("suppliers:scorecard-detail", args=[scorecard.pk])).status_code == 200
    standings = client.get(reverse("suppliers:scorecard-standings") + "?band=good")
    assert supplier.reference in standings.content.decode()
    assert (
        supplier.reference
        not in client.get(reverse("suppliers:scorecard-list") + "?band=poor").content.decode()
    )
    export = client.get(reverse("suppliers:scorecard-list") + "?export=csv")
    assert export.status_code == 200
    assert supplier.reference in b"".join(export.streaming_content).decode("utf-8-sig")
    assert client.get(reverse("suppliers:scorecard-create")).status_code == 404


def test_the_criterion_page_lets_only_organisation_wide_editors_change_weights(
    client: Any, approver: Any, buyer: Any
) -> None:
    criterion = ScorecardCriterion.objects.get(code="esg")
    client.force_login(buyer)
    listing = client.get(reverse("suppliers:criterion-list"))
    assert listing.status_code == 200
    assert reverse("suppliers:criterion-update", args=[criterion.pk]).encode() not in listing.content
    assert client.get(reverse("suppliers:criterion-update", args=[criterion.pk])).status_code == 404
    client.force_login(approver)
    refused = client.post(
        reverse("suppliers:criterion-update", args=[criterion.pk]), {"weight": "0", "is_active": "on"}
    )
    assert refused.status_code == 400
    saved = client.post(
        reverse("suppliers:criterion-update", args=[criterion.pk]), {"weight": "20", "is_active": "on"}
    )
    assert saved.status_code == 302
    criterion.refresh_from_db()
    assert criterion.weight == 20


def test_the_scorecard_api_creates_lists_and_updates_weights(
    api: Any, make_supplier: Any, buyer: Any, approver: Any, outsider: Any, proposals: list[dict[str, Any]]
) -> None:
    supplier = make_supplier()
    created = api.as_(buyer).post(
        "/api/suppliers/scorecards/",
        {"supplier": supplier.pk, "period_start": "2026-07-01", "period_end": "2026-09-30", "scores": POOR},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["band"] == "poor"
    assert len(created.json()["lines"]) == 5
    assert len(proposals) == 1
    missing = api.as_(buyer).post(
        "/api/suppliers/scorecards/",
        {
            "supplier": supplier.pk,
            "period_start": "2026-10-01",
            "period_end": "2026-12-31",
            "scores": {"esg": 10},
        },
        format="json",
    )
    assert missing.status_code == 400
    assert "delivery" in missing.json()
    assert api.as_(outsider).get("/api/suppliers/scorecards/").json()["count"] == 0
    assert api.as_(buyer).get("/api/suppliers/scorecards/?band=poor").json()["count"] == 1

    criterion = ScorecardCriterion.objects.get(code="esg")
    url = f"/api/suppliers/scorecard-criteria/{criterion.pk}/"
    assert api.as_(buyer).patch(url, {"weight": "12"}, format="json").status_code == 404
    assert api.as_(approver).patch(url, {"weight": "-1"}, format="json").status_code == 400
    assert api.as_(approver).patch(url, {"weight": "12"}, format="json").json()["weight"] == "12.00"

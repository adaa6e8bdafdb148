"""The supplier demo's showcase: a few suppliers of the register worked through each part of
the supplier process with that part's services, so pages, timelines, notifications and
the audit trail are those real work leaves.

- access applications at every stage: one just started, one at the on-site inspection,
  one in internal assessment, one in its shortlist publicity with an open objection, one
  approved through the full chain, one on express access (its complete review due soon)
  and one rejected;
- assessments: one sent, one submitted awaiting review, two reviewed with scores;
- last quarter's scorecards, one poor, which proposes a downgrade awaiting approval, and a
  suspension proposed by one Procurement Officer for the other to decide;
- rectification plans with actions, for the rectifying suppliers (the register's older
  plans, whose actions are overdue, are inserted directly: a service refuses a due date in
  the past);
- the blacklist entries of the blacklisted suppliers, an imported watch list of about 200
  names with one pending match;
- three live sourcing events (open for bids; in evaluation with declared evaluators and
  scores; shortlist announced) and a few purchase orders.

Everything goes through the services except `direct_overdue_plans` (older plans whose
actions are overdue: the rectification service rightly refuses due dates in the past) and
the back-dating of one shortlist's publicity period (so one application completes the full
chain at once).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from garrison.core.demo.registry import DemoContext
from garrison.core.models import OrgUnit, Person
from garrison.suppliers.models import (
    AccessPath,
    ActionStatus,
    MatchStatus,
    PlanStatus,
    Questionnaire,
    QuestionnaireKind,
    RectificationAction,
    RectificationPlan,
    Region,
    ScreeningMatch,
    Supplier,
    SupplierCategory,
    SupplierStatus,
)

T = TypeVar("T")
DAY = dt.timedelta(days=1)
WATCH_LIST_NAME = "Debarred suppliers (industry association list)"
WATCH_LIST_SIZE = 200


@dataclass
class Showcase:
    """What the showcase works with: the officers, the moment of seeding, the suppliers by status."""

    context: DemoContext
    now: dt.datetime
    today: dt.date
    officer: Person
    approver: Person
    evaluators: list[Person]
    rng: random.Random
    by_status: dict[str, list[Supplier]] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)

    def take(self, status: str, *, region: str = Region.MAINLAND, category: str | None = None) -> Supplier:
        """The next supplier of `status` not yet used by the showcase (the register order)."""
        for supplier in self.by_status.get(status, []):
            if supplier.pk in self.used or supplier.region != region:
                continue
            if category is not None and not supplier.categories.filter(code=category).exists():
                continue
            self.used.add(supplier.pk)
            return supplier
        raise LookupError(f"no {status} supplier left for the showcase")


def seed_showcase(
    context: DemoContext, suppliers: Sequence[Supplier], *, now: dt.datetime, today: dt.date
) -> None:
    from garrison.suppliers.demo_suppliers import officer

    proposer = officer("procurement")
    approver = officer("xiao.tao", other_than=proposer)
    if proposer is None or approver is None:
        return  # the organisation step did not run: nobody to do the work
    evaluators = [
        person for person in (officer("zeng.yuhui", other_than=proposer), approver) if person is not None
    ]
    show = Showcase(
        context=context,
        now=now,
        today=today,
        officer=proposer,
        approver=approver,
        evaluators=list(dict.fromkeys(evaluators)),
        rng=context.random("suppliers-showcase"),
    )
    for supplier in suppliers:
        show.by_status.setdefault(supplier.status, []).append(supplier)
    made = {
        "access applications": access_applications(show),
        "supplier assessments": assessments(show),
        "scorecards": scorecards(show),
        "rectification plans": rectification_plans(show),
        "screening matches": screening(show),
        "sourcing events": sourcing_events(show),
    }
    for what, number in made.items():
        context.count(what, number)


# Access -----------------------------------------------------------------------------------------


def access_applications(show: Showcase) -> int:
    from garrison.suppliers.services import access

    by = show.officer

    def started(path: str = AccessPath.STANDARD, **extra: Any) -> Any:
        return access.start_application(
            show.take(SupplierStatus.PROSPECTIVE),
            by=by,
            path=path,
            justification=extra.pop("justification", "New source for the Beijing and Shanghai data centres."),
            **extra,
        )

    def passed(application: Any, notes: str, score: int | None = None) -> None:
        access.record_stage(application, by=by, outcome="passed", notes=notes, score=score)

    # Just started: the qualification review is under way.
    started()
    # Qualification review passed; on-site inspection next.
    inspection = started()
    passed(inspection, "Business licence, tax and social-insurance records checked.", 88)
    access.advance(inspection, by=by)
    # In internal assessment and testing.
    testing = started()
    passed(testing, "Qualification documents complete.", 91)
    access.advance(testing, by=by)
    passed(testing, "Factory and warehouse inspected in Suzhou; quality system in place.", 84)
    access.advance(testing, by=by)
    # In its publicity period, with an open objection.
    shortlisted = started()
    for notes, score in (
        ("Qualification documents complete.", 90),
        ("Site inspected: clean machine room, trained staff.", 86),
        ("Sample servers passed the 72-hour burn-in test.", 92),
    ):
        passed(shortlisted, notes, score)
        if shortlisted.status == "internal_assessment":
            break
        access.advance(shortlisted, by=by)
    access.announce_shortlist(shortlisted, by=by, publicity_days=7)
    access.lodge_objection(
        shortlisted,
        by=by,
        objector="A competing bidder (name withheld)",
        contact="tender-office@example.cn",
        grounds="Claims the supplier's ISO 9001 certificate covers another factory than the one inspected.",
    )
    # Approved through the full chain.
    approved = started()
    steps: tuple[tuple[str, int | None], ...] = (
        ("Qualification documents complete.", 93),
        ("Site inspected in Langfang.", 89),
        ("Pilot delivery of 20 racks on time and to specification.", 90),
        ("No objection during the publicity period.", None),
        ("Selected by the procurement committee.", 91),
    )
    for notes, step_score in steps:
        passed(approved, notes, step_score)
        if approved.status == "final_selection":
            break
        access.advance(approved, by=by)
        if approved.status == "shortlist_announcement":
            # The shortlist was announced a week ago: its publicity period is over.
            ended = show.now - DAY
            type(approved).objects.filter(pk=approved.pk).update(
                publicity_starts_at=ended - 5 * DAY, publicity_ends_at=ended
            )
            approved.refresh_from_db()
    access.approve_application(approved, by=show.approver, reason="Selected by the procurement committee.")
    # Express access for an urgent, low-value need: qualified until its complete review.
    express = started(
        AccessPath.EXPRESS,
        justification="Urgent replacement of failed chiller parts in the Shanghai data centre.",
        contract_value_cny=Decimal("180000"),
    )
    passed(express, "Business licence and safety licence checked.", 80)
    access.advance(express, by=by)
    passed(express, "Selected for the urgent repair.", 80)
    access.approve_application(express, by=show.approver, reason="Urgent repair; complete review to follow.")
    # Rejected at the qualification review.
    rejected = started()
    access.record_stage(
        rejected, by=by, outcome="failed", notes="Social-insurance records show fewer than ten employees."
    )
    access.reject_application(rejected, by=show.approver, reason="Failed the qualification review.")
    return 7


# Assessments ------------------------------------------------------------------------------------


def _questionnaires(show: Showcase) -> dict[str, Questionnaire]:
    if not Questionnaire.objects.exists():
        from garrison.library.services import load_library

        path = Path(__file__).resolve().parent / "data" / "supplier-questionnaires.yaml"
        if path.exists():
            load_library(path, by=show.context.actor)
    found: dict[str, Questionnaire] = {}
    for questionnaire in Questionnaire.objects.filter(is_active=True).order_by("urn"):
        found.setdefault(questionnaire.kind, questionnaire)
    return found


def _answers(rng: random.Random, questionnaire: Questionnaire, quality: float) -> dict[str, Any]:
    """Answers to every question; `quality` is the chance of a good answer."""
    answers: dict[str, Any] = {}
    for question in questionnaire.questions.order_by("order", "code"):
        good = rng.random() < quality
        if question.answer_type == "yes_no":
            wanted = question.good_answer or "yes"
            answers[question.code] = wanted if good else ("no" if wanted == "yes" else "yes")
        elif question.answer_type == "choice" and question.choices:
            ranked = sorted(question.choices, key=lambda choice: -float(choice.get("score", 0)))
            answers[question.code] = (ranked[0] if good else ranked[-1])["value"]
        elif question.answer_type == "number":
            bands = sorted(question.choices or [{"min": 0}], key=lambda band: -float(band.get("min", 0)))
            answers[question.code] = float(bands[0 if good else -1].get("min", 0)) + 1
        else:
            answers[question.code] = "Our policy and the last audit report are attached to our submission."
    return answers


def assessments(show: Showcase) -> int:
    from garrison.suppliers.services import assessments as services

    questionnaires = _questionnaires(show)
    if not questionnaires:
        return 0
    by = show.officer
    made = 0
    plan = (
        ("sent", QuestionnaireKind.SECURITY, 0.0),
        ("submitted", QuestionnaireKind.ESG, 0.8),
        ("reviewed", QuestionnaireKind.SECURITY, 0.9),
        ("reviewed", QuestionnaireKind.ESG, 0.6),
    )
    for stage, kind, quality in plan:
        questionnaire = questionnaires.get(kind) or next(iter(questionnaires.values()))
        supplier = show.take(SupplierStatus.QUALIFIED)
        contact = supplier.contacts.order_by("-is_primary", "pk").first()
        assessment = services.create_assessment(
            supplier,
            questionnaire,
            by=by,
            respondent_name=contact.name if contact else "Compliance desk",
            respondent_email=contact.email if contact else "compliance@supplier.example.cn",
        )
        token = services.send_assessment(assessment, by=by)
        made += 1
        if stage == "sent":
            continue
        answering = services.resolve_token(token)
        services.save_answers(answering, _answers(show.rng, questionnaire, quality), submit=True)
        if stage == "reviewed":
            assessment.refresh_from_db()
            for answer in assessment.answers.filter(question__answer_type="text").order_by("pk"):
                services.review_answer(
                    answer,
                    by=show.approver,
                    score=Decimal(show.rng.choice((60, 75, 90))),
                    comment="Evidence seen.",
                )
            services.complete_review(
                assessment, by=show.approver, comment="Reviewed against the evidence supplied."
            )
    return made


# Scorecards and classification -------------------------------------------------------------------


def last_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    first_of_quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = first_of_quarter - DAY
    return dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end


def scorecards(show: Showcase) -> int:
    from garrison.suppliers.services import classification
    from garrison.suppliers.services import scorecards as services

    start, end = last_quarter(show.today)
    made = 0
    for number in range(8):
        supplier = show.take(SupplierStatus.QUALIFIED)
        poor = number == 0
        base = 45 if poor else show.rng.randint(65, 95)
        scores = {
            "delivery": base - 5 if poor else min(100, base + show.rng.randint(-8, 5)),
            "quality": base if poor else min(100, base + show.rng.randint(-5, 5)),
            "service": base + 10 if poor else min(100, base + show.rng.randint(-10, 5)),
            "security-incidents": 30 if poor else min(100, base + show.rng.randint(-5, 5)),
            "esg": 60 if poor else min(100, base + show.rng.randint(-5, 5)),
        }
        services.create_scorecard(
            supplier,
            by=show.officer,
            period_start=start,
            period_end=end,
            scores=scores,
            comment="Two late deliveries and one security incident caused by the supplier."
            if poor
            else "Quarterly review with the data-centre operations teams.",
        )
        made += 1
    # A suspension proposed by one officer, for the other to decide.
    classification.propose_status_change(
        show.take(SupplierStatus.QUALIFIED, category="facility-maintenance"),
        SupplierStatus.SUSPENDED,
        by=show.officer,
        reason="Maintenance staff worked on live switchgear without a permit in the Guangzhou data centre.",
        suspended_until=show.today + 60 * DAY,
    )
    return made


def rectification_plans(show: Showcase) -> int:
    """Plans through the service for three rectifying suppliers; the other substandard
    suppliers' older plans, with overdue actions, directly (see `direct_overdue_plans`)."""
    from garrison.suppliers.services import rectification

    made = 0
    for number in range(3):
        supplier = show.take(SupplierStatus.RECTIFYING)
        plan = rectification.create_plan(
            supplier,
            by=show.officer,
            title="Restore delivery performance and certification",
            description="Agreed with the supplier's management at the quarterly review.",
            due_on=show.today + (45 + 15 * number) * DAY,
            owner=show.officer,
            actions=(
                ("Submit a root-cause analysis of the late deliveries", show.today + (5 + number) * DAY),
                ("Book the ISO 9001 surveillance audit", show.today + (20 + number) * DAY),
                ("Show two months of on-time deliveries", show.today + (40 + number) * DAY),
            ),
        )
        if number == 0:
            first = plan.actions.order_by("due_on").first()
            if first is not None:
                rectification.complete_action(
                    first, by=show.officer, note="Root-cause analysis received and accepted."
                )
        made += 1
    return made + direct_overdue_plans(show)


# Screening ---------------------------------------------------------------------------------------


def screening(show: Showcase) -> int:
    """The blacklisted suppliers on the blacklist, then an imported watch list, whose import
    screens every supplier and finds the near twin of one of them."""
    from garrison.suppliers.services import screening as services
    from garrison.suppliers.services import watchlists

    for supplier in show.by_status.get(SupplierStatus.BLACKLISTED, []):
        reason = supplier.status_changes.order_by("-proposed_at").values_list("reason", flat=True).first()
        services.add_to_blacklist(supplier, by=show.officer, reason=reason or "Blacklisted")
    look_alike = _without_namesake(show)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "country", "reason", "reference"])
    for number, (name, country, reason) in enumerate(watch_list_rows(show.rng, look_alike), start=1):
        writer.writerow([name, country, reason, f"DL-{number:04d}"])
    watchlists.import_watch_list(
        out.getvalue(),
        by=show.officer,
        name=WATCH_LIST_NAME,
        source="debarred-suppliers.csv",
        description="Suppliers debarred by the industry association, imported from its CSV.",
    )
    return ScreeningMatch.objects.filter(status=MatchStatus.PENDING).count()


def _without_namesake(show: Showcase) -> Supplier:
    """A qualified supplier no other supplier shares its normalised name with (screening
    leaves the city out), so the watch list's twin of it is one candidate, not ten."""
    names = Counter(supplier.normalised_name for group in show.by_status.values() for supplier in group)
    for supplier in show.by_status.get(SupplierStatus.QUALIFIED, []):
        if (
            supplier.pk not in show.used
            and names[supplier.normalised_name] == 1
            and len(supplier.name_en) <= 40
        ):
            show.used.add(supplier.pk)
            return supplier
    return show.take(SupplierStatus.QUALIFIED)


LOOK_ALIKE_NOTE = "Debarred for collusive bidding"
WATCH_LIST_WORDS = (
    ("Northbridge", "Silverline", "Crescent", "Ironwood", "Bluestone", "Redfern", "Goldcrest", "Harbourview"),
    ("Global", "Pacific", "Eastern", "United", "Meridian"),
    ("Holdings", "Trading", "Ventures", "Industries", "Resources", "Capital", "Partners", "Enterprises"),
    ("Ltd.", "LLC", "Pte. Ltd.", "Limited", "Inc."),
)
WATCH_LIST_COUNTRIES = ("HK", "SG", "US", "GB", "MY", "AE", "VG", "KY")
WATCH_LIST_REASONS = ("Debarred for 3 years", "Fraudulent tender documents", "Bribery conviction")


def watch_list_rows(rng: random.Random, look_alike: Supplier) -> list[tuple[str, str, str]]:
    """About 200 (name, country, reason) rows of trading companies, and one near twin of
    `look_alike` (its English name with another legal form), which screening finds."""
    rows: dict[str, tuple[str, str, str]] = {}
    while len(rows) < WATCH_LIST_SIZE - 1:
        words = [rng.choice(choices) for choices in WATCH_LIST_WORDS]
        name = " ".join(words)
        rows.setdefault(
            " ".join(words[:3]), (name, rng.choice(WATCH_LIST_COUNTRIES), rng.choice(WATCH_LIST_REASONS))
        )
    twin = look_alike.name_en.replace("Co., Ltd.", "Company Limited").replace("Corporation Limited", "Corp.")
    return [*sorted(rows.values()), (twin, "CN", LOOK_ALIKE_NOTE)]


# Sourcing ---------------------------------------------------------------------------------------


def _event_unit(show: Showcase) -> OrgUnit:
    return OrgUnit.objects.filter(code="procurement").first() or show.officer.unit


def sourcing_events(show: Showcase) -> int:
    from garrison.suppliers.services import evaluation as evaluation_services
    from garrison.suppliers.services import orders
    from garrison.suppliers.services import sourcing as services

    by = show.officer
    unit = _event_unit(show)
    categories = {category.code: category for category in SupplierCategory.objects.all()}

    def event(title: str, category: str, value: int, days_open: int) -> Any:
        created = services.create_event(
            by=by,
            title=title,
            kind="tender" if value >= 1_000_000 else "rfq",
            description=f"{title}. Delivery to the Beijing and Shanghai data centres.",
            category=categories.get(category),
            unit=unit,
            estimated_value_cny=Decimal(value),
            bid_deadline=show.now + days_open * DAY,
        )
        for order, (name, weight) in enumerate(
            (("Price", 40), ("Technical fit", 35), ("Delivery", 15), ("ESG", 10))
        ):
            services.add_criterion(created, by=by, name=name, weight=weight, order=order)
        bidders = [show.take(SupplierStatus.QUALIFIED, category=category) for _ in range(3)]
        for supplier in bidders:
            services.invite_supplier(created, supplier, by=by)
        services.open_event(created, by=by)
        return created, bidders

    # Open for bids: invitations out, one bid in.
    open_event, bidders = event("Rack servers for the 2026 capacity expansion", "hardware", 4_800_000, 14)
    services.record_bid(open_event, bidders[0], by=by, price_cny=Decimal("4620000"), delivery_days=45)

    evaluated = []
    for title, category, value in (
        ("UPS battery replacement, Shanghai Waigaoqiao", "power-and-cooling", 900_000),
        ("Penetration testing of the customer portal", "security-services", 350_000),
    ):
        created, bidders = event(title, category, value, 7)
        bids = [
            services.record_bid(
                created,
                supplier,
                by=by,
                price_cny=Decimal(value) * Decimal(str(round(show.rng.uniform(0.85, 1.05), 2))),
                delivery_days=show.rng.randint(20, 60),
            )
            for supplier in bidders
        ]
        services.close_bidding(created, by=by, reason="All invited suppliers have bid.")
        for person in show.evaluators:
            evaluator = evaluation_services.add_evaluator(created, person, by=by)
            evaluation_services.sign_declaration(evaluator, by=person, has_conflict=False)
            evaluation_services.score_bids(
                created,
                by=person,
                entries=[
                    evaluation_services.ScoreEntry(
                        bid=bid, criterion=criterion, score=show.rng.randint(60, 95)
                    )
                    for bid in bids
                    for criterion in created.criteria.all()
                ],
            )
        evaluated.append((created, bids))
    # The second evaluated event goes on to its shortlist announcement.
    shortlisted, bids = evaluated[1]
    shortlisted.refresh_from_db()
    ranked = sorted(bids, key=lambda bid: bid.price_cny)
    services.announce_shortlist(shortlisted, by=by, bids=ranked[:2], publicity_days=5)

    for title, amount in (
        ("Annual maintenance of diesel generators", "268000"),
        ("Fibre patch cords and optics", "46500"),
        ("Cleaning and facility services, Q3", "132000"),
    ):
        orders.place_order(
            show.take(SupplierStatus.QUALIFIED), by=by, title=title, amount_cny=Decimal(amount), unit=unit
        )
    return 3


# Rows made directly ------------------------------------------------------------------------------


def direct_overdue_plans(show: Showcase) -> int:
    """Older plans of the other rectifying and unqualified suppliers, inserted as they stand
    today: started months ago, some actions done, some overdue. A service refuses due
    dates in the past, so these are the register's history rather than new work."""
    plans = []
    suppliers = [
        supplier
        for status in (SupplierStatus.RECTIFYING, SupplierStatus.UNQUALIFIED)
        for supplier in show.by_status.get(status, [])
        if supplier.pk not in show.used
    ]
    for supplier in suppliers:
        plans.append(
            RectificationPlan(
                supplier=supplier,
                title="Rectification agreed at the supplier review",
                description="Actions agreed with the supplier when it was downgraded.",
                due_on=show.today + show.rng.randint(-20, 60) * DAY,
                owner=show.officer,
                status=PlanStatus.OPEN,
                created_by=show.officer,
            )
        )
    created = RectificationPlan.objects.bulk_create(plans)
    actions = []
    for plan in created:
        for description, days, done in (
            ("Submit a corrective action report", -30, True),
            ("Replace the lapsed certificate", show.rng.randint(-15, 20), False),
            ("Pass a follow-up inspection", show.rng.randint(10, 50), False),
        ):
            actions.append(
                RectificationAction(
                    plan=plan,
                    description=description,
                    due_on=show.today + days * DAY,
                    status=ActionStatus.DONE if done else ActionStatus.OPEN,
                    done_at=show.now - 32 * DAY if done else None,
                    follow_up="Report received and accepted." if done else "",
                )
            )
    RectificationAction.objects.bulk_create(actions)
    return len(created)

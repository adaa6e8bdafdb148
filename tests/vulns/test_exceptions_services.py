"""Exceptions to the remediation of findings: asked for by whoever may change the finding,
approved or rejected by someone else with the authority to decide over its unit, withdrawn
by the requester, and expired by the daily job, which opens the finding again."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from garrison.assets.models import Asset
from garrison.core.models import AuditEvent, Notification, OrgUnit, Person
from garrison.core.models.audit import AuditAction
from garrison.core.scheduling import organisation_today
from garrison.vulns.models import (
    ExceptionKind,
    ExceptionStatus,
    Finding,
    FindingEvent,
    FindingEventKind,
    FindingException,
    FindingSighting,
    FindingStatus,
    Severity,
    Source,
)
from garrison.vulns.services.exceptions import (
    approve_exception,
    expire_exceptions,
    reject_exception,
    request_exception,
    withdraw_exception,
)
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

_fingerprints = itertools.count(1)
REQUESTER_REFUSAL = (
    "You asked for this exception; someone else with the authority to decide must approve or reject it."
)


def in_days(days: int) -> dt.date:
    return organisation_today() + dt.timedelta(days=days)


def make_finding(unit: OrgUnit, asset: Asset | None = None, **fields: Any) -> Finding:
    """A finding straight in the database, opened 40 days ago and due 10 days ago unless told."""
    opened = timezone.now() - dt.timedelta(days=40)
    fields.setdefault("title", "OpenSSL 1.0.2 end of life")
    fields.setdefault("severity", Severity.HIGH)
    fields.setdefault("due_on", in_days(-10))
    finding = Finding.objects.create(
        fingerprint=f"test-{next(_fingerprints):08d}",
        source=Source.NESSUS,
        unit=unit,
        asset=asset,
        first_seen_at=opened,
        opened_at=opened,
        **fields,
    )
    FindingSighting.objects.create(finding=finding, last_seen_at=opened)
    return finding


@pytest.fixture
def finding(organisation: Organisation, make_asset: Any) -> Finding:
    return make_finding(organisation.beijing, make_asset(name="web-01"))


@pytest.fixture
def requested(finding: Finding, security_officer: Person) -> FindingException:
    return request_exception(
        finding,
        by=security_officer,
        kind=ExceptionKind.RISK_ACCEPTANCE,
        justification="Vendor patch due next quarter; WAF rule in place",
        expires_on=in_days(90),
    )


def test_a_request_waits_for_a_decision_and_tells_the_people_who_may_decide(
    finding: Finding, security_officer: Person, ciso: Person, owner: Person, outsider: Person
) -> None:
    exception = request_exception(
        finding,
        by=security_officer,
        kind=ExceptionKind.RISK_ACCEPTANCE,
        justification="  Vendor patch due next quarter  ",
        expires_on=in_days(90),
    )

    assert (exception.status, exception.kind, exception.justification, exception.requested_by) == (
        ExceptionStatus.REQUESTED,
        ExceptionKind.RISK_ACCEPTANCE,
        "Vendor patch due next quarter",
        security_officer,
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    told = Notification.objects.filter(kind="vulns.exception-requested")
    # The Beijing administrator and the Group's Security Officer; not the requester, not Shanghai.
    assert sorted(told.values_list("recipient__username", flat=True)) == ["ciso", "owner"]
    assert set(told.values_list("link", flat=True)) == {f"/vulns/exceptions/{exception.pk}/"}


@pytest.mark.parametrize(
    ("kind", "justification", "expires_on", "field", "message"),
    [
        (ExceptionKind.RISK_ACCEPTANCE, " ", 30, "justification", "Say why this finding need not be fixed."),
        (
            ExceptionKind.RISK_ACCEPTANCE,
            "Patch next quarter",
            None,
            "expires_on",
            "A risk acceptance needs an expiry date after today and at most a year ahead",
        ),
        (
            ExceptionKind.RISK_ACCEPTANCE,
            "Patch next quarter",
            0,
            "expires_on",
            "A risk acceptance needs an expiry date after today and at most a year ahead",
        ),
        (
            ExceptionKind.RISK_ACCEPTANCE,
            "Patch next quarter",
            366,
            "expires_on",
            "A risk acceptance needs an expiry date after today and at most a year ahead",
        ),
        (
            ExceptionKind.FALSE_POSITIVE,
            "Banner only",
            30,
            "expires_on",
            "A false positive does not expire: leave the expiry date empty.",
        ),
        ("waiver", "Banner only", None, "kind", "Choose a risk acceptance or a false positive."),
    ],
)
def test_a_request_is_refused_with_the_reason_and_nothing_is_written(
    finding: Finding,
    security_officer: Person,
    kind: str,
    justification: str,
    expires_on: int | None,
    field: str,
    message: str,
) -> None:
    with pytest.raises(ValidationError) as refused:
        request_exception(
            finding,
            by=security_officer,
            kind=kind,
            justification=justification,
            expires_on=None if expires_on is None else in_days(expires_on),
        )

    assert list(refused.value.message_dict) == [field]
    assert refused.value.message_dict[field][0].startswith(message)
    assert FindingException.objects.count() == 0
    assert Notification.objects.filter(kind__startswith="vulns.").count() == 0


def test_the_expiry_error_names_the_latest_date_allowed(finding: Finding, security_officer: Person) -> None:
    with pytest.raises(ValidationError) as refused:
        request_exception(
            finding,
            by=security_officer,
            kind=ExceptionKind.RISK_ACCEPTANCE,
            justification="Patch next quarter",
            expires_on=in_days(400),
        )

    assert refused.value.message_dict["expires_on"] == [
        "A risk acceptance needs an expiry date after today and at most a year ahead "
        f"({in_days(365).isoformat()} at the latest)."
    ]


def test_a_risk_may_be_accepted_for_exactly_a_year(finding: Finding, security_officer: Person) -> None:
    exception = request_exception(
        finding,
        by=security_officer,
        kind=ExceptionKind.RISK_ACCEPTANCE,
        justification="Patch next year",
        expires_on=in_days(365),
    )

    assert exception.expires_on == in_days(365)


def test_only_one_request_per_finding_waits_at_a_time(
    finding: Finding, requested: FindingException, owner: Person
) -> None:
    with pytest.raises(ValidationError) as refused:
        request_exception(finding, by=owner, kind=ExceptionKind.FALSE_POSITIVE, justification="Banner only")

    assert refused.value.messages == ["This finding already has an exception request waiting for a decision."]
    assert FindingException.objects.count() == 1


def test_a_fixed_finding_needs_no_exception(organisation: Organisation, security_officer: Person) -> None:
    fixed = make_finding(organisation.beijing, status=FindingStatus.FIXED)

    with pytest.raises(ValidationError) as refused:
        request_exception(fixed, by=security_officer, kind=ExceptionKind.FALSE_POSITIVE, justification="Gone")

    assert refused.value.messages == ["This finding is Fixed: it needs no exception."]


def test_people_who_may_not_change_the_finding_cannot_ask(
    finding: Finding, colleague: Person, outsider: Person
) -> None:
    for person in (colleague, outsider):
        with pytest.raises(Http404):
            request_exception(
                finding, by=person, kind=ExceptionKind.FALSE_POSITIVE, justification="Banner only"
            )

    assert FindingException.objects.count() == 0


def test_approval_by_someone_else_accepts_the_risk_and_tells_the_requester(
    requested: FindingException, finding: Finding, ciso: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        approved = approve_exception(requested, by=ciso, comment="Until the upgrade window")

    assert (approved.status, approved.decided_by, approved.decision_comment) == (
        ExceptionStatus.APPROVED,
        ciso,
        "Until the upgrade window",
    )
    finding.refresh_from_db()
    assert (finding.status, finding.due_on) == (FindingStatus.RISK_ACCEPTED, in_days(-10))
    event = FindingEvent.objects.get(finding=finding)
    assert (event.kind, event.status, event.actor, event.note) == (
        FindingEventKind.STATUS,
        FindingStatus.RISK_ACCEPTED,
        "Ciso",
        f"Risk accepted until {in_days(90).isoformat()}",
    )
    told = Notification.objects.get(kind="vulns.exception-decided")
    assert (told.recipient.username, told.title) == ("secofficer", f"Exception approved: {finding}")


def test_a_false_positive_once_approved_closes_the_finding(
    finding: Finding, owner: Person, ciso: Person
) -> None:
    exception = request_exception(
        finding, by=owner, kind=ExceptionKind.FALSE_POSITIVE, justification="Only the banner matches"
    )

    approve_exception(exception, by=ciso)

    finding.refresh_from_db()
    assert finding.status == FindingStatus.FALSE_POSITIVE
    assert exception.expires_on is None


def test_the_requester_cannot_approve_their_own_request_and_the_refusal_is_kept(
    requested: FindingException, finding: Finding, security_officer: Person
) -> None:
    with pytest.raises(ValidationError) as refused:
        approve_exception(requested, by=security_officer)

    assert refused.value.messages == [REQUESTER_REFUSAL]
    requested.refresh_from_db()
    finding.refresh_from_db()
    assert (requested.status, requested.decided_by, finding.status) == (
        ExceptionStatus.REQUESTED,
        None,
        FindingStatus.OPEN,
    )
    refusal = AuditEvent.objects.get(action=AuditAction.REFUSED)
    assert (refusal.object_id, refusal.actor, refusal.reason) == (
        str(requested.pk),
        security_officer,
        REQUESTER_REFUSAL,
    )


def test_people_out_of_reach_cannot_decide(
    requested: FindingException, colleague: Person, outsider: Person
) -> None:
    for person in (colleague, outsider):
        for decide in (approve_exception, reject_exception, withdraw_exception):
            with pytest.raises(Http404):
                decide(requested, by=person, comment="No")

    requested.refresh_from_db()
    assert requested.status == ExceptionStatus.REQUESTED


def test_someone_who_sees_the_finding_without_the_authority_cannot_approve(
    requested: FindingException, organisation: Organisation, make_person: Any, auditor: Person
) -> None:
    with pytest.raises(ValidationError) as refused:
        approve_exception(requested, by=auditor)

    assert refused.value.messages == [
        "You do not have the authority to decide exceptions for findings of this unit."
    ]


def test_a_rejection_needs_a_comment_and_leaves_the_finding_open(
    requested: FindingException, finding: Finding, ciso: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        reject_exception(requested, by=ciso, comment=" ")
    assert refused.value.message_dict == {
        "comment": ["Say why the request is rejected; the requester is told."]
    }

    with django_capture_on_commit_callbacks(execute=True):
        rejected = reject_exception(requested, by=ciso, comment="Patch it this month")

    assert (rejected.status, rejected.decision_comment) == (ExceptionStatus.REJECTED, "Patch it this month")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert FindingEvent.objects.filter(finding=finding).count() == 0
    told = Notification.objects.get(kind="vulns.exception-decided")
    assert (told.recipient.username, told.title, told.body) == (
        "secofficer",
        f"Exception rejected: {finding}",
        "Patch it this month",
    )


def test_only_the_requester_withdraws(
    requested: FindingException, finding: Finding, ciso: Person, security_officer: Person
) -> None:
    with pytest.raises(ValidationError) as refused:
        withdraw_exception(requested, by=ciso)
    assert refused.value.messages == ["Only the person who asked may withdraw this request."]

    withdrawn = withdraw_exception(requested, by=security_officer, comment="Patched after all")

    assert withdrawn.status == ExceptionStatus.WITHDRAWN
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    # A new request may follow once nothing waits.
    again = request_exception(
        finding, by=security_officer, kind=ExceptionKind.FALSE_POSITIVE, justification="Banner only"
    )
    assert again.status == ExceptionStatus.REQUESTED


def test_a_decided_request_cannot_be_decided_again(
    requested: FindingException, ciso: Person, owner: Person
) -> None:
    approve_exception(requested, by=ciso)

    with pytest.raises(ValidationError) as refused:
        reject_exception(requested, by=owner, comment="Too late")

    assert refused.value.message_dict == {
        "status": ["“Reject” is not possible while the state is Approved; allowed: Expire."]
    }


def test_an_expired_acceptance_opens_the_finding_again_overdue_at_once(
    requested: FindingException, finding: Finding, ciso: Person, owner: Person
) -> None:
    approve_exception(requested, by=ciso)
    FindingException.objects.filter(pk=requested.pk).update(expires_on=in_days(-1))
    Finding.objects.filter(pk=finding.pk).update(overdue_notified_on=in_days(-10))

    assert expire_exceptions(organisation_today()) == 1

    requested.refresh_from_db()
    finding.refresh_from_db()
    assert requested.status == ExceptionStatus.EXPIRED
    assert (finding.status, finding.due_on, finding.overdue_notified_on) == (
        FindingStatus.OPEN,
        in_days(-10),
        None,
    )
    event = FindingEvent.objects.get(finding=finding, status=FindingStatus.OPEN)
    assert (event.status, event.actor, event.note) == (
        FindingStatus.OPEN,
        "",
        f"Risk acceptance expired on {in_days(-1).isoformat()}",
    )
    told = Notification.objects.filter(kind="vulns.exception-expired")
    # The requester and the asset's owner.
    assert sorted(told.values_list("recipient__username", flat=True)) == ["owner", "secofficer"]
    assert expire_exceptions(organisation_today()) == 0
    assert Notification.objects.filter(kind="vulns.exception-expired").count() == 2


def test_an_acceptance_ending_today_still_holds(
    requested: FindingException, finding: Finding, ciso: Person
) -> None:
    approve_exception(requested, by=ciso)
    FindingException.objects.filter(pk=requested.pk).update(expires_on=organisation_today())

    assert expire_exceptions(organisation_today()) == 0

    finding.refresh_from_db()
    assert finding.status == FindingStatus.RISK_ACCEPTED

"""Suppressions as data: made with a reason, an owner and an expiry at most a year ahead,
scoped to a site (and below), an asset or an account, matched without a query, revoked
with a reason, counted, and every write in the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from garrison.assets.models import Asset
from garrison.core.audit import history_of
from garrison.core.models import Notification, Person
from garrison.core.models.audit import AuditAction
from garrison.core.scheduling import organisation_today
from garrison.logaudit.models import DetectionRule, Suppression, SuppressionKind
from garrison.logaudit.services.suppressions import (
    active_suppressions,
    count_suppressed,
    create_suppression,
    matching_suppression,
    revoke_suppression,
    state_of,
)
from garrison.logaudit.tasks_suppressions import remind_expiring_suppressions
from tests.conftest import Organisation

pytestmark = pytest.mark.django_db

SITE, ASSET, ACCOUNT = SuppressionKind.SITE, SuppressionKind.ASSET, SuppressionKind.ACCOUNT


def make_rule(title: str = "Sudo to root") -> DetectionRule:
    return DetectionRule.objects.create(
        rule_id=f"rule-{title.lower().replace(' ', '-')}", title=title, text="x"
    )


def in_days(days: int) -> dt.date:
    return organisation_today() + dt.timedelta(days=days)


def suppress(by: Any, **fields: Any) -> Suppression:
    fields.setdefault("reason", "Nightly backup job")
    fields.setdefault("expires_on", in_days(30))
    return create_suppression(by=by, **fields)


def test_it_makes_a_numbered_audited_suppression_owned_by_its_maker(
    organisation: Organisation, security_officer: Person
) -> None:
    rule = make_rule()

    made = suppress(security_officer, kind=SITE, unit=organisation.beijing, rule=rule)

    assert made.reference == f"SUP{made.pk:06d}"
    assert (made.owner, made.created_by, made.unit, made.rule) == (
        security_officer,
        security_officer,
        organisation.beijing,
        rule,
    )
    event = history_of(made).get()
    assert (event.action, event.reason, event.changes["kind"]) == (
        AuditAction.CREATE,
        "Nightly backup job",
        [None, "site"],
    )


def test_an_asset_suppression_belongs_to_the_assets_unit(
    organisation: Organisation, security_officer: Person, make_asset: Any
) -> None:
    server = make_asset(unit=organisation.beijing_ops)

    made = suppress(security_officer, kind=ASSET, asset=server)

    assert (made.unit, made.asset, made.account) == (organisation.beijing_ops, server, "")


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"kind": SITE, "reason": "  "},
            {
                "unit": ["Choose the site (organisational unit) the suppression applies to."],
                "reason": ["Say why these matches are expected."],
            },
        ),
        ({"kind": ASSET}, {"asset": ["Choose the asset the suppression applies to."]}),
        (
            {"kind": ACCOUNT, "unit": "beijing"},
            {"account": ["Name the account (the user name the logs show)."]},
        ),
        (
            {"kind": SITE, "unit": "beijing", "account": "root"},
            {"account": ["A site suppression applies to every account: leave the account empty."]},
        ),
        ({"kind": "everything", "unit": "beijing"}, {"kind": ["Choose a site, an asset or an account."]}),
        (
            {"kind": SITE, "unit": "beijing", "expires_on": None},
            {"expires_on": ["Give the date the suppression expires."]},
        ),
    ],
)
def test_it_refuses_fields_that_do_not_fit_the_kind(
    organisation: Organisation, security_officer: Person, fields: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    if fields.get("unit") == "beijing":
        fields["unit"] = organisation.beijing

    with pytest.raises(ValidationError) as refused:
        suppress(security_officer, **fields)

    assert refused.value.message_dict == errors
    assert not Suppression.objects.exists()


def test_the_expiry_is_today_at_the_earliest_and_a_year_ahead_at_the_latest(
    organisation: Organisation, security_officer: Person
) -> None:
    with pytest.raises(ValidationError) as past:
        suppress(security_officer, kind=SITE, unit=organisation.beijing, expires_on=in_days(-1))
    with pytest.raises(ValidationError) as too_far:
        suppress(security_officer, kind=SITE, unit=organisation.beijing, expires_on=in_days(366))

    assert past.value.message_dict == {
        "expires_on": ["The expiry date has passed: choose today or a later date."]
    }
    assert too_far.value.message_dict == {
        "expires_on": [
            "A suppression lasts at most 365 days, so that it is looked at again: "
            f"choose {in_days(365).isoformat()} at the latest."
        ]
    }
    assert suppress(security_officer, kind=SITE, unit=organisation.beijing, expires_on=in_days(365)).pk
    assert suppress(security_officer, kind=SITE, unit=organisation.beijing, expires_on=in_days(0)).pk


def test_a_unit_out_of_reach_reads_as_missing(
    organisation: Organisation, security_officer: Person, outsider: Person, colleague: Person, auditor: Person
) -> None:
    for person in (outsider, colleague, auditor):
        with pytest.raises(ValidationError) as refused:
            suppress(person, kind=SITE, unit=organisation.beijing)
        assert refused.value.message_dict == {"unit": ["Unit not found."]}
    with pytest.raises(ValidationError) as above:
        suppress(security_officer, kind=SITE, unit=organisation.root)
    assert above.value.message_dict == {"unit": ["Unit not found."]}
    assert not Suppression.objects.exists()


def test_an_owner_who_left_is_refused(
    organisation: Organisation, security_officer: Person, make_person: Any
) -> None:
    gone = make_person("gone", organisation.beijing, employment_status="left")

    with pytest.raises(ValidationError) as refused:
        suppress(security_officer, kind=SITE, unit=organisation.beijing, owner=gone)

    assert refused.value.message_dict == {"owner": ["The owner has left: choose someone who is still here."]}


def test_active_suppressions_reach_down_the_tree_and_not_across(
    organisation: Organisation, ciso: Person, make_asset: Any
) -> None:
    server = make_asset(unit=organisation.beijing_ops)
    other = make_asset(unit=organisation.beijing_ops)
    on_root = suppress(ciso, kind=SITE, unit=organisation.root)
    on_site = suppress(ciso, kind=SITE, unit=organisation.beijing)
    on_asset = suppress(ciso, kind=ASSET, asset=server)
    account_here = suppress(ciso, kind=ACCOUNT, unit=organisation.beijing, account="backup")
    account_on_asset = suppress(ciso, kind=ACCOUNT, asset=server, account="dba")
    suppress(ciso, kind=SITE, unit=organisation.shanghai)
    suppress(ciso, kind=ASSET, asset=other)
    suppress(ciso, kind=ACCOUNT, asset=other, account="dba")

    found = active_suppressions(Asset.objects.get(pk=server.pk), on=organisation_today())

    assert {item.pk for item in found} == {
        on_root.pk,
        on_site.pk,
        on_asset.pk,
        account_here.pk,
        account_on_asset.pk,
    }


def test_expired_and_revoked_suppressions_no_longer_apply(
    organisation: Organisation, security_officer: Person, make_asset: Any
) -> None:
    server = make_asset()
    lasting = suppress(security_officer, kind=ASSET, asset=server, expires_on=in_days(3))
    revoked = suppress(security_officer, kind=SITE, unit=organisation.beijing)
    revoke_suppression(revoked, by=security_officer, reason="Backups moved")
    today = organisation_today()

    assert [item.pk for item in active_suppressions(server, on=today)] == [lasting.pk]
    assert [item.pk for item in active_suppressions(server, on=today - dt.timedelta(days=1))] == [
        lasting.pk,
        revoked.pk,
    ]
    assert active_suppressions(server, on=in_days(4)) == []
    assert (state_of(lasting), state_of(revoked), state_of(lasting, in_days(4))) == (
        "active",
        "revoked",
        "expired",
    )


def test_matching_prefers_the_most_specific_and_needs_no_query(
    organisation: Organisation, security_officer: Person, make_asset: Any, django_assert_num_queries: Any
) -> None:
    sudo, dump = make_rule("Sudo to root"), make_rule("Database dump")
    server = make_asset()
    every_rule_on_site = suppress(security_officer, kind=SITE, unit=organisation.beijing)
    dump_on_asset = suppress(security_officer, kind=ASSET, asset=server, rule=dump)
    sudo_for_backup = suppress(
        security_officer, kind=ACCOUNT, unit=organisation.beijing, account="backup", rule=sudo
    )
    found = active_suppressions(server, on=organisation_today())

    with django_assert_num_queries(0):
        assert matching_suppression(found, rule=sudo, account="backup") == sudo_for_backup
        assert matching_suppression(found, rule=sudo, account="Backup") == every_rule_on_site
        assert matching_suppression(found, rule=dump, account="backup") == dump_on_asset
        assert matching_suppression(found, rule=sudo, account="") == every_rule_on_site


def test_an_account_or_rule_suppression_leaves_other_matches_alone(
    organisation: Organisation, security_officer: Person, make_asset: Any
) -> None:
    sudo, dump = make_rule("Sudo to root"), make_rule("Database dump")
    server = make_asset()
    suppress(security_officer, kind=ACCOUNT, asset=server, account="backup")
    suppress(security_officer, kind=ASSET, asset=server, rule=dump)
    found = active_suppressions(server, on=organisation_today())

    assert matching_suppression(found, rule=sudo, account="alice") is None
    assert matching_suppression([], rule=sudo, account="backup") is None


def test_revoking_needs_a_reason_and_the_right_to_change_it(
    organisation: Organisation, security_officer: Person, outsider: Person, auditor: Person
) -> None:
    made = suppress(security_officer, kind=SITE, unit=organisation.beijing)

    with pytest.raises(ValidationError) as no_reason:
        revoke_suppression(made, by=security_officer, reason=" ")
    for person in (outsider, auditor):
        with pytest.raises(Http404):
            revoke_suppression(made, by=person, reason="Not needed")
    assert no_reason.value.message_dict == {"reason": ["Say why the suppression is revoked."]}
    made.refresh_from_db()
    assert made.revoked_at is None

    revoke_suppression(made, by=security_officer, reason="Backups moved to Shanghai")

    made.refresh_from_db()
    assert (made.revoked_by, made.revoked_at is not None) == (security_officer, True)
    event = history_of(made).first()
    assert event is not None
    assert (event.action, event.reason, event.changes["revoked_by"]) == (
        AuditAction.UPDATE,
        "Backups moved to Shanghai",
        [None, security_officer.pk],
    )
    with pytest.raises(ValidationError) as again:
        revoke_suppression(made, by=security_officer, reason="Twice")
    assert again.value.messages == ["This suppression is already revoked."]


def test_count_suppressed_adds_the_matches_kept_out(
    organisation: Organisation, security_officer: Person
) -> None:
    first = suppress(security_officer, kind=SITE, unit=organisation.beijing)
    second = suppress(security_officer, kind=SITE, unit=organisation.beijing_ops)

    count_suppressed({first.pk: 3, second.pk: 0})
    count_suppressed({first.pk: 2})

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.match_count, second.match_count) == (5, 0)


def test_owners_are_reminded_once_a_week_before_expiry(
    organisation: Organisation, security_officer: Person, ciso: Person
) -> None:
    soon = suppress(security_officer, kind=SITE, unit=organisation.beijing, expires_on=in_days(7), owner=ciso)
    suppress(security_officer, kind=SITE, unit=organisation.beijing, expires_on=in_days(8))
    revoked = suppress(security_officer, kind=SITE, unit=organisation.beijing, expires_on=in_days(2))
    revoke_suppression(revoked, by=security_officer, reason="Done")

    assert remind_expiring_suppressions(organisation_today()) == (1, 1)
    assert remind_expiring_suppressions(organisation_today()) == (1, 0)

    notification = Notification.objects.get(kind="logaudit.suppression-expiring")
    assert notification.recipient == ciso
    assert notification.title.startswith(f"Suppression {soon.reference} expires on ")
    assert notification.link == f"/logaudit/suppressions/{soon.pk}/"

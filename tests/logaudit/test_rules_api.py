"""API of the detection-rule library: reading, adding from YAML and switching rules, each
for who may and who may not."""

from __future__ import annotations

from typing import Any

import pytest

from garrison.core.models import AuditEvent
from garrison.logaudit.models import DetectionRule, RuleOrigin
from garrison.logaudit.services import rules as services

pytestmark = pytest.mark.django_db

URL = "/api/logaudit/rules/"

RULE = """
title: Payment key exported
id: 4c2e9f10-7a3b-4d5e-8f61-0b9a8c7d6e52
author: Security Office
references:
    - https://intranet.example/runbooks/payment-keys
logsource:
    category: process_creation
    product: linux
detection:
    selection:
        CommandLine|contains: 'export-key --all'
    condition: selection
level: critical
"""


@pytest.fixture
def pack() -> DetectionRule:
    services.sync_rule_pack()
    return DetectionRule.objects.get(rule_id="1e649501-9d68-44b1-8822-de2c983fd514")


def test_readers_list_and_read_rules(
    api: Any, pack: DetectionRule, auditor: Any, security_officer: Any
) -> None:
    for person in (auditor, security_officer):
        listing = api.as_(person).get(URL, {"origin": "garrison", "level": "high", "page_size": 100})
        assert listing.status_code == 200
        titles = {row["title"] for row in listing.json()["results"]}
        assert pack.title in titles
        assert titles == set(
            DetectionRule.objects.filter(origin=RuleOrigin.GARRISON, level="high").values_list(
                "title", flat=True
            )
        )
    detail = api.as_(auditor).get(f"{URL}{pack.pk}/").json()
    assert detail["author"] == "Garrison"
    assert detail["licence"] == services.GARRISON_LICENCE
    assert detail["logsource"] == {"product": "linux", "category": "process_creation"}
    assert detail["runnable"] is True
    assert "detection:" in detail["text"]


def test_the_library_is_missing_for_people_without_the_domain(
    api: Any, pack: DetectionRule, colleague: Any
) -> None:
    assert api.as_(colleague).get(URL).status_code == 404
    assert api.as_(colleague).get(f"{URL}{pack.pk}/").status_code == 404
    assert api.as_(None).get(URL).status_code in (401, 403)


def test_a_rule_is_added_from_yaml(api: Any, pack: DetectionRule, ciso: Any) -> None:
    response = api.as_(ciso).post(URL, {"text": RULE}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["rule_id"] == "4c2e9f10-7a3b-4d5e-8f61-0b9a8c7d6e52"
    assert body["origin"] == "custom"
    assert body["references"] == ["https://intranet.example/runbooks/payment-keys"]
    assert body["level"] == "critical"
    assert body["runnable"] is True


def test_bad_yaml_is_a_400_naming_the_reason(api: Any, pack: DetectionRule, ciso: Any) -> None:
    count = DetectionRule.objects.count()
    response = api.as_(ciso).post(URL, {"text": "title: [unclosed"}, format="json")
    assert response.status_code == 400
    assert "invalid YAML" in " ".join(response.json()["text"])
    missing = api.as_(ciso).post(URL, {}, format="json")
    assert missing.status_code == 400
    assert "text" in missing.json()
    assert DetectionRule.objects.count() == count


def test_a_rule_the_engine_cannot_run_is_stored_with_the_problem(
    api: Any, pack: DetectionRule, ciso: Any
) -> None:
    text = RULE.replace("product: linux", "product: macos")
    body = api.as_(ciso).post(URL, {"text": text, "origin": "sigmahq"}, format="json").json()
    assert body["runnable"] is False
    assert "log source" in body["problem"]
    assert body["licence"] == services.SIGMAHQ_LICENCE


def test_adding_is_refused_to_people_not_over_the_whole_organisation(
    api: Any, pack: DetectionRule, auditor: Any, security_officer: Any, owner: Any, colleague: Any
) -> None:
    count = DetectionRule.objects.count()
    for person in (auditor, security_officer, owner):
        assert api.as_(person).post(URL, {"text": RULE}, format="json").status_code == 403
    assert api.as_(colleague).post(URL, {"text": RULE}, format="json").status_code in (403, 404)
    assert DetectionRule.objects.count() == count


def test_a_rule_is_switched_with_patch_and_the_reason_is_kept(
    api: Any, pack: DetectionRule, ciso: Any
) -> None:
    response = api.as_(ciso).patch(
        f"{URL}{pack.pk}/", {"enabled": False, "reason": "Key rotation week"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["enabled"] is False
    pack.refresh_from_db()
    assert not pack.enabled
    event = AuditEvent.objects.filter(object_type="logaudit.detectionrule", object_id=str(pack.pk)).latest(
        "sequence"
    )
    assert event.reason == "Key rotation week"
    assert event.changes == {"enabled": [True, False]}


def test_patch_changes_nothing_but_enabled(api: Any, pack: DetectionRule, ciso: Any) -> None:
    response = api.as_(ciso).patch(f"{URL}{pack.pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 400
    pack.refresh_from_db()
    assert pack.title != "Renamed"


def test_switching_is_refused_to_others(
    api: Any, pack: DetectionRule, auditor: Any, security_officer: Any, colleague: Any
) -> None:
    for person in (auditor, security_officer, colleague):
        response = api.as_(person).patch(f"{URL}{pack.pk}/", {"enabled": False}, format="json")
        # The rules they read are out of their reach for a change, exactly like missing ones.
        assert response.status_code == 404
    assert api.as_(auditor).delete(f"{URL}{pack.pk}/").status_code == 405
    pack.refresh_from_db()
    assert pack.enabled

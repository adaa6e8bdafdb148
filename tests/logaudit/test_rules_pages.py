"""Pages of the detection-rule library: the list with its filters, a rule's page, adding a
rule (pasted or uploaded), switching it; each for who may and who may not."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from garrison.logaudit.models import DetectionRule, RuleOrigin
from garrison.logaudit.services import rules as services
from tests.logaudit.conftest import SIGMA_SAMPLES

pytestmark = pytest.mark.django_db

LIST = reverse("logaudit:rule-list")
CREATE = reverse("logaudit:rule-create")

RULE = """
title: Backup key read by hand
id: 9d7f3c21-5b64-4d8e-a0f1-3e2b6c8d9a10
author: Operations
logsource:
    category: process_creation
    product: linux
detection:
    selection:
        CommandLine|contains: '/etc/backup/key'
    condition: selection
level: high
"""


def browser(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def library() -> dict[str, DetectionRule]:
    """The pack, two SigmaHQ rules (one sshd, one auditd) and a rule the engine cannot run."""
    services.sync_rule_pack()
    services.import_rule_files(
        [
            SIGMA_SAMPLES / "builtin" / "sshd" / "lnx_sshd_susp_ssh.yml",
            SIGMA_SAMPLES / "auditd" / "service_stop",
        ],
        by=None,
    )
    broken = services.add_rule(
        RULE.replace("linux", "windows").replace("9d7f3c21", "1d7f3c21").replace("Backup key", "Windows key"),
        by=None,
    )
    return {
        "pack": DetectionRule.objects.get(rule_id="a6c2b2e4-fb0f-489e-824b-3503955016f1"),
        "sigmahq": DetectionRule.objects.get(source_path__endswith="lnx_sshd_susp_ssh.yml"),
        "broken": broken,
    }


def listed(client: Client, query: str = "") -> list[str]:
    response = client.get(LIST + query)
    assert response.status_code == 200
    return [row.object.title for row in response.context["rows"]]


def test_the_list_is_for_everyone_with_the_domain(
    library: dict, auditor: Any, security_officer: Any, colleague: Any
) -> None:
    assert library["pack"].title in listed(browser(auditor), "?page_size=100")
    assert library["sigmahq"].title in listed(browser(security_officer), "?page_size=100")
    assert browser(colleague).get(LIST).status_code == 404


def test_the_list_filters_by_origin_level_state_and_log_source(library: dict, auditor: Any) -> None:
    client = browser(auditor)
    assert listed(client, "?origin=sigmahq&page_size=100") == sorted(
        DetectionRule.objects.filter(origin=RuleOrigin.SIGMAHQ).values_list("title", flat=True)
    )
    assert listed(client, "?runnable=false") == [library["broken"].title]
    high = listed(client, "?level=high&origin=garrison&page_size=100")
    assert high
    assert set(high) == set(
        DetectionRule.objects.filter(level="high", origin=RuleOrigin.GARRISON).values_list("title", flat=True)
    )
    assert listed(client, "?logsource=service:sshd&origin=sigmahq") == [library["sigmahq"].title]
    assert listed(client, "?q=Firewall+rules+flushed") == [library["pack"].title]
    services.set_enabled(library["pack"], False, by=None)
    assert listed(client, "?enabled=false") == [library["pack"].title]


def test_the_list_offers_adding_only_to_those_who_may(
    library: dict, ciso: Any, security_officer: Any
) -> None:
    assert browser(ciso).get(LIST).context["create_url"] == CREATE
    assert browser(security_officer).get(LIST).context["create_url"] is None


def test_a_sigmahq_rule_shows_its_author_link_and_licence_notice(library: dict, auditor: Any) -> None:
    rule = library["sigmahq"]
    page = browser(auditor).get(reverse("logaudit:rule-detail", args=[rule.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert rule.author
    assert rule.author in text
    assert "Detection Rule License (DRL) 1.1" in text
    assert rule.references
    assert f'href="{rule.references[0]}"' in text
    assert "keywords:" in text  # the YAML
    assert 'id="rule-toggle"' not in text


def test_a_rule_the_engine_cannot_run_says_why(library: dict, auditor: Any) -> None:
    rule = library["broken"]
    text = browser(auditor).get(reverse("logaudit:rule-detail", args=[rule.pk])).content.decode()
    assert "The engine cannot run this rule." in text
    assert "log source" in text


def test_a_rule_page_is_missing_for_people_without_the_domain(library: dict, colleague: Any) -> None:
    assert (
        browser(colleague).get(reverse("logaudit:rule-detail", args=[library["pack"].pk])).status_code == 404
    )


def test_a_rule_is_added_from_pasted_yaml(library: dict, ciso: Any) -> None:
    response = browser(ciso).post(CREATE, {"text": RULE, "origin": "custom"})
    rule = DetectionRule.objects.get(rule_id="9d7f3c21-5b64-4d8e-a0f1-3e2b6c8d9a10")
    assert response.status_code == 302
    assert response["Location"] == reverse("logaudit:rule-detail", args=[rule.pk])
    assert rule.origin == RuleOrigin.CUSTOM
    assert rule.runnable


def test_a_rule_is_added_from_an_uploaded_file(library: dict, ciso: Any) -> None:
    upload = SimpleUploadedFile("backup_key.yml", RULE.encode(), content_type="application/x-yaml")
    response = browser(ciso).post(CREATE, {"text": "", "file": upload, "origin": "sigmahq"})
    rule = DetectionRule.objects.get(rule_id="9d7f3c21-5b64-4d8e-a0f1-3e2b6c8d9a10")
    assert response.status_code == 302
    assert rule.source_path == "backup_key.yml"
    assert rule.licence == services.SIGMAHQ_LICENCE


@pytest.mark.parametrize(
    ("text", "message"),
    [("title: [unclosed", "invalid YAML"), ("", "Paste the rule")],
)
def test_bad_yaml_is_refused_with_the_reason(library: dict, ciso: Any, text: str, message: str) -> None:
    count = DetectionRule.objects.count()
    response = browser(ciso).post(CREATE, {"text": text, "origin": "custom"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert DetectionRule.objects.count() == count


def test_adding_is_refused_to_readers_and_missing_for_others(
    library: dict, auditor: Any, security_officer: Any, colleague: Any
) -> None:
    count = DetectionRule.objects.count()
    for person in (auditor, security_officer):
        assert browser(person).get(CREATE).status_code == 403
        assert browser(person).post(CREATE, {"text": RULE, "origin": "custom"}).status_code == 403
    assert browser(colleague).post(CREATE, {"text": RULE, "origin": "custom"}).status_code == 404
    assert DetectionRule.objects.count() == count


def test_a_rule_is_switched_off_and_on_with_a_reason(library: dict, ciso: Any) -> None:
    rule = library["pack"]
    client = browser(ciso)
    page = client.get(reverse("logaudit:rule-detail", args=[rule.pk])).content.decode()
    assert 'id="rule-toggle"' in page
    url = reverse("logaudit:rule-toggle", args=[rule.pk])
    response = client.post(url, {"enabled": "false", "reason": "Firewall migration week"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert not rule.enabled
    client.post(url, {"enabled": "true"})
    rule.refresh_from_db()
    assert rule.enabled


def test_switching_is_refused_to_readers_and_missing_for_others(
    library: dict, auditor: Any, security_officer: Any, colleague: Any
) -> None:
    rule = library["pack"]
    url = reverse("logaudit:rule-toggle", args=[rule.pk])
    assert browser(auditor).post(url, {"enabled": "false"}).status_code == 403
    assert browser(security_officer).post(url, {"enabled": "false"}).status_code == 403
    assert browser(colleague).post(url, {"enabled": "false"}).status_code == 404
    assert browser(auditor).get(url).status_code == 405
    rule.refresh_from_db()
    assert rule.enabled

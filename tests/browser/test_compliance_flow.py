"""The compliance path in a real browser: a compliance manager loads a framework library,
starts an assessment of it, files a piece of evidence and marks a requirement compliant
with that evidence; the assessment's progress and score change, and the SHA-256 of the
evidence is the one of the uploaded file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from playwright.sync_api import expect

from garrison.compliance.models import Assessment, Evidence, RequirementResult, Result
from garrison.core.roles import Role
from tests.browser.conftest import BrowserPage
from tests.compliance.conftest import FRAMEWORK_URN, library
from tests.conftest import Organisation

EVIDENCE_FILE = Path("/work/shared/samples/vulns/nmap").glob("*.xml")


def field(page: Any, name: str) -> Any:
    return page.locator(f'form [name="{name}"]')


def test_a_manager_loads_a_library_assesses_a_requirement_with_evidence_and_the_score_changes(
    browser_page: BrowserPage, log_in: Any, organisation: Organisation, make_person: Any, tmp_path: Path
) -> None:
    manager = make_person("manager", organisation.root, Role.COMPLIANCE_MANAGER)
    page = browser_page.page
    log_in(manager)

    # 1. The library, uploaded as YAML: framework "Alpha" with three assessable requirements.
    library_file = tmp_path / "compliance-basics.yaml"
    library_file.write_text(yaml.safe_dump(library(), allow_unicode=True), encoding="utf-8")
    browser_page.open("/library/upload/")
    field(page, "file").set_input_files(str(library_file))
    page.get_by_role("button", name="Load").click()
    expect(page.locator("main")).to_contain_text("version 1 is loaded")

    # 2. An assessment of Alpha over Beijing.
    browser_page.open("/compliance/assessments/new/")
    field(page, "name").fill("Alpha readiness 2026")
    field(page, "framework").select_option(label="Alpha")
    field(page, "unit").select_option(str(organisation.beijing.pk))
    field(page, "lead").fill("manager")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Alpha readiness 2026")
    assessment = Assessment.objects.get(name="Alpha readiness 2026")
    overall = page.locator("#overall")
    expect(overall).to_contain_text("0 of 3 requirements assessed")
    expect(overall).to_contain_text("no scoring result yet")

    # 3. The evidence: a real scan report, uploaded.
    sample = sorted(EVIDENCE_FILE)[0]
    browser_page.open("/compliance/evidence/new/")
    field(page, "name").fill("Quarterly port scan")
    field(page, "kind").select_option("file")
    field(page, "unit").select_option(str(organisation.beijing.pk))
    field(page, "owner").fill("manager")
    field(page, "file").set_input_files(str(sample))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_contain_text("Quarterly port scan")
    evidence = Evidence.objects.get(name="Quarterly port scan")
    sha256 = hashlib.sha256(sample.read_bytes()).hexdigest()
    expect(page.locator("main")).to_contain_text(sha256)

    # 4. Requirement 1.1 is compliant, with that evidence.
    row = RequirementResult.objects.get(assessment=assessment, requirement__urn="urn:test:req:alpha:1.1")
    browser_page.open(f"/compliance/assessments/{assessment.pk}/")
    page.locator(f'a[href="/compliance/assessment-results/{row.pk}/edit/"]').click()
    field(page, "result").select_option("compliant")
    field(page, "evidence").select_option(str(evidence.pk))
    page.get_by_role("button", name="Save").click()

    # 5. The assessment's figures moved: one of three assessed, scored 100%.
    browser_page.open(f"/compliance/assessments/{assessment.pk}/")
    expect(overall).to_contain_text("1 of 3 requirements assessed")
    expect(overall).to_contain_text("100.0%")
    row.refresh_from_db()
    assert (row.result, row.assessed_by, list(row.evidence.all())) == (Result.COMPLIANT, manager, [evidence])
    assert evidence.current_version is not None
    assert evidence.current_version.sha256 == sha256
    assert row.assessment.framework.urn == FRAMEWORK_URN

    # 6. A second requirement non-compliant: the score halves.
    other = RequirementResult.objects.get(assessment=assessment, requirement__urn="urn:test:req:alpha:1.2")
    page.locator(f'a[href="/compliance/assessment-results/{other.pk}/edit/"]').click()
    field(page, "result").select_option("non_compliant")
    page.get_by_role("button", name="Save").click()
    browser_page.open(f"/compliance/assessments/{assessment.pk}/")
    expect(overall).to_contain_text("2 of 3 requirements assessed")
    expect(overall).to_contain_text("50.0%")
    assert browser_page.errors == []

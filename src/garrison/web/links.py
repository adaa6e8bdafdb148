"""Links to an object's page from its type and id, as the audit trail and RACI
assignments name objects (``core.person``, ``42``).

By convention the page is the URL named ``<app_label>:<model_name>-detail``;
`DETAIL_URL_NAMES` lists the exceptions.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

DETAIL_URL_NAMES = {
    "core.orgunit": "core:unit-detail",
    "core.roleassignment": None,
    "core.responsibility": None,
    "risks.riskscenario": "risks:risk-detail",
    # Treatment actions and acceptances are shown on their scenario's page.
    "risks.treatmentaction": None,
    "risks.riskacceptance": None,
    "risks.assessmentcampaign": "risks:campaign-detail",
    "risks.reviewtask": "risks:review-task-detail",
    "risks.ratingsnapshot": None,
    "risks.riskmatrix": "risks:matrix-detail",
    "library.loadedlibrary": "library:library-detail",
    "compliance.requirementnode": "compliance:requirement-detail",
    "compliance.mappingset": "compliance:mapping-detail",
    "compliance.referencecontrol": "compliance:reference-control-detail",
    # A relation is shown on its mapping set's page.
    "compliance.requirementmapping": None,
    "compliance.certification": "compliance:certification-detail",
    # A surveillance audit is shown on its certification's page.
    "compliance.surveillanceaudit": None,
    "compliance.appliedcontrol": "compliance:control-detail",
    "compliance.controltest": "compliance:control-test-detail",
    "compliance.assessment": "compliance:assessment-detail",
    "compliance.requirementresult": "compliance:assessment-result-detail",
    "compliance.evidence": "compliance:evidence-detail",
    "compliance.evidencerequest": "compliance:evidence-request-detail",
    # A version is shown on its evidence's page.
    "compliance.evidenceversion": None,
    "compliance.audit": "compliance:audit-detail",
    "compliance.finding": "compliance:finding-detail",
    # A corrective action is shown on its finding's page.
    "compliance.correctiveaction": None,
    # Timeline events, tasks and evidence are shown on their case's page, steps on their playbook's.
    "incidents.timelineevent": None,
    "incidents.incidenttask": None,
    "incidents.incidentevidence": None,
    "incidents.playbookstep": None,
    "incidents.emergencycontact": None,
    "incidents.escalationstep": None,
    "incidents.incidentcategory": "incidents:category-detail",
    # A grading threshold is shown (and edited by Administrators) on the threshold list.
    "incidents.gradingthreshold": None,
    "incidents.incidentreport": "incidents:report-detail",
    "incidents.incident": "incidents:incident-detail",
    # A review and its corrective actions are shown on their case's page.
    "incidents.postincidentreview": None,
    "incidents.reviewaction": None,
    # Contacts, documents, status changes and stage records are shown on their supplier's
    # or application's page; configuration rows on their list.
    "suppliers.suppliercontact": None,
    "suppliers.qualificationdocument": None,
    "suppliers.suppliercategory": None,
    "suppliers.accesspathconfig": None,
    "suppliers.accessapplication": "suppliers:application-detail",
    "suppliers.stagerecord": None,
    "suppliers.objection": None,
    "suppliers.questionnaire": "suppliers:questionnaire-detail",
    "suppliers.question": None,
    "suppliers.supplierassessment": "suppliers:assessment-detail",
    "suppliers.answer": None,
    "suppliers.scorecardcriterion": None,
    "suppliers.scorecard": "suppliers:scorecard-detail",
    "suppliers.scorecardline": None,
    "suppliers.supplierpolicy": None,
    "suppliers.statuschange": None,
    "suppliers.rectificationplan": "suppliers:plan-detail",
    "suppliers.rectificationaction": None,
    "suppliers.watchlist": "suppliers:watchlist-detail",
    "suppliers.watchlistentry": None,
    "suppliers.screeningrun": None,
    "suppliers.screeningmatch": "suppliers:match-detail",
    "suppliers.sourcingevent": "suppliers:event-detail",
    "suppliers.invitation": None,
    "suppliers.bid": None,
    "suppliers.evaluationcriterion": None,
    "suppliers.evaluator": None,
    "suppliers.bidscore": None,
    "suppliers.sourcingstep": None,
    "suppliers.purchaseorder": "suppliers:order-detail",
    "logaudit.auditreport": "logaudit:report-detail",
    "logaudit.auditfinding": "logaudit:finding-detail",
    "logaudit.logsource": "logaudit:source-detail",
    "logaudit.detectionrule": "logaudit:rule-detail",
    # A batch is shown on its source's page; the policy has one page without an id.
    "logaudit.logbatch": None,
    "logaudit.logauditpolicy": None,
}


def detail_url_name(object_type: str) -> str | None:
    if object_type in DETAIL_URL_NAMES:
        return DETAIL_URL_NAMES[object_type]
    app_label, _dot, model_name = object_type.partition(".")
    if not model_name:
        return None
    return f"{app_label}:{model_name}-detail"


def object_url(object_type: str, object_id: object) -> str | None:
    """The object's page, or None when it has none (or the id cannot name one)."""
    name = detail_url_name(object_type)
    if name is None or object_id in (None, "", "*"):
        return None
    try:
        return reverse(name, args=[object_id])
    except NoReverseMatch:
        return None


def optional_url(name: str, *args: object) -> str | None:
    """The URL named `name`, or None while the part of Garrison providing it is absent."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return None

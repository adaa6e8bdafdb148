"""The vulnerability domain's models (see docs/architecture.md)."""

from garrison.vulns.models.engagements import (
    ExceptionKind,
    ExceptionStatus,
    FindingException,
    PenetrationTest,
    PenetrationTestStatus,
    TesterKind,
)
from garrison.vulns.models.findings import (
    ACTIVE_STATUSES,
    VULNERABILITY_LIBRARY_SCOPE,
    Finding,
    FindingEvent,
    FindingEventKind,
    FindingSighting,
    FindingStatus,
    RetestStatus,
    Severity,
    Source,
    VulnerabilityPolicy,
)
from garrison.vulns.models.imports import (
    FINISHED_IMPORT_STATUSES,
    AssetScan,
    ImportFormat,
    ImportStatus,
    ScanImport,
)

__all__ = [
    "ACTIVE_STATUSES",
    "FINISHED_IMPORT_STATUSES",
    "VULNERABILITY_LIBRARY_SCOPE",
    "AssetScan",
    "ExceptionKind",
    "ExceptionStatus",
    "Finding",
    "FindingEvent",
    "FindingEventKind",
    "FindingException",
    "FindingSighting",
    "FindingStatus",
    "ImportFormat",
    "ImportStatus",
    "PenetrationTest",
    "PenetrationTestStatus",
    "RetestStatus",
    "ScanImport",
    "Severity",
    "Source",
    "TesterKind",
    "VulnerabilityPolicy",
]

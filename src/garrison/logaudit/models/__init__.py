"""The log-audit domain's models (see docs/architecture.md)."""

from garrison.logaudit.models.audits import (
    AuditFinding,
    AuditReport,
    ReportStatus,
    Suppression,
    SuppressionKind,
    Triage,
)
from garrison.logaudit.models.rules import (
    LOGAUDIT_LIBRARY_SCOPE,
    MINIMUM_RETENTION_DAYS,
    DetectionRule,
    LogAuditPolicy,
    RuleLevel,
    RuleOrigin,
)
from garrison.logaudit.models.sources import LogBatch, LogFormat, LogSource

__all__ = [
    "LOGAUDIT_LIBRARY_SCOPE",
    "MINIMUM_RETENTION_DAYS",
    "AuditFinding",
    "AuditReport",
    "DetectionRule",
    "LogAuditPolicy",
    "LogBatch",
    "LogFormat",
    "LogSource",
    "ReportStatus",
    "RuleLevel",
    "RuleOrigin",
    "Suppression",
    "SuppressionKind",
    "Triage",
]

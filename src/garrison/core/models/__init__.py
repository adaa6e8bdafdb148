from garrison.core.models.audit import AuditChainHead, AuditEvent
from garrison.core.models.files import Attachment, StoredFile
from garrison.core.models.identity import ApiToken, LoginFailure
from garrison.core.models.jobs import JobRun
from garrison.core.models.notifications import Notification, NotificationPreference
from garrison.core.models.org import EmploymentStatus, OrgUnit, Person, Responsibility, UnitKind
from garrison.core.models.roles import RoleAssignment

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditChainHead",
    "AuditEvent",
    "EmploymentStatus",
    "JobRun",
    "LoginFailure",
    "Notification",
    "NotificationPreference",
    "OrgUnit",
    "Person",
    "Responsibility",
    "RoleAssignment",
    "StoredFile",
    "UnitKind",
]

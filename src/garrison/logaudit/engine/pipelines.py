"""Which events a Sigma log source covers, and where its fields are found in our events.

Events reach the engine as flat JSON objects: JSON lines as written by the source, or what
`engine.inputs.normalise` makes of syslog, auditd and bastion-host logs. One table serves
every input format, because the formats do not share field names:

| Sigma log source (product linux) | events it covers | field mapping |
| --- | --- | --- |
| category process_creation | Sysmon for Linux EventID 1, and bastion commands (a `command` | CommandLine ← |
| | field, no `EventID`) | CommandLine, command; User ← User, user; Computer ← Computer, asset |
| category file_event | Sysmon EventID 11 | as written |
| category network_connection | Sysmon EventID 3 | as written |
| service auditd | auditd events (a `type` field, no `EventID`) | as written |
| service syslog, and rules with no category or service | events with a `message` | as written |
| service sshd, cron, vsftpd, clamav, guacamole | events with a `message` whose `app` is one | as written |
| | of the service's programs (`SERVICE_APPS`, any case) | |

A field absent from an event matches nothing (so `not` of it holds). Keywords (values without
a field) are searched in the event's `message` when it has one, otherwise in all the event's
top-level values joined by single spaces (strings as written, other values as JSON text).

The mapping is applied through a pySigma processing pipeline: one item per log source, each
recording the log source's key in the pipeline state, and a placeholder item that fills
`%name%` placeholders (the `expand` modifier) from the pipeline's variables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sigma.correlations import SigmaCorrelationRule
from sigma.processing.conditions.rule import RuleProcessingCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations.placeholder import ValueListPlaceholderTransformation
from sigma.processing.transformations.state import SetStateTransformation
from sigma.rule import SigmaRule

PRODUCT = "linux"
STATE_KEY = "garrison_logsource"
UNSET_AUDIT_IDS = frozenset({"4294967295", "-1", "unset"})


@dataclass(frozen=True)
class Gate:
    """Which events a log source covers: all of `event_id` (when set), `present`, `absent`,
    and `app_in` (when set, compared case-insensitively)."""

    event_id: int | None = None
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    app_in: tuple[str, ...] = ()
    any_of: tuple[Gate, ...] = ()  # alternatives, each a complete gate


@dataclass(frozen=True)
class LogSourceMapping:
    key: str
    category: str | None
    service: str | None
    gate: Gate
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def candidates(self, sigma_field: str) -> tuple[str, ...]:
        return self.fields.get(sigma_field, (sigma_field,))


SERVICE_APPS: dict[str, tuple[str, ...]] = {
    "sshd": ("sshd",),
    "cron": ("cron", "crond", "anacron"),
    "vsftpd": ("vsftpd",),
    "clamav": ("clamav", "clamd", "freshclam", "clamscan"),
    "guacamole": ("guacamole", "guacd"),
}

_SYSLOG = Gate(present=("message",))
_PROCESS_FIELDS = {
    "CommandLine": ("CommandLine", "command"),
    "User": ("User", "user"),
    "Computer": ("Computer", "asset"),
}

MAPPINGS: tuple[LogSourceMapping, ...] = (
    LogSourceMapping(
        "process_creation",
        "process_creation",
        None,
        Gate(any_of=(Gate(event_id=1), Gate(present=("command",), absent=("EventID",)))),
        _PROCESS_FIELDS,
    ),
    LogSourceMapping("file_event", "file_event", None, Gate(event_id=11)),
    LogSourceMapping("network_connection", "network_connection", None, Gate(event_id=3)),
    LogSourceMapping("auditd", None, "auditd", Gate(present=("type",), absent=("EventID",))),
    LogSourceMapping("syslog", None, "syslog", _SYSLOG),
    LogSourceMapping("linux", None, None, _SYSLOG),
    *(
        LogSourceMapping(service, None, service, Gate(present=("message",), app_in=apps))
        for service, apps in SERVICE_APPS.items()
    ),
)
MAPPINGS_BY_KEY = {mapping.key: mapping for mapping in MAPPINGS}
KEYWORD_FIELDS = ("message",)
TIME_FIELDS = ("UtcTime", "timestamp", "time")
HOST_FIELDS = ("Computer", "host", "asset", "hostname")
USER_FIELDS = ("User", "user", "auid", "uid")


@dataclass
class ExactLogsource(RuleProcessingCondition):
    """True when the rule's log source is exactly this one (pySigma's own condition also
    accepts more specific log sources, which would send every Linux rule to the generic item)."""

    category: str | None = None
    service: str | None = None

    def match(self, rule: SigmaRule | SigmaCorrelationRule) -> bool:
        if not isinstance(rule, SigmaRule):
            return False
        source = rule.logsource
        return (
            (source.product or PRODUCT) == PRODUCT
            and (source.category or None) == self.category
            and (source.service or None) == self.service
        )


def processing_pipeline(placeholders: Mapping[str, Sequence[str]] | None = None) -> ProcessingPipeline:
    """The pySigma pipeline that tags each rule with its log source and fills placeholders."""
    items: list[ProcessingItem] = [
        ProcessingItem(
            SetStateTransformation(STATE_KEY, mapping.key),
            identifier=f"garrison_logsource_{mapping.key}",
            rule_conditions=[ExactLogsource(mapping.category, mapping.service)],
        )
        for mapping in MAPPINGS
    ]
    items.append(ProcessingItem(ValueListPlaceholderTransformation(), identifier="garrison_placeholders"))
    return ProcessingPipeline(
        items=items,
        name="Garrison Linux log sources",
        vars={name: list(values) for name, values in (placeholders or {}).items()},
    )


def describe_logsource(logsource: Mapping[str, str]) -> str:
    return "/".join(
        f"{key}:{logsource[key]}" for key in ("product", "category", "service") if key in logsource
    )


def normalised(event: Mapping[str, Any]) -> tuple[str | None, str, str]:
    """(time, host, user) of an event: Sysmon UtcTime/Computer/User, auditd timestamp or
    UtcTime/host/auid (uid when the login id is unset), syslog timestamp/host, bastion
    time/asset/user."""
    time = _first(event, TIME_FIELDS)
    host = _first(event, HOST_FIELDS) or ""
    user = ""
    for name in USER_FIELDS:
        value = event.get(name)
        if value is None or value == "":
            continue
        text = _text(value)
        if name == "auid" and text in UNSET_AUDIT_IDS:
            continue
        user = text
        break
    return time, host, user


def _first(event: Mapping[str, Any], names: Sequence[str]) -> str | None:
    for name in names:
        value = event.get(name)
        if value is not None and value != "":
            return _text(value)
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

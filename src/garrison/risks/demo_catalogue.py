"""What the risks demo draws from, as data: the threats that fit each kind of asset, how
often each kind is the subject of a scenario, and the controls, treatment actions and
review comments it writes. garrison.risks.demo turns these into records."""

from __future__ import annotations

from garrison.assets.models import AssetType

# Threats (by reference) that fit each kind of asset.
THREATS_BY_TYPE: dict[str, tuple[str, ...]] = {
    AssetType.SITE: (
        "TH-PWR-01",
        "TH-PWR-03",
        "TH-ENV-01",
        "TH-ENV-02",
        "TH-ENV-03",
        "TH-ENV-04",
        "TH-PHY-01",
    ),
    AssetType.ROOM: (
        "TH-PWR-01",
        "TH-PWR-02",
        "TH-PWR-04",
        "TH-CLG-01",
        "TH-CLG-02",
        "TH-ENV-01",
        "TH-PHY-03",
    ),
    AssetType.FACILITY_EQUIPMENT: (
        "TH-PWR-02",
        "TH-PWR-04",
        "TH-CLG-01",
        "TH-TEC-07",
        "TH-HUM-02",
        "TH-SUP-02",
    ),
    AssetType.NETWORK_DEVICE: ("TH-TEC-01", "TH-TEC-02", "TH-TEC-05", "TH-TEC-08", "TH-CYB-03", "TH-SUP-03"),
    AssetType.NETWORK_SEGMENT: ("TH-TEC-02", "TH-TEC-03", "TH-TEC-05", "TH-CYB-03", "TH-TEC-11"),
    AssetType.SERVER: (
        "TH-TEC-01",
        "TH-TEC-08",
        "TH-CYB-02",
        "TH-TEC-07",
        "TH-PHY-02",
        "TH-PHY-05",
        "TH-HUM-01",
    ),
    AssetType.DATA_SET: ("TH-CYB-07", "TH-CYB-08", "TH-TEC-06", "TH-CYB-01", "TH-TEC-09", "TH-LEG-03"),
    AssetType.APPLICATION: ("TH-CYB-06", "TH-CYB-05", "TH-TEC-04", "TH-TEC-08", "TH-TEC-10", "TH-CYB-04"),
    AssetType.INFORMATION_SYSTEM: (
        "TH-CYB-01",
        "TH-CYB-04",
        "TH-CYB-07",
        "TH-TEC-04",
        "TH-TEC-05",
        "TH-HUM-01",
        "TH-HUM-04",
        "TH-LEG-01",
    ),
    AssetType.CLOUD_SERVICE: ("TH-TEC-11", "TH-CYB-03", "TH-CYB-05", "TH-TEC-05", "TH-TEC-09", "TH-LEG-02"),
    AssetType.SUPPLIER_SERVICE: ("TH-SUP-01", "TH-SUP-02", "TH-SUP-03", "TH-PWR-03", "TH-LEG-02"),
    AssetType.PAPER_OR_PEOPLE: ("TH-PHY-04", "TH-PHY-05", "TH-HUM-03", "TH-CYB-07", "TH-LEG-03"),
}
# How often each kind of asset is the subject of a scenario: systems and halls more
# than any one of thousands of virtual machines.
TYPE_WEIGHTS: dict[str, float] = {
    AssetType.INFORMATION_SYSTEM: 8,
    AssetType.SITE: 6,
    AssetType.CLOUD_SERVICE: 5,
    AssetType.ROOM: 4,
    AssetType.SUPPLIER_SERVICE: 3,
    AssetType.DATA_SET: 3,
    AssetType.APPLICATION: 2,
    AssetType.FACILITY_EQUIPMENT: 1.5,
    AssetType.NETWORK_DEVICE: 2,
    AssetType.NETWORK_SEGMENT: 2,
    AssetType.PAPER_OR_PEOPLE: 2,
    AssetType.SERVER: 0.3,
}
CONTROLS_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "facility": (
        "N+1 UPS and generators, load-tested monthly.",
        "Temperature and leak sensors alarm to the operations shift around the clock.",
    ),
    "natural": ("Sites chosen outside flood zones; gas suppression and early smoke detection.",),
    "physical": ("Badge and PIN at every door, CCTV kept 90 days, visitors escorted.",),
    "technical": (
        "Redundant pairs with automatic failover; changes go through the change board.",
        "Monthly patch window; vulnerability scans every week.",
    ),
    "cyber": (
        "Multi-factor login for administrators, EDR on servers, immutable off-site backups.",
        "Web application firewall and rate limits in front of public endpoints.",
    ),
    "human": ("Least privilege, quarterly access reviews, yearly security awareness training.",),
    "supplier": (
        "Supplier security questionnaire and contract clauses; second source for critical supplies.",
    ),
    "compliance": ("Legal review of new services; MLPS Class III assessment every year.",),
}
ACTIONS_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "facility": (
        "Replace UPS battery strings older than four years",
        "Add a second chilled-water loop",
        "Install leak detection under the raised floor",
    ),
    "natural": (
        "Raise the sandbag and pump plan to the flood season checklist",
        "Test gas suppression release",
    ),
    "physical": ("Add anti-tailgating turnstiles at the loading bay", "Extend CCTV retention to 180 days"),
    "technical": (
        "Automate configuration drift detection",
        "Test restoring a full backup quarterly",
        "Shorten the critical patch window to 7 days",
    ),
    "cyber": (
        "Enforce phishing-resistant MFA for all administrators",
        "Segment the management network from production",
        "Add DDoS scrubbing capacity with the carrier",
    ),
    "human": (
        "Introduce four-eyes approval for production changes",
        "Document and cross-train critical runbooks",
    ),
    "supplier": ("Add right-to-audit clauses to supplier contracts", "Qualify a second fuel supplier"),
    "compliance": ("Complete the data export security assessment", "Map contracts to MLPS Class III duties"),
}
REVIEW_COMMENTS = (
    "Ratings confirmed; controls tested this quarter.",
    "Current likelihood lowered after the new monitoring went live.",
    "No change since last review.",
    "Impact raised: more customers now depend on this service.",
)

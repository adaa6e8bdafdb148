"""The shape of the demo organisation, kept as data. Pure module: no Django import.

A fictional cloud and data-center operator: a holding company, the Compliance and
Information Security Management Committee with its Working Group, business
departments, and data-center sites run by IDC Operations, each site with teams.
`plan.py` turns this into units and people for a given scale and seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from garrison.core.roles import Role

# Where an appointment's role is held: on the root unit, or on the unit itself.
ON_ROOT = "root"
ON_OWN_UNIT = "own"


@dataclass(frozen=True)
class Appointment:
    """A named post in a unit, with the roles that come with it."""

    job_title: str
    roles: tuple[tuple[Role, str], ...] = ()


@dataclass(frozen=True)
class TeamTemplate:
    """A team that exists under a department or a site; repeated as the scale grows."""

    code: str
    name: str
    name_zh: str
    lead_title: str
    member_titles: tuple[str, ...]
    size: int
    appointments: tuple[Appointment, ...] = ()


@dataclass(frozen=True)
class UnitTemplate:
    """A department or governing body. `size` counts members besides the head and
    appointments, and is multiplied by the scale."""

    code: str
    name: str
    name_zh: str
    kind: str
    head: Appointment
    member_titles: tuple[str, ...] = ()
    size: int = 0
    appointments: tuple[Appointment, ...] = ()
    teams: tuple[TeamTemplate, ...] = ()
    description: str = ""
    parent: str | None = None
    scales: bool = True


@dataclass(frozen=True)
class SiteTemplate:
    code: str
    city: str
    name: str
    name_zh: str
    time_zone: str = "Asia/Shanghai"
    local_staff_share: float = 0.0  # share of staff with Hong Kong style names


@dataclass(frozen=True)
class FixedAccount:
    """A well-known demo login, placed in a unit with a given post and role."""

    username: str
    full_name: str
    unit_code: str
    job_title: str
    role: Role
    role_on: str  # ON_ROOT, ON_OWN_UNIT, or a unit code
    language: str = "en"


ROOT = UnitTemplate(
    code="gdc",
    name="Garrison Demo Cloud Ltd.",
    name_zh="加里森演示云有限公司",
    kind="company",
    head=Appointment("Chief Executive Officer"),
    appointments=(
        Appointment("Chief Operating Officer"),
        Appointment("Chief Financial Officer"),
        Appointment("Chief Technology Officer"),
    ),
    description="Operator of carrier-neutral data centers and the Blue Cloud public cloud.",
    scales=False,
)

COMMITTEE = UnitTemplate(
    code="cismc",
    name="Compliance and Information Security Management Committee",
    name_zh="合规与信息安全管理委员会",
    kind="committee",
    parent=ROOT.code,
    head=Appointment("Committee Secretary-General", ((Role.COMPLIANCE_MANAGER, ON_ROOT),)),
    appointments=(Appointment("Committee Secretary"),),
    description="Sets information-security and compliance policy and accepts residual risk.",
    scales=False,
)

WORKING_GROUP = UnitTemplate(
    code="ciswg",
    name="Compliance and Information Security Working Group",
    name_zh="合规与信息安全工作组",
    kind="working_group",
    parent=COMMITTEE.code,
    head=Appointment("Working Group Lead", ((Role.COMPLIANCE_MANAGER, ON_ROOT),)),
    appointments=(
        Appointment("Information Security Manager", ((Role.SECURITY_OFFICER, ON_ROOT),)),
        Appointment("Risk Analyst", ((Role.RISK_OWNER, ON_ROOT),)),
    ),
    member_titles=("Compliance Coordinator",),
    size=1,
    description="Runs the ISMS day to day on behalf of the Committee.",
    scales=False,
)

DEPARTMENTS: tuple[UnitTemplate, ...] = (
    UnitTemplate(
        code="idc-ops",
        name="IDC Operations",
        name_zh="数据中心运营部",
        kind="department",
        head=Appointment("Vice President, IDC Operations", ((Role.RISK_OWNER, ON_OWN_UNIT),)),
        member_titles=("Operations Manager", "Capacity Planner", "Service Delivery Manager"),
        size=3,
    ),
    UnitTemplate(
        code="blue-cloud",
        name="Blue Cloud Services",
        name_zh="蓝云云服务事业部",
        kind="department",
        head=Appointment("General Manager, Blue Cloud", ((Role.RISK_OWNER, ON_OWN_UNIT),)),
        member_titles=("Product Manager", "Cloud Solutions Architect"),
        size=2,
        teams=(
            TeamTemplate(
                "compute",
                "Compute Platform",
                "计算平台组",
                "Compute Platform Lead",
                ("Cloud Engineer", "Site Reliability Engineer", "Senior Cloud Engineer"),
                size=6,
            ),
            TeamTemplate(
                "storage",
                "Storage and Backup",
                "存储与备份组",
                "Storage Team Lead",
                ("Storage Engineer", "Backup Administrator"),
                size=4,
            ),
        ),
    ),
    UnitTemplate(
        code="network-ops",
        name="Network Operations",
        name_zh="网络运营部",
        kind="department",
        head=Appointment("Director of Network Operations", ((Role.RISK_OWNER, ON_OWN_UNIT),)),
        member_titles=("Network Architect",),
        size=1,
        teams=(
            TeamTemplate(
                "backbone",
                "Backbone and Peering",
                "骨干与互联组",
                "Backbone Team Lead",
                ("Network Engineer", "Senior Network Engineer", "Peering Coordinator"),
                size=6,
            ),
        ),
    ),
    UnitTemplate(
        code="security",
        name="Information Security",
        name_zh="信息安全部",
        kind="department",
        head=Appointment("Chief Information Security Officer", ((Role.SECURITY_OFFICER, ON_ROOT),)),
        member_titles=("Security Architect",),
        size=1,
        appointments=(Appointment("Security Platform Administrator", ((Role.ADMINISTRATOR, ON_ROOT),)),),
        teams=(
            TeamTemplate(
                "soc",
                "Security Operations Center",
                "安全运营中心",
                "SOC Manager",
                ("Security Analyst", "Incident Responder", "Threat Hunter"),
                size=5,
            ),
            TeamTemplate(
                "vuln",
                "Vulnerability Management",
                "漏洞管理组",
                "Vulnerability Management Lead",
                ("Vulnerability Analyst", "Penetration Tester"),
                size=3,
            ),
        ),
    ),
    UnitTemplate(
        code="compliance-legal",
        name="Compliance and Legal",
        name_zh="合规与法务部",
        kind="department",
        head=Appointment("General Counsel", ((Role.COMPLIANCE_MANAGER, ON_ROOT),)),
        member_titles=("Compliance Specialist", "Legal Counsel", "Privacy Officer"),
        size=3,
        teams=(
            TeamTemplate(
                "audit",
                "Internal Audit",
                "内部审计组",
                "Head of Internal Audit",
                ("IT Auditor", "Internal Auditor"),
                size=2,
                appointments=(Appointment("Senior Internal Auditor", ((Role.AUDITOR, ON_ROOT),)),),
            ),
        ),
    ),
    UnitTemplate(
        code="procurement",
        name="Procurement",
        name_zh="采购部",
        kind="department",
        head=Appointment("Head of Procurement", ((Role.PROCUREMENT_OFFICER, ON_ROOT),)),
        member_titles=("Procurement Specialist", "Supplier Manager", "Category Buyer"),
        size=4,
        appointments=(Appointment("Senior Procurement Officer", ((Role.PROCUREMENT_OFFICER, ON_ROOT),)),),
    ),
    UnitTemplate(
        code="finance",
        name="Finance",
        name_zh="财务部",
        kind="department",
        head=Appointment("Finance Director", ((Role.RISK_OWNER, ON_OWN_UNIT),)),
        member_titles=("Accountant", "Financial Analyst", "Treasury Specialist"),
        size=6,
    ),
    UnitTemplate(
        code="hr",
        name="Human Resources",
        name_zh="人力资源部",
        kind="department",
        head=Appointment("HR Director", ((Role.RISK_OWNER, ON_OWN_UNIT),)),
        member_titles=("HR Business Partner", "Recruiter", "Training Coordinator"),
        size=5,
    ),
    UnitTemplate(
        code="rnd",
        name="Research and Development",
        name_zh="研发中心",
        kind="department",
        head=Appointment("Director of R&D", ((Role.RISK_OWNER, ON_OWN_UNIT),)),
        member_titles=("Principal Engineer",),
        size=1,
        teams=(
            TeamTemplate(
                "platform",
                "Platform Engineering",
                "平台工程组",
                "Engineering Manager",
                ("Software Engineer", "Senior Software Engineer", "DevOps Engineer", "QA Engineer"),
                size=7,
            ),
        ),
    ),
    UnitTemplate(
        code="sales",
        name="Sales",
        name_zh="销售部",
        kind="department",
        head=Appointment("Vice President, Sales", ((Role.RISK_OWNER, ON_OWN_UNIT),)),
        member_titles=("Account Manager", "Solutions Architect", "Sales Operations Specialist"),
        size=10,
    ),
)

# Sites hang under IDC Operations, which runs them.
SITES_PARENT = "idc-ops"

SITES: tuple[SiteTemplate, ...] = (
    SiteTemplate("bj", "Beijing", "Beijing Jiuxianqiao Data Center", "北京酒仙桥数据中心"),
    SiteTemplate("sh", "Shanghai", "Shanghai Waigaoqiao Data Center", "上海外高桥数据中心"),
    SiteTemplate("gz", "Guangzhou", "Guangzhou Science City Data Center", "广州科学城数据中心"),
    SiteTemplate("sz", "Shenzhen", "Shenzhen Nanshan Data Center", "深圳南山数据中心"),
    SiteTemplate(
        "hk",
        "Hong Kong",
        "Hong Kong Tseung Kwan O Data Center",
        "香港将军澳数据中心",
        time_zone="Asia/Hong_Kong",
        local_staff_share=0.75,
    ),
)

SITE_HEAD = Appointment("Site Director", ((Role.RISK_OWNER, ON_OWN_UNIT),))
SITE_APPOINTMENTS: tuple[Appointment, ...] = (
    Appointment("Site Security Officer", ((Role.SECURITY_OFFICER, ON_OWN_UNIT),)),
)
SITE_MEMBER_TITLES = ("Site Manager", "Customer Operations Coordinator")
SITE_SIZE = 2

SITE_TEAMS: tuple[TeamTemplate, ...] = (
    TeamTemplate(
        "facilities",
        "Facilities and Power",
        "设施与动力组",
        "Facilities Manager",
        ("Facilities Engineer", "Electrical Engineer", "HVAC Technician"),
        size=6,
    ),
    TeamTemplate(
        "shift",
        "Operations Shift",
        "运维值班组",
        "Shift Supervisor",
        ("Operations Engineer", "NOC Technician", "Remote Hands Technician"),
        size=7,
    ),
    TeamTemplate(
        "physical",
        "Physical Security",
        "安保组",
        "Security Supervisor",
        ("Security Guard", "Access Control Officer", "CCTV Operator"),
        size=5,
    ),
)

# Every demo login shares this documented password; it passes Django's validators.
DEMO_PASSWORD = "Garrison-demo-2026"  # noqa: S105 - published demo credential

# The well-known logins printed after seeding. They hold one role each so that a
# visitor sees the product through each role's eyes.
FIXED_ACCOUNTS: tuple[FixedAccount, ...] = (
    FixedAccount(
        "admin", "周健 (Zhou Jian)", "security", "Platform Administrator", Role.ADMINISTRATOR, ON_ROOT
    ),
    FixedAccount(
        "secofficer", "孙丽 (Sun Li)", "bj", "Site Security Officer", Role.SECURITY_OFFICER, ON_OWN_UNIT
    ),
    FixedAccount(
        "compliance",
        "何静 (He Jing)",
        "compliance-legal",
        "Compliance Manager",
        Role.COMPLIANCE_MANAGER,
        ON_ROOT,
    ),
    FixedAccount(
        "riskowner",
        "梁志强 (Liang Zhiqiang)",
        "idc-ops",
        "Operations Risk Manager",
        Role.RISK_OWNER,
        ON_OWN_UNIT,
    ),
    FixedAccount(
        "auditor", "Grace Lam", "compliance-legal-audit", "Internal Audit Manager", Role.AUDITOR, ON_ROOT
    ),
    FixedAccount(
        "procurement",
        "吴芳 (Wu Fang)",
        "procurement",
        "Procurement Officer",
        Role.PROCUREMENT_OFFICER,
        ON_ROOT,
    ),
    FixedAccount("employee", "李明 (Li Ming)", "bj-shift", "Operations Engineer", Role.EMPLOYEE, ON_OWN_UNIT),
)

# RACI: who answers for which unit, beyond each head being responsible for their own.
UNIT_ACCOUNTABILITIES: tuple[tuple[str, str], ...] = (
    (WORKING_GROUP.code, "security"),
    (WORKING_GROUP.code, "compliance-legal"),
    (COMMITTEE.code, WORKING_GROUP.code),
)
# The Information Security department is consulted on every site.
SITE_CONSULTED_UNIT = "security"


@dataclass(frozen=True)
class Workforce:
    """Shares of people by circumstance, applied to ordinary members only."""

    on_leave: float = 0.03
    left: float = 0.02
    expatriate: float = 0.03
    expatriate_departments: frozenset[str] = field(default_factory=lambda: frozenset({"sales", "rnd"}))
    expatriate_share_there: float = 0.15


WORKFORCE = Workforce()

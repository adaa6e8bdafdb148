"""Turn the catalogue into a concrete organisation for a scale and a seed.
Pure module: no Django import.

The same seed and scale always give the same plan: every random choice comes from
the `random.Random` passed in, in a fixed order. Units come parent before child and
people manager before report, so a loader can insert them in that order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from garrison.core.demo import catalogue
from garrison.core.demo.catalogue import Appointment, SiteTemplate, TeamTemplate, UnitTemplate
from garrison.core.demo.names import (
    GeneratedName,
    UsernameBook,
    chinese_name,
    expatriate_name,
    hong_kong_name,
)
from garrison.core.demo.registry import seeded_random
from garrison.core.roles import Role

EMAIL_DOMAIN = "demo-cloud.example"
ACTIVE, ON_LEAVE, LEFT = "active", "on_leave", "left"


@dataclass(frozen=True)
class UnitPlan:
    code: str
    name: str
    name_zh: str
    kind: str
    parent_code: str | None
    description: str = ""


@dataclass(frozen=True)
class PersonPlan:
    username: str
    full_name: str
    email: str
    unit_code: str
    manager_username: str | None
    job_title: str
    employment_status: str = ACTIVE
    time_zone: str = "Asia/Shanghai"
    language: str = ""


@dataclass(frozen=True)
class RolePlan:
    username: str
    role: Role
    unit_code: str


@dataclass(frozen=True)
class ResponsibilityPlan:
    """A RACI line on a unit, given to exactly one person or one unit."""

    target_unit_code: str
    raci: str
    person_username: str | None = None
    assignee_unit_code: str | None = None
    note: str = ""


@dataclass(frozen=True)
class OrganisationPlan:
    root_code: str
    units: tuple[UnitPlan, ...]
    people: tuple[PersonPlan, ...]
    roles: tuple[RolePlan, ...]
    responsibilities: tuple[ResponsibilityPlan, ...]


@dataclass(frozen=True)
class _Locale:
    """Who staffs a unit: its time zone and the share of Hong Kong style names."""

    time_zone: str = "Asia/Shanghai"
    local_staff_share: float = 0.0
    expatriate_share: float = catalogue.WORKFORCE.expatriate


@dataclass
class _Builder:
    rng: random.Random
    scale: int
    usernames: UsernameBook
    units: list[UnitPlan] = field(default_factory=list)
    people: list[PersonPlan] = field(default_factory=list)
    roles: list[RolePlan] = field(default_factory=list)
    responsibilities: list[ResponsibilityPlan] = field(default_factory=list)
    heads: dict[str, str] = field(default_factory=dict)
    fixed_by_unit: dict[str, list[catalogue.FixedAccount]] = field(default_factory=dict)

    def add_unit(self, unit: UnitPlan) -> None:
        self.units.append(unit)

    def name_for(self, locale: _Locale) -> tuple[GeneratedName, str]:
        """A generated name and the language its bearer prefers."""
        draw = self.rng.random()
        if draw < locale.local_staff_share:
            name = hong_kong_name(self.rng)
            language = self.rng.choice(("en", "en", "zh-hans", ""))
        elif draw < locale.local_staff_share + locale.expatriate_share:
            name = expatriate_name(self.rng)
            language = "en"
        else:
            name = chinese_name(self.rng)
            language = self.rng.choice(("zh-hans", "zh-hans", "zh-hans", "zh-hans", "en", ""))
        return name, language

    def add_person(
        self,
        unit_code: str,
        job_title: str,
        locale: _Locale,
        manager: str | None,
        roles: tuple[tuple[Role, str], ...] = (),
        *,
        may_be_away: bool = False,
    ) -> str:
        name, language = self.name_for(locale)
        username = self.usernames.claim(name.username_stem)
        status = ACTIVE
        if may_be_away:
            draw = self.rng.random()
            workforce = catalogue.WORKFORCE
            if draw < workforce.left:
                status = LEFT
            elif draw < workforce.left + workforce.on_leave:
                status = ON_LEAVE
        self.people.append(
            PersonPlan(
                username=username,
                full_name=name.full_name,
                email=f"{username}@{EMAIL_DOMAIN}",
                unit_code=unit_code,
                manager_username=manager,
                job_title=job_title,
                employment_status=status,
                time_zone=locale.time_zone,
                language=language,
            )
        )
        self.grant(username, unit_code, roles)
        return username

    def grant(self, username: str, unit_code: str, roles: tuple[tuple[Role, str], ...]) -> None:
        if not roles:
            self.roles.append(RolePlan(username, Role.EMPLOYEE, unit_code))
        for role, where in roles:
            self.roles.append(RolePlan(username, role, self.role_unit(where, unit_code)))

    def role_unit(self, where: str, own_unit: str) -> str:
        if where == catalogue.ON_ROOT:
            return catalogue.ROOT.code
        if where == catalogue.ON_OWN_UNIT:
            return own_unit
        return where

    def staff(
        self,
        unit_code: str,
        head: Appointment,
        appointments: tuple[Appointment, ...],
        member_titles: tuple[str, ...],
        members: int,
        locale: _Locale,
        parent_head: str | None,
    ) -> None:
        """Give a unit its head, its appointed posts, any fixed demo logins and members."""
        head_username = self.add_person(unit_code, head.job_title, locale, parent_head, head.roles)
        self.heads[unit_code] = head_username
        self.responsibilities.append(
            ResponsibilityPlan(unit_code, "R", person_username=head_username, note="Unit head")
        )
        fixed = self.fixed_by_unit.get(unit_code, [])
        # A fixed demo login takes the post of the same title instead of a generated person.
        taken_titles = {account.job_title for account in fixed}
        for appointment in appointments:
            if appointment.job_title not in taken_titles:
                self.add_person(unit_code, appointment.job_title, locale, head_username, appointment.roles)
        for account in fixed:
            self.add_fixed(account, locale, head_username)
        for index in range(members):
            title = member_titles[index % len(member_titles)]
            self.add_person(unit_code, title, locale, head_username, may_be_away=True)

    def add_fixed(self, account: catalogue.FixedAccount, locale: _Locale, manager: str) -> None:
        username = account.username  # reserved in the username book, never generated
        self.people.append(
            PersonPlan(
                username=username,
                full_name=account.full_name,
                email=f"{username}@{EMAIL_DOMAIN}",
                unit_code=account.unit_code,
                manager_username=manager,
                job_title=account.job_title,
                time_zone=locale.time_zone,
                language=account.language,
            )
        )
        self.grant(username, account.unit_code, ((account.role, account.role_on),))


def _team_instances(prefix: str, team: TeamTemplate, scale: int) -> Iterator[tuple[str, int]]:
    for number in range(1, scale + 1):
        suffix = "" if number == 1 else f"-{number}"
        yield f"{prefix}-{team.code}{suffix}", number


def _numbered(name: str, number: int) -> str:
    return name if number == 1 else f"{name} {number}"


def plan_organisation(*, scale: int = 1, seed: int = 1) -> OrganisationPlan:
    """The demo organisation: about 230 people in 40 units at scale 1; members and teams times `scale`."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    rng = seeded_random(seed, "organisation")
    builder = _Builder(
        rng=rng,
        scale=scale,
        usernames=UsernameBook(reserved={account.username for account in catalogue.FIXED_ACCOUNTS}),
    )
    for account in catalogue.FIXED_ACCOUNTS:
        builder.fixed_by_unit.setdefault(account.unit_code, []).append(account)
    _plan_bodies(builder)
    for department in catalogue.DEPARTMENTS:
        _plan_department(builder, department)
    for site in catalogue.SITES:
        _plan_site(builder, site)
    _plan_accountabilities(builder)
    return OrganisationPlan(
        root_code=catalogue.ROOT.code,
        units=tuple(builder.units),
        people=tuple(builder.people),
        roles=tuple(builder.roles),
        responsibilities=tuple(builder.responsibilities),
    )


def _unit_plan(template: UnitTemplate, parent_code: str | None) -> UnitPlan:
    return UnitPlan(
        code=template.code,
        name=template.name,
        name_zh=template.name_zh,
        kind=template.kind,
        parent_code=parent_code,
        description=template.description,
    )


def _plan_bodies(builder: _Builder) -> None:
    """The company itself, then the Committee and its Working Group."""
    locale = _Locale()
    for template in (catalogue.ROOT, catalogue.COMMITTEE, catalogue.WORKING_GROUP):
        builder.add_unit(_unit_plan(template, template.parent))
        parent_head = builder.heads.get(template.parent) if template.parent else None
        builder.staff(
            template.code,
            template.head,
            template.appointments,
            template.member_titles,
            template.size,
            locale,
            parent_head,
        )


def _plan_department(builder: _Builder, department: UnitTemplate) -> None:
    root = catalogue.ROOT.code
    locale = _Locale()
    if department.code in catalogue.WORKFORCE.expatriate_departments:
        locale = _Locale(expatriate_share=catalogue.WORKFORCE.expatriate_share_there)
    builder.add_unit(_unit_plan(department, root))
    builder.staff(
        department.code,
        department.head,
        department.appointments,
        department.member_titles,
        department.size * builder.scale,
        locale,
        builder.heads[root],
    )
    for team in department.teams:
        for code, number in _team_instances(department.code, team, builder.scale):
            _plan_team(builder, team, code, _numbered(team.name, number), department.code, locale)


def _plan_team(
    builder: _Builder, team: TeamTemplate, code: str, name: str, parent_code: str, locale: _Locale
) -> None:
    builder.add_unit(UnitPlan(code, name, team.name_zh, "team", parent_code))
    builder.staff(
        code,
        Appointment(team.lead_title),
        team.appointments,
        team.member_titles,
        team.size,
        locale,
        builder.heads[parent_code],
    )


def _plan_site(builder: _Builder, site: SiteTemplate) -> None:
    locale = _Locale(time_zone=site.time_zone, local_staff_share=site.local_staff_share)
    builder.add_unit(UnitPlan(site.code, site.name, site.name_zh, "site", catalogue.SITES_PARENT))
    builder.staff(
        site.code,
        catalogue.SITE_HEAD,
        catalogue.SITE_APPOINTMENTS,
        catalogue.SITE_MEMBER_TITLES,
        catalogue.SITE_SIZE * builder.scale,
        locale,
        builder.heads[catalogue.SITES_PARENT],
    )
    for team in catalogue.SITE_TEAMS:
        for code, number in _team_instances(site.code, team, builder.scale):
            name = _numbered(f"{site.city} {team.name}", number)
            _plan_team(builder, team, code, name, site.code, locale)
    builder.responsibilities.append(
        ResponsibilityPlan(site.code, "C", assignee_unit_code=catalogue.SITE_CONSULTED_UNIT)
    )


def _plan_accountabilities(builder: _Builder) -> None:
    for assignee, target in catalogue.UNIT_ACCOUNTABILITIES:
        builder.responsibilities.append(ResponsibilityPlan(target, "A", assignee_unit_code=assignee))

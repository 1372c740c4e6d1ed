"""Staff users for the demo: profiles as district offices keep them, posts, and the demo accounts."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import connection

from gridgov.people.models import Education, Level, Post, Role, SocialWorkCertificate, User
from gridgov.territory.demo import names
from gridgov.territory.demo.accounts import DEMO_ACCOUNT_BY_ROLE, DEMO_PASSWORD
from gridgov.territory.demo.context import Demo, bulk, insert_rows
from gridgov.territory.demo.residents import MOBILE_PREFIXES


@dataclass(frozen=True)
class Profile:
    """How the holders of a role look: share of men, birth years, education shares."""

    male_share: float
    born: tuple[int, int]
    education: dict[Education, float]


_SCHOOL = {Education.SECONDARY: 0.7, Education.VOCATIONAL: 0.3}
_COLLEGE = {Education.VOCATIONAL: 0.45, Education.BACHELOR: 0.55}
_GRADUATE = {Education.BACHELOR: 0.75, Education.POSTGRADUATE: 0.25}
# Grid workers: about two thirds hold a college degree (大专 and above), as district reports give.
_GRID_WORKER_EDUCATION = {
    Education.SECONDARY: 0.35,
    Education.VOCATIONAL: 0.38,
    Education.BACHELOR: 0.25,
    Education.POSTGRADUATE: 0.02,
}
PROFILES: dict[str, Profile] = {
    Role.GRID_WORKER: Profile(0.35, (1968, 2000), _GRID_WORKER_EDUCATION),
    Role.POLICE: Profile(0.85, (1970, 1996), _COLLEGE),
    Role.URBAN_OFFICER: Profile(0.8, (1968, 1996), _COLLEGE),
    Role.CLEANER: Profile(0.4, (1960, 1980), _SCHOOL),
    Role.POWER: Profile(0.8, (1970, 1996), _COLLEGE),
    Role.WATER: Profile(0.8, (1970, 1996), _COLLEGE),
    Role.GAS: Profile(0.8, (1970, 1996), _COLLEGE),
    Role.PROPERTY: Profile(0.45, (1970, 1996), {Education.SECONDARY: 0.4, Education.VOCATIONAL: 0.6}),
    Role.BUILDING_LEADER: Profile(0.55, (1948, 1975), _SCHOOL),
    Role.CADRE: Profile(0.6, (1968, 1996), _GRADUATE),
    Role.DISPATCHER: Profile(0.4, (1980, 1998), _COLLEGE),
    Role.DEPARTMENT_HANDLER: Profile(0.6, (1970, 1996), _GRADUATE),
    Role.LEADER: Profile(0.7, (1965, 1982), _GRADUATE),
    Role.FUND_OFFICER: Profile(0.4, (1975, 1992), _GRADUATE),
    Role.ADMIN: Profile(0.6, (1980, 1996), _GRADUATE),
}
CERTIFICATE_SHARES = {
    SocialWorkCertificate.ASSISTANT: 0.18,
    SocialWorkCertificate.SOCIAL_WORKER: 0.065,
    SocialWorkCertificate.SENIOR: 0.005,
}
EXAM_PASSED_SHARE = 0.9
FIRST_START, LAST_START = date(2014, 3, 1), date(2024, 9, 30)


# Posts are many (370,000 at city scale): inserted as plain rows, see `context.insert_rows`.
POST_COLUMNS = (
    "user",
    "role",
    "level",
    "grid",
    "community",
    "street",
    "district",
    "department",
    "active",
    "started_at",
)


class StaffMaker:
    """Collect staff users and their posts in memory, then insert them in two bulk statements."""

    def __init__(self, demo: Demo) -> None:
        self.rng = demo.sub_rng("staff")
        self.users: list[User] = []
        self.posts: list[tuple[User, str, str, dict[str, Any]]] = []
        self.unclaimed = dict(DEMO_ACCOUNT_BY_ROLE)
        self.taken: set[str] = set()
        # One slow hash shared by all demo accounts; everyone else gets an unusable password.
        self.demo_hash = make_password(DEMO_PASSWORD)
        self.zone = ZoneInfo(settings.TIME_ZONE)

    def user(self, role: Role, username: str, *, persona: bool = False) -> User:
        """Return a new staff user for the role; `persona` makes it the role's demo account if still free."""
        account = self.unclaimed.pop(role, None) if persona else None
        profile = PROFILES[role]
        gender = "M" if self.rng.random() < profile.male_share else "F"
        born = self.rng.randint(*profile.born)
        user = User(
            username=account.username if account else self._unique(username),
            full_name=account.full_name if account else names.person_name(self.rng, gender, born),
            password=self.demo_hash if account else unusable_password(),
            phone=self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}",
            **self._profile(role, born),
        )
        # Administrators use the admin site; the demo administrator may do everything there.
        user.is_staff = role == Role.ADMIN
        user.is_superuser = bool(account) and role == Role.ADMIN
        self.users.append(user)
        return user

    def post(self, user: User, role: Role, level: Level, **scope: Any) -> None:
        """Give the user a post of the role over the scope (grid=…, street=…, department=…)."""
        self.posts.append((user, role.value, level.value, scope))

    def save(self) -> tuple[int, int]:
        """Insert the users, then their posts; return both counts."""
        users = bulk(User, self.users)
        posts = insert_rows(Post, POST_COLUMNS, [self._post_row(*post) for post in self.posts])
        return len(users), posts

    def _post_row(self, user: User, role: str, level: str, scope: dict[str, Any]) -> tuple[Any, ...]:
        # Posts start when their holder started; the value is adapted here as the ORM would.
        started = datetime.combine(user.started_on or FIRST_START, time(9), tzinfo=self.zone)
        areas = tuple(scope[key].pk if scope.get(key) else None for key in POST_COLUMNS[3:8])
        return (user.pk, role, level, *areas, True, connection.ops.adapt_datetimefield_value(started))

    def _unique(self, username: str) -> str:
        candidate, n = username, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{username}.{n}"
        self.taken.add(candidate)
        return candidate

    def _profile(self, role: Role, born: int) -> dict[str, Any]:
        rng = self.rng
        education = rng.choices(
            list(PROFILES[role].education), weights=list(PROFILES[role].education.values())
        )
        started = FIRST_START + timedelta(days=rng.randrange((LAST_START - FIRST_START).days))
        profile: dict[str, Any] = {"education": education[0], "birth_year": born, "started_on": started}
        if role == Role.GRID_WORKER:
            profile["passed_exam"] = rng.random() < EXAM_PASSED_SHARE
            profile["social_work_certificate"] = _certificate(rng)
        return profile


def unusable_password() -> str:
    """Return what `make_password(None)` returns, in a microsecond instead of forty (city-scale builds)."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _certificate(rng: random.Random) -> str:
    draw = rng.random()
    for certificate, share in CERTIFICATE_SHARES.items():
        if draw < share:
            return certificate
        draw -= share
    return SocialWorkCertificate.NONE

"""Navigation entries: the policy names the sections a user may use, this module labels and links them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridgov.people import policy
from gridgov.people.models import User


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url: str  # empty: the section is announced but not built yet
    current: bool = False


def _team_url(user: User) -> str | None:
    grid = policy.primary_grid(user)
    return reverse("people:grid_team", kwargs={"code": grid.code}) if grid else None


# key → (label, function returning the URL, "" for a section still to come, None for no entry)
SECTIONS: dict[str, tuple[str | Promise, Callable[[User], str | None]]] = {
    # Translators: navigation entry of a grid worker, 我的网格
    policy.NAV_MY_GRID: (_("My grid"), lambda user: reverse("home")),
    # Translators: navigation entry, 网格团队 (the "1+3" team of the grid)
    policy.NAV_GRID_TEAM: (_("Grid team"), _team_url),
    # Translators: navigation entry of a grid worker, 巡查上报
    policy.NAV_PATROL: (_("Patrol report"), lambda user: reverse("intake:patrol")),
    # Translators: navigation entry of a grid worker, 群消息 (messages forwarded from the grid's WeCom group)
    policy.NAV_GROUP_MESSAGES: (_("Group messages"), lambda user: reverse("groups:messages")),
    # Translators: navigation entry of a dispatcher, 热线受理
    policy.NAV_HOTLINE: (_("Hotline"), lambda user: reverse("intake:hotline")),
    # Translators: navigation entry, 服务公告 (water cuts, power outages, campaigns)
    policy.NAV_NOTICES: (_("Service notices"), lambda user: reverse("groups:notices")),
    policy.NAV_GRID_CASES: (_("Cases of my grid"), lambda user: reverse("cases:grid")),
    policy.NAV_INBOX: (_("Task inbox"), lambda user: reverse("cases:inbox")),
    # Translators: navigation entry of a dispatcher, 受理调度
    policy.NAV_DISPATCH: (_("Dispatch"), lambda user: reverse("cases:console")),
    policy.NAV_OVERDUE: (_("Overdue board"), lambda user: reverse("cases:overdue")),
    # Translators: navigation entry of a department handler, 本部门
    policy.NAV_DEPARTMENT: (_("My department"), lambda user: reverse("home")),
    # Translators: navigation entry of a leader, 辖区概览
    policy.NAV_OVERVIEW: (_("District overview"), lambda user: reverse("home")),
    # Translators: navigation entry, 辖区 (the areas in the user's scope)
    policy.NAV_TERRITORY: (_("Areas"), lambda user: reverse("territory:district")),
    policy.NAV_MAP: (_("Map"), lambda user: reverse("territory:map")),
    # Translators: navigation entry, 应急专项资金
    policy.NAV_FUND: (_("Emergency fund"), lambda user: reverse("home")),
    policy.NAV_DEPARTMENTS: (_("Departments"), lambda user: reverse("people:departments")),
    policy.NAV_STAFF: (_("Staff"), lambda user: reverse("people:staff")),
    # Translators: navigation entry, 管理后台 (the Django admin site)
    policy.NAV_ADMIN: (_("Admin site"), lambda user: reverse("admin:index")),
}


def nav_items(request: HttpRequest) -> list[NavItem]:
    """Return the labelled links of the sections the policy grants the request's user."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return []
    items = []
    for key in policy.nav_sections(user):
        if key not in SECTIONS:
            continue  # a section another module announces before this shell knows how to link it
        label, url_for = SECTIONS[key]
        try:
            url = url_for(user)
        except NoReverseMatch:
            url = None  # the app serving this section is not installed in this build
        if url is None:
            continue
        items.append(NavItem(key, label, url, current=bool(url) and _is_current(request.path, url)))
    return _one_current(items)


def _is_current(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


def _one_current(items: list[NavItem]) -> list[NavItem]:
    """Keep only the longest matching entry current ("My grid" and "Overview" both point home)."""
    matches = [item for item in items if item.current]
    if len(matches) <= 1:
        return items
    best = max(matches, key=lambda item: len(item.url))
    return [replace(item, current=item is best) for item in items]


def post_label(user: User) -> str:
    """Return "role · scope" of the user's first post, with "+N" when they hold more."""
    posts = sorted(policy.active_posts(user), key=lambda post: post.pk)
    if not posts:
        return ""
    first = posts[0]
    label = f"{first.get_role_display()} · {getattr(first.scope, 'name', first.scope)}"
    return f"{label} +{len(posts) - 1}" if len(posts) > 1 else label

"""The demo accounts: one per role, with a known password, printed by `gridgov demo` and used by tests."""

from __future__ import annotations

from typing import NamedTuple

from gridgov.people.models import Role

DEMO_PASSWORD = "gridgov-demo"
# The grid-level personas all work in the first grid of the first community, whatever the demo size.
FIRST_GRID = "清水塘社区第1网格"
GRID_CENTRE = "区网格化服务管理中心"


class DemoAccount(NamedTuple):
    """A demo login: user name, role, full name and the area or department the post covers."""

    username: str
    role: Role
    full_name: str
    scope: str


def demo_username(role: Role | str) -> str:
    """Return the user name of the demo account of the role, e.g. `demo_grid_worker`."""
    return f"demo_{Role(role).value}"


_PERSONAS: list[tuple[Role, str, str]] = [
    (Role.GRID_WORKER, "刘晓燕", FIRST_GRID),
    (Role.POLICE, "彭建军", FIRST_GRID),
    (Role.URBAN_OFFICER, "谭志刚", FIRST_GRID),
    (Role.CLEANER, "周桂兰", FIRST_GRID),
    (Role.POWER, "罗文斌", FIRST_GRID),
    (Role.WATER, "易海涛", FIRST_GRID),
    (Role.GAS, "曾国庆", FIRST_GRID),
    (Role.PROPERTY, "黄丽娟", FIRST_GRID),
    (Role.BUILDING_LEADER, "陈德明", FIRST_GRID),
    (Role.CADRE, "李卫东", FIRST_GRID),
    (Role.DISPATCHER, "王静", GRID_CENTRE),
    (Role.DEPARTMENT_HANDLER, "张勇", "区城管局"),
    (Role.LEADER, "唐正华", "石峰区"),
    (Role.FUND_OFFICER, "邓敏", GRID_CENTRE),
    (Role.ADMIN, "胡一鸣", "石峰区"),
]

DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount(demo_username(role), role, full_name, scope) for role, full_name, scope in _PERSONAS
]
DEMO_ACCOUNT_BY_ROLE: dict[str, DemoAccount] = {account.role: account for account in DEMO_ACCOUNTS}

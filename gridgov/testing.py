"""A small district for tests: two streets, three communities, four square grids and personas.

Grid layout (WGS-84, each square 0.01° wide, south-west corner at 113.10 E, 27.86 N):

    +------+------+
    |  A2  |  B1  |      A1, A2: community 清水塘 (street 铜塘湾)
    +------+------+      B1: community 云峰 (street 铜塘湾)
    |  A1  |  C1  |      C1: community 丁山 (street 井龙)
    +------+------+
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from gridgov.people.models import Department, Level, Post, Role, User
from gridgov.territory.models import Community, District, Generation, Grid, GridBoundary, Street

WEST, SOUTH, SIZE = 113.10, 27.86, 0.01
PASSWORD = "gridgov-test-pw"


def square(col: int, row: int) -> dict[str, object]:
    """Return the GeoJSON polygon of the test square at the column and row."""
    x0, y0 = WEST + col * SIZE, SOUTH + row * SIZE
    ring = [[x0, y0], [x0 + SIZE, y0], [x0 + SIZE, y0 + SIZE], [x0, y0 + SIZE], [x0, y0]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


@dataclass
class MiniDistrict:
    district: District
    generation: Generation
    grid_a1: Grid
    grid_a2: Grid
    grid_b1: Grid
    grid_c1: Grid
    department: Department
    worker_a: User
    worker_b: User
    police_a: User
    dispatcher: User
    handler: User
    leader: User
    admin: User
    street_dispatcher: User


def make_user(username: str, full_name: str, role: str, **scope: object) -> User:
    """Create a staff user holding one post; scope names the level's object (grid=…, district=…)."""
    user = User.objects.create(username=username, full_name=full_name, password=make_password(PASSWORD))
    level = next(iter(scope))
    Post.objects.create(user=user, role=role, level=level, **scope)
    return user


def make_mini_district() -> MiniDistrict:
    """Create the test district with an active boundary generation and one persona per role group."""
    district = District.objects.create(code="430204", name="石峰区")
    tongtangwan = Street.objects.create(
        district=district, code="430204001", name="铜塘湾办事处", kind="office"
    )
    jinglong = Street.objects.create(district=district, code="430204002", name="井龙街道")
    qingshuitang = Community.objects.create(street=tongtangwan, code="430204001001", name="清水塘社区")
    yunfeng = Community.objects.create(street=tongtangwan, code="430204001002", name="云峰社区")
    dingshan = Community.objects.create(street=jinglong, code="430204002001", name="丁山社区")
    generation = Generation.objects.create(description="test", active=True)
    grids = {}
    for name, community, seq, col, row in [
        ("A1", qingshuitang, 1, 0, 0),
        ("A2", qingshuitang, 2, 0, 1),
        ("B1", yunfeng, 1, 1, 1),
        ("C1", dingshan, 1, 1, 0),
    ]:
        grid = Grid.objects.create(community=community, code=f"{community.code}{seq:03d}", name=f"{name}网格")
        GridBoundary.objects.create(
            grid=grid, generation=generation, geometry=square(col, row), area_m2=1.1e6
        )
        grids[name] = grid
    department = Department.objects.create(code="cgj", name="区城管局")
    return MiniDistrict(
        district=district,
        generation=generation,
        grid_a1=grids["A1"],
        grid_a2=grids["A2"],
        grid_b1=grids["B1"],
        grid_c1=grids["C1"],
        department=department,
        worker_a=make_user("worker_a", "张网格", Role.GRID_WORKER, grid=grids["A1"]),
        worker_b=make_user("worker_b", "李网格", Role.GRID_WORKER, grid=grids["B1"]),
        police_a=make_user("police_a", "王民警", Role.POLICE, grid=grids["A1"]),
        dispatcher=make_user("dispatcher", "赵调度", Role.DISPATCHER, district=district),
        handler=make_user("handler", "钱处置", Role.DEPARTMENT_HANDLER, department=department),
        leader=make_user("leader", "孙领导", Role.LEADER, district=district),
        admin=make_user("admin", "周管理", Role.ADMIN, district=district),
        street_dispatcher=make_user("street_dispatcher", "吴街道", Role.DISPATCHER, street=jinglong),
    )


__all__ = ["PASSWORD", "Level", "MiniDistrict", "make_mini_district", "make_user", "square"]

"""Names for the demo district: places, estates and people, modelled on Shifeng (Zhuzhou).

Everything here is data plus small pure functions that draw from a `random.Random` passed in, so
the same seed always gives the same names.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# The real street offices and streets of Shifeng; 铜塘湾 is still a sub-district office (办事处).
STREETS: list[tuple[str, str]] = [
    ("铜塘湾办事处", "office"),
    ("井龙街道", "street"),
    ("清水塘街道", "street"),
    ("响石岭街道", "street"),
    ("龙头铺街道", "street"),
]

# Communities by street: the real ones the issue names first, then plausible local names.
# 清水塘社区 must stay first: the demo accounts work in 清水塘社区第1网格 whatever the size.
# fmt: off
COMMUNITIES_BY_STREET: list[list[str]] = [
    ["清水塘社区", "云峰社区", "泉塘湾社区", "铜塘湾社区", "建设社区", "北站社区", "九方社区", "合泰社区", "铜霞社区"],
    ["丁山社区", "新社区", "沈家湾社区", "井龙社区", "红旗社区", "先锋社区", "湘华社区", "建宁社区", "荷花社区"],
    ["霞湾社区", "湘天桥社区", "清石社区", "杉木塘社区", "九塘社区", "清水村", "湘水村", "竹园社区", "三角坪社区"],
    ["响石社区", "田心社区", "月塘社区", "车站路社区", "石峰社区", "桃园社区", "湾塘社区", "民主社区", "新华社区"],
    ["郭家塘村", "龙头铺社区", "新塘村", "金山村", "黄塘村", "荷塘铺村", "太阳村", "合兴村", "双塘社区"],
]
# fmt: on

# Estates (小区) known around the real communities; the rest are composed from stems and suffixes.
ESTATES_BY_COMMUNITY: dict[str, list[str]] = {
    "清水塘社区": ["起重生活区", "清水塘小区", "冶炼厂宿舍"],
    "云峰社区": ["云峰花园", "云峰新村"],
    "响石社区": ["石峰新村", "响石岭小区"],
    "田心社区": ["株机生活区", "田心新村"],
    "北站社区": ["北站小区", "铁路新村"],
}

# Characters for composed place names (two characters + 社区/村/街道/花园 …).
_PLACE_FIRST = "清云泉铜井湘响龙杉九合红月先建田金新石荷竹桃双太黄沈丁丰华兴和平安宁福康永长乐东西南北中"
_PLACE_SECOND = "塘湾峰山岭源林桥坪园湖港洲冲铺湘阳泉溪江岗坡桥冈坝渡场田圃亭庄湖里苑堤"
# fmt: off
_ESTATE_STEMS = [
    "起重", "冶炼", "化工", "电力", "株机", "车辆", "玻璃", "水泥", "机务", "铁路", "601", "331",
    "纺织", "电厂", "粮食", "煤炭", "建材", "供销", "邮电", "卫校", "南方", "湘江", "金色", "时代",
    "阳光", "幸福", "和谐", "锦绣", "翡翠", "华庭", "滨江", "北辰", "盛世", "丽景", "天元", "荷塘",
]
_ESTATE_SUFFIXES = ["生活区", "小区", "花园", "新村", "家园", "宿舍", "公寓", "雅苑", "佳园", "名都", "苑"]

# Surnames of Hunan with their rough shares (per mille); the common ones dominate as in real rosters.
SURNAMES: list[tuple[str, float]] = [
    ("刘", 70), ("李", 60), ("陈", 55), ("王", 45), ("张", 40), ("周", 35), ("黄", 33), ("罗", 30),
    ("谭", 28), ("彭", 26), ("唐", 25), ("曾", 23), ("邓", 22), ("杨", 22), ("胡", 20), ("肖", 18),
    ("谢", 17), ("吴", 16), ("易", 15), ("何", 15), ("赵", 12), ("朱", 12), ("蒋", 12), ("文", 10),
    ("戴", 10), ("廖", 10), ("袁", 10), ("邹", 10), ("贺", 9), ("许", 8), ("龙", 8), ("徐", 7),
    ("段", 7), ("田", 7), ("钟", 7), ("郭", 7), ("汤", 6), ("孙", 6), ("尹", 6), ("雷", 6),
    ("欧阳", 6), ("颜", 5), ("丁", 5), ("卢", 5), ("江", 5), ("蔡", 5), ("邱", 5), ("毛", 5),
    ("石", 5), ("夏", 5), ("梁", 5), ("高", 5), ("林", 5), ("郑", 5), ("付", 5), ("向", 5),
    ("喻", 4), ("聂", 4), ("范", 4), ("姚", 4), ("伍", 4), ("马", 4), ("宋", 4), ("潘", 4),
    ("方", 4), ("阳", 4), ("凌", 3), ("左", 3), ("康", 3), ("符", 2), ("晏", 2), ("皮", 2),
]
# fmt: on

# Given-name characters by generation (born before 1965, 1965–1989, from 1990) and gender.
_GIVEN: dict[tuple[int, str], tuple[str, str]] = {
    (0, "M"): ("建国德明华志春福贵清生平永长卫国新正光海金", "国华明生林清平强军成良才福荣发民山德忠"),
    (0, "F"): ("秀桂玉凤翠淑金素月兰冬春美佩满", "英兰珍芳华梅莲娥香琴凤仙花贞秀"),
    (1, "M"): ("志建伟俊文立海晓军小建红卫勇新宏永", "强军华伟斌勇刚峰涛明辉波平东杰林军"),
    (1, "F"): ("丽小红晓海丽艳春美雪玉桂慧", "华燕娟红霞丽萍玲芳敏静艳琼英娜"),
    (2, "M"): ("子浩宇俊梓思博晨一嘉明天志家鹏", "轩宇涛睿杰豪阳铭泽然航博文洋辰"),
    (2, "F"): ("欣佳雨梓诗思可紫静雅晓子语婉一", "怡涵琪婷萱妍雪彤悦瑶琳然月晨菲"),
}


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


_SURNAME_VALUES = [name for name, _ in SURNAMES]
_SURNAME_CUM = _cumulative([share for _, share in SURNAMES])


def surname(rng: random.Random) -> str:
    """Return a surname drawn by its frequency."""
    return rng.choices(_SURNAME_VALUES, cum_weights=_SURNAME_CUM)[0]


def generation(birth_year: int) -> int:
    """Return the naming generation of a birth year (0 before 1965, 1 to 1989, 2 after)."""
    if birth_year < 1965:
        return 0
    return 1 if birth_year < 1990 else 2


def given_name(rng: random.Random, gender: str, birth_year: int) -> str:
    """Return a given name of one or two characters fitting the gender and generation."""
    first, second = _GIVEN[(generation(birth_year), gender)]
    if rng.random() < 0.22:
        return rng.choice(second)
    return rng.choice(first) + rng.choice(second)


def person_name(rng: random.Random, gender: str, birth_year: int, family: str | None = None) -> str:
    """Return a full name; `family` gives the surname shared within a household."""
    return (family or surname(rng)) + given_name(rng, gender, birth_year)


def place_stems(rng: random.Random, exclude: set[str]) -> Iterator[str]:
    """Yield distinct two-character place stems in a seeded order, skipping the excluded ones."""
    stems = [a + b for a in _PLACE_FIRST for b in _PLACE_SECOND if a != b]
    rng.shuffle(stems)
    for stem in stems:
        if stem not in exclude:
            yield stem
    # More than ~1,900 names are only needed at city scale: number them on from there.
    for n in itertools.count(2):
        for stem in stems:
            yield f"{stem}{n}"


def stem_of(name: str) -> str:
    """Return a place name without its 社区/村/街道/办事处 suffix."""
    for suffix in ("办事处", "街道", "社区", "村"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class PlaceName:
    name: str
    kind: str


def street_names(rng: random.Random, count: int) -> list[PlaceName]:
    """Return `count` street names: the real five first, then composed ones."""
    names = [PlaceName(name, kind) for name, kind in STREETS[:count]]
    taken = {stem_of(name) for name, _ in STREETS}
    stems = place_stems(rng, taken)
    while len(names) < count:
        names.append(PlaceName(next(stems) + "街道", "street"))
    return names


def community_names(rng: random.Random, counts: Sequence[int]) -> list[list[PlaceName]]:
    """Return the community names of each street (`counts[i]` for street i), all distinct."""
    known = {stem_of(name) for names in COMMUNITIES_BY_STREET for name in names}
    stems = place_stems(rng, known)
    result = []
    for index, count in enumerate(counts):
        pool = COMMUNITIES_BY_STREET[index] if index < len(COMMUNITIES_BY_STREET) else []
        names = [PlaceName(name, _community_kind(name)) for name in pool[:count]]
        while len(names) < count:
            # About one in eight composed places is a village, as on the district's rural edge.
            village = rng.random() < 0.125
            names.append(
                PlaceName(next(stems) + ("村" if village else "社区"), "village" if village else "community")
            )
        result.append(names)
    return result


def _community_kind(name: str) -> str:
    return "village" if name.endswith("村") else "community"


class EstateNamer:
    """Hand out estate names that are unique in the whole build, so addresses stay unambiguous."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def names_for(self, community: str, count: int) -> list[str]:
        """Return `count` new estate names for the community, its known estates first."""
        known = [name for name in ESTATES_BY_COMMUNITY.get(community, []) if name not in self._used]
        candidates = [stem_of(community) + suffix for suffix in _ESTATE_SUFFIXES]
        self._rng.shuffle(candidates)
        candidates += known[::-1]  # popped from the end: the known estates come first
        names: list[str] = []
        while len(names) < count:
            name = candidates.pop() if candidates else self._composed()
            if name not in self._used:
                self._used.add(name)
                names.append(name)
        return names

    def _composed(self) -> str:
        name = self._rng.choice(_ESTATE_STEMS) + self._rng.choice(_ESTATE_SUFFIXES)
        # A taken name becomes a later phase of the same estate (二期, 三期 …), which always ends.
        phase = 2
        while f"{name}{phase}期" in self._used and name in self._used:
            phase += 1
        return name if name not in self._used else f"{name}{phase}期"

"""What is reported, when and through which channel: the proportions of a year of cases.

Weights are per thousand reports. Sanitation and street lights dominate, as in every district's
monthly figures; lost persons, gas smells and fallen trees are rare. Volume follows the seasons
(summer is busiest, the Spring Festival month quietest), the week (rest days are quieter) and the
hour (residents write in the morning, the afternoon and after dinner; grid workers patrol in office
hours).
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from gridgov.cases.calendar import DEFAULT_PERIODS
from gridgov.cases.models import Channel
from gridgov.lib.worktime import SHANGHAI, WorkCalendar


@dataclass(frozen=True)
class Matter:
    """A matter code with its weight, how often the grid worker solves it in the grid, and its season.

    `patrol` multiplies the weight for reports a grid worker makes on patrol: 0 for matters that
    only residents see (a leak in a flat), above 1 for what the street shows (litter, small ads).
    """

    code: str
    weight: float
    in_grid: float
    patrol: float
    season: str = "flat"


# Monthly factors, January first.
SEASONS: dict[str, tuple[float, ...]] = {
    "flat": (1,) * 12,
    "summer_mild": (0.85, 0.85, 0.9, 1, 1.05, 1.15, 1.2, 1.2, 1.1, 1, 0.9, 0.85),
    "summer": (0.6, 0.6, 0.8, 1, 1.2, 1.4, 1.5, 1.4, 1.2, 0.9, 0.7, 0.6),
    "summer_strong": (0.2, 0.2, 0.5, 0.9, 1.4, 1.9, 2.2, 2.0, 1.4, 0.7, 0.3, 0.2),
    "winter": (1.35, 1.25, 1.05, 0.9, 0.8, 0.75, 0.75, 0.8, 0.9, 1.05, 1.2, 1.35),
    # Hunan's plum rains (梅雨) from April to June: potholes, leaks, blocked drains.
    "rainy": (0.7, 0.8, 1.1, 1.4, 1.5, 1.6, 1.3, 1.0, 0.8, 0.7, 0.7, 0.7),
    "storm": (0.2, 0.2, 0.6, 1.2, 1.5, 2.5, 2.5, 2.0, 1.0, 0.4, 0.2, 0.2),
    "ice": (4, 2, 0.1, 0, 0, 0, 0, 0, 0, 0, 0.3, 2.5),
    # Termites swarm after the first warm rains.
    "termite": (0.2, 0.2, 0.8, 2.5, 3, 2, 0.8, 0.5, 0.4, 0.3, 0.2, 0.2),
    "dry": (1.2, 1.1, 0.9, 0.8, 0.8, 0.7, 0.9, 1.0, 1.1, 1.2, 1.2, 1.2),
}

M = Matter
MATTERS: tuple[Matter, ...] = (
    # City management: sanitation first.
    M("06010", 100, 0.55, 2.0, "summer_mild"),  # 暴露垃圾
    M("06042", 45, 0.3, 1.5, "summer_mild"),  # 垃圾满溢
    M("06011", 30, 0.35, 1.5),  # 积存垃圾渣土
    M("06012", 25, 0.45, 1.5),  # 道路不洁
    M("06036", 25, 0.6, 1.5),  # 乱堆杂物
    M("06017", 18, 0.5, 1.5),  # 绿地脏乱
    M("01037", 85, 0, 0.8, "winter"),  # 路灯异常
    M("06013", 50, 0, 1.0, "rainy"),  # 道路破损
    M("04013", 15, 0.1, 1.0),  # 绿地异常
    M("04002", 15, 0, 1.0, "summer"),  # 行道树异常
    M("06045", 8, 0.3, 1.5),  # 非法占绿毁绿
    M("09009", 50, 0.25, 1.5),  # 机动车乱停放
    M("09010", 20, 0.7, 2.0),  # 非机动车乱停放
    M("09011", 10, 0.7, 2.0),  # 共享单车乱象
    M("09006", 35, 0.5, 2.0),  # 占道经营
    M("09005", 18, 0.55, 2.0),  # 店外经营
    M("07001", 30, 0.8, 2.5),  # 非法小广告
    M("06028", 25, 0.2, 0.3, "summer"),  # 噪声扰民
    M("06027", 10, 0.1, 0.5),  # 油烟污染
    M("06029", 8, 0.4, 1.0, "summer_strong"),  # 露天烧烤
    M("01023", 12, 0, 1.0),  # 不明井盖异常
    M("01002", 6, 0, 1.0),  # 污水井盖异常
    M("06034", 8, 0.2, 1.5),  # 废弃车辆
    M("06001", 12, 0.1, 1.5),  # 私搭乱建
    M("08001", 8, 0, 0.5),  # 施工扰民
    M("08004", 7, 0, 1.0, "dry"),  # 工地扬尘
    M("09012", 10, 0.5, 1.5),  # 占用消防通道
    M("03005", 8, 0.2, 1.5),  # 垃圾箱异常
    M("03001", 4, 0, 1.0),  # 公共厕所异常
    M("01046", 5, 0, 1.0),  # 户外健身设施异常
    M("10001", 3, 0.2, 1.0, "ice"),  # 道路积雪、结冰
    # Social governance.
    M("S01001", 30, 0.75, 0.6),  # 邻里纠纷
    M("S01002", 8, 0.7, 0.3),  # 家庭纠纷
    M("S01003", 12, 0.3, 0.3),  # 物业纠纷
    M("S01004", 5, 0.1, 0.2),  # 劳资纠纷
    M("S01006", 4, 0.3, 0.2),  # 房屋土地纠纷
    M("S02001", 10, 0.2, 1.0),  # 治安隐患
    M("S02003", 8, 0.3, 1.5),  # 消防隐患
    M("S02004", 14, 0.6, 1.5),  # 电动自行车违规充电
    M("S02005", 4, 0, 0.3),  # 高空坠物
    M("S02008", 2, 0, 0.5),  # 房屋安全隐患
    M("S02006", 1.5, 0, 0.1),  # 燃气泄漏或异味
    M("S02007", 1.5, 0, 0.5, "storm"),  # 倒伏树木阻断道路
    M("S02011", 1.5, 0, 0),  # 电梯困人
    M("S03001", 0.6, 0, 0),  # 走失人员
    M("S03002", 8, 0.8, 2.0),  # 特殊人群关爱
    M("S03004", 5, 0.85, 2.0),  # 流动人口
    M("S03005", 4, 0.7, 1.5),  # 出租房屋
    # Livelihood services.
    M("L01001", 12, 0.2, 0.2),  # 物业服务问题
    M("L01003", 15, 0.2, 0.8),  # 小区公共设施损坏
    M("L01004", 20, 0.15, 0.1, "rainy"),  # 房屋漏水
    M("L01005", 8, 0, 0.2),  # 住宅电梯故障
    M("L01006", 8, 0.4, 0.5),  # 小区停车问题
    M("L01008", 12, 0.6, 1.5),  # 小区环境卫生
    M("L01002", 1.5, 0.2, 0),  # 业委会组建与换届
    M("L02001", 6, 0, 0),  # 停水
    M("L02002", 6, 0, 0.5, "winter"),  # 供水管道破裂
    M("L02004", 6, 0, 0, "summer"),  # 停电
    M("L02005", 5, 0, 0.8),  # 电力线路隐患
    M("L02007", 18, 0.15, 0.5, "rainy"),  # 下水道堵塞
    M("L03001", 5, 0, 0.2, "termite"),  # 白蚁
    M("L03002", 7, 0.2, 0.5, "summer_strong"),  # 病媒生物
    M("L03004", 5, 0.3, 0.5),  # 流浪动物
    M("L04001", 5, 0.6, 0.2),  # 政策咨询
    M("L04002", 2, 0.3, 0.2),  # 意见建议
)

# Volume by month (the Spring Festival falls in January or February) and by weekday (Monday first).
MONTHS = (0.85, 0.7, 0.95, 1.0, 1.05, 1.15, 1.2, 1.15, 1.05, 0.95, 0.95, 0.9)
WEEKDAYS = (1.08, 1.05, 1.05, 1.04, 1.0, 0.82, 0.74)
HOLIDAY = 0.7
# Channel shares on workdays and on rest days: about 35% snap, 30% WeChat, 20% patrol, 10% hotline.
CHANNELS: tuple[str, ...] = (
    Channel.SNAP,
    Channel.WECHAT,
    Channel.PATROL,
    Channel.HOTLINE,
    Channel.WECOM,
    Channel.DESK,
)
WORKDAY_SHARES = (0.325, 0.28, 0.255, 0.093, 0.027, 0.02)
REST_DAY_SHARES = (0.42, 0.37, 0.04, 0.13, 0.04, 0.0)
# Residents' reports by hour of day (0–23), and the hotline's office hours.
HOURS = (0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 7, 8, 7, 4, 3, 5, 7, 7, 6, 4, 5, 6, 4, 2, 1)
HOTLINE_HOURS = (8, 20)
DAYS = 365


@dataclass(frozen=True)
class Moment:
    """When a report came in and through which channel."""

    at: datetime
    channel: str


def year_days(until: date) -> list[date]:
    """Return the 365 days before `until` (the year of cases ends when that day begins)."""
    return [until - timedelta(days=DAYS - k) for k in range(DAYS)]


def day_weight(day: date, calendar: WorkCalendar) -> float:
    """Return how busy the day is: its month, its weekday, less on a holiday."""
    weight = MONTHS[day.month - 1] * WEEKDAYS[day.weekday()]
    if day.weekday() < 5 and not calendar.is_workday(day):
        weight *= HOLIDAY
    return weight


def report_moments(rng: random.Random, count: int, until: date, calendar: WorkCalendar) -> list[Moment]:
    """Return the moments and channels of `count` reports over the year before `until`, in time order."""
    days = year_days(until)
    cumulative = list(accumulate(day_weight(day, calendar) for day in days))
    workday_cum = list(accumulate(WORKDAY_SHARES))
    rest_cum = list(accumulate(REST_DAY_SHARES))
    moments = []
    for day in rng.choices(days, cum_weights=cumulative, k=count):
        workday = calendar.is_workday(day)
        shares = workday_cum if workday else rest_cum
        channel = CHANNELS[bisect(shares, rng.random() * shares[-1])]
        moments.append(Moment(_moment(rng, day, channel, workday), channel))
    moments.sort(key=lambda moment: moment.at)
    return moments


def _moment(rng: random.Random, day: date, channel: str, workday: bool) -> datetime:
    """Return a time of the day at which the channel brings a report."""
    if channel == Channel.PATROL or channel == Channel.DESK:
        start, end = rng.choice(DEFAULT_PERIODS) if workday else (time(9), time(17))
        first, last = _seconds(start), _seconds(end)
        seconds = rng.randrange(first, last)
    elif channel == Channel.HOTLINE:
        seconds = rng.randrange(HOTLINE_HOURS[0] * 3600, HOTLINE_HOURS[1] * 3600)
    else:
        hour = rng.choices(range(24), weights=HOURS)[0]
        seconds = hour * 3600 + rng.randrange(3600)
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(seconds=seconds)


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60


class MatterPicker:
    """Draw the matter of a report by month and by whether a grid worker found it on patrol."""

    def __init__(self, matters: Sequence[Matter]) -> None:
        if not matters:
            raise ValueError("no matter to draw from")
        self.matters = list(matters)
        self._tables: dict[tuple[int, bool], list[float]] = {}
        for month in range(12):
            for patrol in (False, True):
                weights = [self._weight(m, month, patrol) for m in self.matters]
                if not any(weights):  # nothing a patrol finds this month: take any matter
                    weights = [self._weight(m, month, False) for m in self.matters]
                self._tables[month, patrol] = list(accumulate(weights))

    @staticmethod
    def _weight(matter: Matter, month: int, patrol: bool) -> float:
        return matter.weight * SEASONS[matter.season][month] * (matter.patrol if patrol else 1.0)

    def pick(self, rng: random.Random, month: int, patrol: bool) -> Matter:
        """Return a matter for a report in the month (1–12)."""
        table = self._tables[month - 1, patrol]
        return self.matters[min(bisect(table, rng.random() * table[-1]), len(table) - 1)]

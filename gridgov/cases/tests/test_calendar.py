from __future__ import annotations

from datetime import date, time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from gridgov.cases.calendar import (
    DEFAULT_PERIODS,
    MAKE_UP_WORKDAY,
    current_calendar,
    holiday_name,
    known_years,
    seed_calendar,
    statutory_days,
)
from gridgov.cases.models import CalendarDay, WorkPeriod

SEEDED = CalendarDay.Source.SEEDED
MANUAL = CalendarDay.Source.MANUAL


@pytest.fixture
def seeded(db: None) -> None:
    """Make sure 2026 is seeded (the data migration does it; flushed databases need it again)."""
    seed_calendar([2026], commit=True)


def run_seed(*args: str) -> str:
    """Run `gridgov calendar_seed` and return its output."""
    out = StringIO()
    with translation.override("en"):
        call_command("calendar_seed", *args, stdout=out)
    return out.getvalue()


# --- the statutory calendar -----------------------------------------------------------------------


def test_it_keeps_only_the_days_that_differ_from_the_weekly_rule() -> None:
    days = {seed.date: seed for seed in statutory_days(2026)}
    assert days[date(2026, 10, 1)].name == "国庆节"
    assert not days[date(2026, 10, 1)].is_workday
    assert date(2026, 10, 3) not in days  # a Saturday: off anyway
    assert days[date(2026, 9, 20)].is_workday
    assert days[date(2026, 9, 20)].name == MAKE_UP_WORKDAY
    assert all(seed.is_workday == (seed.date.weekday() >= 5) for seed in days.values())


def test_it_names_holidays_in_chinese() -> None:
    names = {seed.name for seed in statutory_days(2026)}
    assert names == {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节", MAKE_UP_WORKDAY}
    assert holiday_name("Anti-Fascist 70th Day").startswith("抗战胜利")


def test_it_knows_the_years_of_the_package() -> None:
    assert known_years().start == 2004
    assert 2026 in known_years()


# --- the data migration and the command -----------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_seeded_the_known_years_and_office_hours(seeded: None) -> None:
    national_day = CalendarDay.objects.get(date=date(2026, 10, 1))
    assert (national_day.is_workday, national_day.name, national_day.source) == (False, "国庆节", SEEDED)
    assert CalendarDay.objects.filter(date__year=2004).exists()
    assert [(p.start, p.end) for p in WorkPeriod.objects.all()] == list(DEFAULT_PERIODS)


@pytest.mark.django_db
def test_a_dry_run_says_what_it_would_write_and_writes_nothing(seeded: None) -> None:
    CalendarDay.objects.filter(date__year=2026).delete()
    out = run_seed("--year", "2026")
    assert "+ 2026-10-01 国庆节" in out
    assert "+ 2026-09-20 调休上班" in out
    assert not CalendarDay.objects.filter(date__year=2026).exists()


@pytest.mark.django_db
def test_commit_writes_and_a_second_run_changes_nothing(seeded: None) -> None:
    CalendarDay.objects.filter(date__year=2026).delete()
    run_seed("--year", "2026", "--commit")
    assert CalendarDay.objects.filter(date__year=2026, source=SEEDED).count() == len(statutory_days(2026))
    again = run_seed("--year", "2026", "--commit")
    assert "0 to add, 0 to change, 0 to remove" in again


@pytest.mark.django_db
def test_a_reseed_never_overwrites_a_manual_day(seeded: None) -> None:
    CalendarDay.objects.filter(date=date(2026, 10, 2)).update(name="国庆节（值班）", source=MANUAL)
    out = run_seed("--year", "2026", "--commit")
    assert "2026-10-02" in out
    day = CalendarDay.objects.get(date=date(2026, 10, 2))
    assert (day.name, day.source) == ("国庆节（值班）", MANUAL)


@pytest.mark.django_db
def test_a_reseed_corrects_and_removes_seeded_days_but_not_manual_ones(seeded: None) -> None:
    CalendarDay.objects.filter(date=date(2026, 10, 1)).update(name="wrong")
    CalendarDay.objects.create(date=date(2026, 3, 3), is_workday=False, name="stale", source=SEEDED)
    CalendarDay.objects.create(date=date(2026, 3, 4), is_workday=False, name="区运动会", source=MANUAL)
    out = run_seed("--year", "2026", "--commit")
    assert "~ 2026-10-01 国庆节" in out
    assert "- 2026-03-03" in out
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert not CalendarDay.objects.filter(date=date(2026, 3, 3)).exists()
    assert CalendarDay.objects.filter(date=date(2026, 3, 4), source=MANUAL).exists()


@pytest.mark.django_db
def test_it_refuses_a_year_the_package_does_not_know() -> None:
    with pytest.raises(CommandError, match="by hand"):
        run_seed("--year", "2099")


@pytest.mark.django_db
def test_it_installs_office_hours_only_when_there_are_none(seeded: None) -> None:
    WorkPeriod.objects.all().delete()
    WorkPeriod.objects.create(start=time(9, 0), end=time(17, 0))
    run_seed("--year", "2026", "--commit")
    assert [(p.start, p.end) for p in WorkPeriod.objects.all()] == [(time(9, 0), time(17, 0))]


# --- the cached calendar --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_current_calendar_knows_the_stored_days(seeded: None) -> None:
    calendar = current_calendar()
    assert not calendar.is_workday(date(2026, 10, 1))
    assert calendar.is_workday(date(2026, 9, 20))


@pytest.mark.django_db
def test_the_current_calendar_is_cached(seeded: None, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    current_calendar()
    with django_assert_num_queries(0):
        for _ in range(100):
            current_calendar()


@pytest.mark.django_db
def test_saving_a_day_refreshes_the_calendar(seeded: None) -> None:
    assert current_calendar().is_workday(date(2027, 10, 1))  # not known to the package yet
    CalendarDay.objects.create(date=date(2027, 10, 1), is_workday=False, name="国庆节")
    assert not current_calendar().is_workday(date(2027, 10, 1))
    CalendarDay.objects.filter(date=date(2027, 10, 1)).delete()
    assert current_calendar().is_workday(date(2027, 10, 1))


@pytest.mark.django_db
def test_changing_the_periods_refreshes_the_calendar(seeded: None) -> None:
    assert current_calendar().day_micros == 7 * 3600 * 10**6
    period = WorkPeriod.objects.get(start=time(14, 0))
    period.end = time(18, 0)
    period.save()
    assert current_calendar().day_micros == 7.5 * 3600 * 10**6


@pytest.mark.django_db
def test_without_stored_periods_the_office_hours_apply(seeded: None) -> None:
    WorkPeriod.objects.all().delete()
    assert current_calendar().day_micros == 7 * 3600 * 10**6


# --- admin ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_administrator_lists_the_days_of_a_year(client, mini, seeded: None) -> None:  # type: ignore[no-untyped-def]
    client.force_login(mini.admin)
    response = client.get("/admin/cases/calendarday/", {"year": "2026", "source": SEEDED})
    assert response.status_code == 200
    assert "国庆节" in response.content.decode()
    assert response.context["cl"].result_count == len(statutory_days(2026))


@pytest.mark.django_db
def test_a_day_added_in_the_admin_is_manual(client, mini, seeded: None) -> None:  # type: ignore[no-untyped-def]
    client.force_login(mini.admin)
    response = client.post(
        "/admin/cases/calendarday/add/", {"date": "2027-10-01", "is_workday": "", "name": "国庆节"}
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get(date=date(2027, 10, 1))
    assert (day.is_workday, day.source) == (False, MANUAL)
    assert not current_calendar().is_workday(date(2027, 10, 1))


@pytest.mark.django_db
def test_the_admin_refuses_a_day_that_matches_the_weekly_rule(client, mini, seeded: None) -> None:  # type: ignore[no-untyped-def]
    client.force_login(mini.admin)
    response = client.post(
        "/admin/cases/calendarday/add/", {"date": "2027-10-09", "is_workday": "", "name": "x"}
    )
    assert response.status_code == 200  # a Saturday is a rest day already
    assert response.context["adminform"].form.errors
    assert not CalendarDay.objects.filter(date=date(2027, 10, 9)).exists()


@pytest.mark.django_db
def test_the_admin_refuses_overlapping_periods(client, mini, seeded: None) -> None:  # type: ignore[no-untyped-def]
    client.force_login(mini.admin)
    response = client.post("/admin/cases/workperiod/add/", {"start": "11:00", "end": "15:00"})
    assert response.status_code == 200
    assert WorkPeriod.objects.count() == 2


@pytest.mark.django_db
def test_a_grid_worker_cannot_open_the_calendar_admin(client, mini) -> None:  # type: ignore[no-untyped-def]
    client.force_login(mini.worker_a)
    response = client.get("/admin/cases/calendarday/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

"""Seed the statutory holidays and make-up workdays the chinese_calendar package knows, and office hours."""

from django.db import migrations


def seed(apps, schema_editor):
    # The seeder takes the historical models, so it must use only the fields of 0001_initial.
    from gridgov.cases.calendar import known_years, seed_calendar

    seed_calendar(
        known_years(),
        commit=True,
        day_model=apps.get_model("cases", "CalendarDay"),
        period_model=apps.get_model("cases", "WorkPeriod"),
        using=schema_editor.connection.alias,
    )


def unseed(apps, schema_editor):
    # Days entered by hand and the working periods an administrator may have changed stay.
    apps.get_model("cases", "CalendarDay").objects.using(schema_editor.connection.alias).filter(
        source="seeded"
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_load_categories"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]

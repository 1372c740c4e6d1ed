"""Load the GB/T 47678.5 categories, the local extensions and the default time limits."""

from django.db import migrations


def load(apps, schema_editor):
    # The loader takes the historical models, so it must use only the fields of 0001_initial.
    from gridgov.cases.categories import load_categories

    load_categories(
        commit=True,
        category_model=apps.get_model("cases", "Category"),
        time_limit_model=apps.get_model("cases", "TimeLimit"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]

# The grid's group-robot webhook moved to groups.GroupRobot (with its state and who set it); a webhook
# already entered on a grid is carried over before the column goes.

from django.db import migrations
from django.utils import timezone


def carry_over(apps, schema_editor):
    Grid = apps.get_model("territory", "Grid")
    GroupRobot = apps.get_model("groups", "GroupRobot")
    now = timezone.now()
    GroupRobot.objects.bulk_create(
        [
            GroupRobot(grid_id=grid_id, webhook_url=url, active=True, updated_at=now)
            for grid_id, url in Grid.objects.exclude(wecom_webhook="").values_list("id", "wecom_webhook")
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("territory", "0001_initial"),
        ("groups", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(model_name="grid", name="wecom_webhook"),
    ]

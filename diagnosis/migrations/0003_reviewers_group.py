"""The "Reviewers" group: its members may record the confirmed finding of a scan."""

from django.db import migrations

GROUP = "Reviewers"


def add_group(apps, schema_editor):
    # Permission rows are normally made after all migrations; this one is needed now.
    content_type, _ = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="diagnosis", model="scan"
    )
    permission, _ = apps.get_model("auth", "Permission").objects.get_or_create(
        codename="review_scan",
        content_type=content_type,
        defaults={"name": "Can record the confirmed finding of a scan"},
    )
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("diagnosis", "0002_review_patient_key_content_hash"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_group, remove_group)]

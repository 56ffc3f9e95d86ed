from django.db import migrations


def create_merchants_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Merchants")


def remove_merchants_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name="Merchants").delete()


class Migration(migrations.Migration):
    """The group exists from here on; its permissions are synced after every migrate."""

    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_merchants_group, remove_merchants_group)]

from django.db import migrations

INDEX = "catalog_product_search_gin"


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_product USING gin (search_vector)"
        )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    """Full-text search index; PostgreSQL only (SQLite searches with a simple fallback)."""

    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_search_index, drop_search_index)]

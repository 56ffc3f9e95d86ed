from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "catalog_product_name_zh_trgm": "name_zh_hans",
    "catalog_product_name_en_trgm": "name_en",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON catalog_product "
            f"USING gin ({column} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def reindex(apps, schema_editor):
    """Rebuild every product's vector with the words jieba cuts, in both languages."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from catalog.search import document

    Product = apps.get_model("catalog", "Product")
    for product in Product.objects.iterator(chunk_size=500):
        Product.objects.filter(pk=product.pk).update(
            search_vector=document(
                names=[product.name_zh_hans, product.name_en],
                subtitles=[product.subtitle_zh_hans, product.subtitle_en],
                descriptions=[product.description_zh_hans, product.description_en],
                english=[product.name_en, product.subtitle_en, product.description_en],
            )
        )


class Migration(migrations.Migration):
    """pg_trgm for substrings and typos, and the search vectors rebuilt for Chinese.
    PostgreSQL only: on SQLite every step does nothing (CreateExtension checks the vendor)."""

    dependencies = [("catalog", "0004_catalog_content_in_two_languages")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
        migrations.RunPython(reindex, migrations.RunPython.noop),
    ]

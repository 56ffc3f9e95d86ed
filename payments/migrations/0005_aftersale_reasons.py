"""The after-sales reasons a new shop starts with (merchants edit them in the admin)."""

from django.db import migrations

REASONS = [
    # (zh-hans, en, offered for)
    ("不想要了", "Changed my mind", "any"),
    ("拍错了/多拍了", "Ordered the wrong item or too many", "refund"),
    ("未按约定时间发货", "Not shipped on time", "refund"),
    ("商品破损", "Arrived damaged", "return"),
    ("商品与描述不符", "Not as described", "return"),
    ("质量问题", "Quality problem", "return"),
    ("少件/漏发", "Items missing", "any"),
    ("其他", "Other", "any"),
]


def add(apps, schema_editor):
    reason = apps.get_model("payments", "AfterSaleReason")
    if reason.objects.exists():
        return
    reason.objects.bulk_create(
        reason(name=zh, name_zh_hans=zh, name_en=en, applies_to=applies, position=index)
        for index, (zh, en, applies) in enumerate(REASONS)
    )


class Migration(migrations.Migration):
    dependencies = [("payments", "0004_refunds_and_aftersales")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]

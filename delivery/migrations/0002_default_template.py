"""The flat fee the shop charged before templates (ORDER_SHIPPING_FEE, free at
ORDER_FREE_SHIPPING_THRESHOLD) becomes the default template, so nothing changes for a shop
that never opens the templates page."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations


def make_default(apps, schema_editor):
    ShippingTemplate = apps.get_model("delivery", "ShippingTemplate")
    if ShippingTemplate.objects.filter(is_default=True).exists():
        return
    ShippingTemplate.objects.create(
        name="默认运费",
        charge_by="piece",
        first_units=Decimal("1"),
        first_fee=settings.ORDER_SHIPPING_FEE,
        extra_units=Decimal("1"),
        extra_fee=Decimal("0"),
        free_over_amount=settings.ORDER_FREE_SHIPPING_THRESHOLD,
        is_default=True,
    )


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_initial")]

    operations = [migrations.RunPython(make_default, migrations.RunPython.noop)]

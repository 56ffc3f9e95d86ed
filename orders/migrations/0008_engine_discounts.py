"""The price engine's figures on orders: the discount of an order and of each line, and the
discounts themselves with their share of each line. Orders from before had none: each line
cost its line total."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, Q


def lines_paid_their_totals(apps, schema_editor):
    apps.get_model("orders", "OrderItem").objects.update(paid_amount=F("line_total"))


class Migration(migrations.Migration):
    dependencies = [("orders", "0007_event_note_keys_and_sources")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="discount_amount",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="discount"
            ),
        ),
        migrations.AddField(
            model_name="orderitem",
            name="discount_amount",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="discount"
            ),
        ),
        migrations.AddField(
            model_name="orderitem",
            name="paid_amount",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=12, verbose_name="paid"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(lines_paid_their_totals, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=Q(
                    discount_amount__gte=0,
                    total_amount=F("items_amount") + F("shipping_fee") - F("discount_amount"),
                ),
                name="orders_order_total_adds_up",
            ),
        ),
        migrations.AddConstraint(
            model_name="orderitem",
            constraint=models.CheckConstraint(
                condition=Q(
                    discount_amount__gte=0,
                    paid_amount__gte=0,
                    paid_amount=F("line_total") - F("discount_amount"),
                ),
                name="orders_item_paid_adds_up",
            ),
        ),
        migrations.CreateModel(
            name="OrderDiscount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stage", models.PositiveSmallIntegerField(verbose_name="stage")),
                ("kind", models.CharField(max_length=20, verbose_name="kind")),
                ("source", models.CharField(max_length=64, verbose_name="source")),
                ("label", models.CharField(max_length=200, verbose_name="discount")),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=12, verbose_name="amount"),
                ),
                (
                    "target",
                    models.CharField(
                        choices=[("items", "Items"), ("shipping", "Shipping")],
                        default="items",
                        max_length=10,
                        verbose_name="on",
                    ),
                ),
                ("details", models.JSONField(blank=True, default=dict)),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="discounts",
                        to="orders.order",
                        verbose_name="order",
                    ),
                ),
            ],
            options={
                "verbose_name": "order discount",
                "verbose_name_plural": "order discounts",
                "ordering": ["stage", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("order", "source"), name="orders_discount_one_per_source"
                    ),
                    models.CheckConstraint(condition=Q(amount__gt=0), name="orders_discount_gt_0"),
                ],
                "indexes": [models.Index(fields=["kind", "source"], name="orders_discount_source")],
            },
        ),
        migrations.CreateModel(
            name="OrderItemDiscount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=12, verbose_name="amount"),
                ),
                (
                    "discount",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="allocations",
                        to="orders.orderdiscount",
                        verbose_name="discount",
                    ),
                ),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="discounts",
                        to="orders.orderitem",
                        verbose_name="order item",
                    ),
                ),
            ],
            options={
                "verbose_name": "line discount",
                "verbose_name_plural": "line discounts",
                "ordering": ["pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("item", "discount"), name="orders_item_discount_one_per_line"
                    ),
                    models.CheckConstraint(
                        condition=Q(amount__gt=0), name="orders_item_discount_gt_0"
                    ),
                ],
            },
        ),
    ]

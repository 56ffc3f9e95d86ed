from decimal import Decimal

from delivery.models import ShippingRule, ShippingTemplate

MONEY_OR_UNITS = {"first_units", "first_fee", "extra_units", "extra_fee", "free_over_amount"}


def set_default_shipping(fee="10.00", free_over_amount="99.00", **fields) -> ShippingTemplate:
    """The default template charging ``fee`` an order, free from ``free_over_amount`` (None:
    never), made again should the database have been flushed."""
    template, _ = ShippingTemplate.objects.update_or_create(
        is_default=True,
        defaults={
            "name": "默认运费",
            "charge_by": "piece",
            "first_units": Decimal("1"),
            "first_fee": Decimal(fee),
            "extra_units": Decimal("1"),
            "extra_fee": Decimal("0"),
            "free_over_amount": None if free_over_amount is None else Decimal(free_over_amount),
            "free_over_pieces": None,
            **fields,
        },
    )
    return template


def make_shipping_template(name="模板", *, rules=(), **fields) -> ShippingTemplate:
    """A template (by piece, ¥10 the first, ¥5 each extra, never free unless told) with
    ``rules``: dicts of a ShippingRule's fields."""
    values = {
        "charge_by": "piece",
        "first_units": Decimal("1"),
        "first_fee": Decimal("10.00"),
        "extra_units": Decimal("1"),
        "extra_fee": Decimal("5.00"),
    } | {
        k: Decimal(v) if isinstance(v, str) and k in MONEY_OR_UNITS else v
        for k, v in fields.items()
    }
    template = ShippingTemplate.objects.create(name=name, **values)
    for position, rule in enumerate(rules):
        rule = {"first_fee": Decimal("0"), **rule}
        ShippingRule.objects.create(
            template=template,
            position=position,
            **{
                k: Decimal(v) if isinstance(v, str) and k != "regions" else v
                for k, v in rule.items()
            },
        )
    return template

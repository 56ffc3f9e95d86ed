"""Demo shipping: the default template (the flat fee) dearer in 新疆 and 西藏, cheaper in 江浙沪
and not delivered to 港澳台; a template by weight for bulky goods. Idempotent."""

from decimal import Decimal

from delivery.models import ShippingRule, ShippingTemplate

FAR = ["650000", "540000"]  # 新疆, 西藏
NEAR = ["310000", "320000", "330000"]  # 上海, 江苏, 浙江
ABROAD = ["810000", "820000", "710000"]  # 香港, 澳门, 台湾
BULKY = "大件 · 按重量"


def seed(stdout) -> None:
    default = ShippingTemplate.objects.filter(is_default=True).first()
    if default is not None and not default.rules.exists():
        _rules(
            default,
            (FAR, True, "20.00", "0", None),
            (NEAR, True, "6.00", "0", "59.00"),
            (ABROAD, False, "0", "0", None),
        )
    bulky, made = ShippingTemplate.objects.get_or_create(
        name=BULKY,
        defaults={
            "charge_by": "weight",
            "first_units": Decimal("1"),
            "first_fee": Decimal("12.00"),
            "extra_units": Decimal("1"),
            "extra_fee": Decimal("4.00"),
            "free_over_amount": Decimal("299.00"),
        },
    )
    if made:
        _rules(bulky, (FAR, True, "30.00", "10.00", None), (ABROAD, False, "0", "0", None))
    stdout.write(f"delivery: {ShippingTemplate.objects.count()} shipping templates")


def _rules(template, *rules) -> None:
    for position, (codes, delivers, first, extra, free) in enumerate(rules):
        ShippingRule.objects.create(
            template=template,
            regions=codes,
            delivers=delivers,
            first_fee=Decimal(first),
            extra_fee=Decimal(extra),
            free_over_amount=None if free is None else Decimal(free),
            position=position,
        )

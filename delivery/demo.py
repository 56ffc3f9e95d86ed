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
    seed_pickup(stdout)


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


def seed_pickup(stdout) -> None:
    """Two pickup points in Shanghai (the merchant is the staff of the first) and three
    slots a day."""
    import datetime

    from accounts.models import User
    from delivery.models import DeliverySlot, LocalArea, PickupPoint

    if not PickupPoint.objects.exists():
        first = PickupPoint.objects.create(
            name="世纪大道自提点",
            region_code="310115",
            address="世纪大道 88 号 B1 快买服务台",
            latitude=Decimal("31.235500"),
            longitude=Decimal("121.506400"),
            hours="09:00–21:00",
            phone="021-58880001",
            position=0,
        )
        PickupPoint.objects.create(
            name="徐家汇自提点",
            region_code="310104",
            address="漕溪北路 18 号 1 楼",
            latitude=Decimal("31.192000"),
            longitude=Decimal("121.437000"),
            hours="10:00–20:00",
            open_days=[0, 1, 2, 3, 4, 5],
            phone="021-58880002",
            position=1,
        )
        merchant = User.objects.filter(username="merchant").first()
        if merchant is not None:
            first.staff.add(merchant)
    if not DeliverySlot.objects.exists():
        for starts, ends, capacity in (
            ("09:00", "12:00", 20),
            ("14:00", "18:00", 30),
            ("18:00", "21:00", 10),
        ):
            DeliverySlot.objects.create(
                starts=datetime.time.fromisoformat(starts),
                ends=datetime.time.fromisoformat(ends),
                capacity=capacity,
            )
    LocalArea.objects.get_or_create(
        region_code="310100", defaults={"fee": Decimal("6.00"), "free_over_amount": Decimal("99")}
    )
    points, slots = PickupPoint.objects.count(), DeliverySlot.objects.count()
    stdout.write(f"delivery: {points} pickup points, {slots} slots")

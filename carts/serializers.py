from rest_framework import serializers

MONEY = {"max_digits": 12, "decimal_places": 2}


class CartLineSerializer(serializers.Serializer):
    sku_id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()
    image = serializers.CharField(allow_null=True)
    attributes = serializers.DictField(child=serializers.CharField())
    quantity = serializers.IntegerField()
    selected = serializers.BooleanField()
    unit_price = serializers.DecimalField(**MONEY, allow_null=True)
    price_when_added = serializers.DecimalField(**MONEY, allow_null=True)
    price_changed = serializers.BooleanField()
    stock = serializers.IntegerField()
    line_total = serializers.DecimalField(**MONEY)
    discount = serializers.DecimalField(
        **MONEY, help_text="The line's share of the discounts (0 when none applies)."
    )
    net = serializers.DecimalField(**MONEY, help_text="The line total after its discounts.")
    issue = serializers.ChoiceField(
        choices=["unavailable", "off_sale", "out_of_stock", "insufficient_stock"],
        allow_null=True,
        help_text="Why the line cannot be checked out; null when it can.",
    )
    undeliverable = serializers.BooleanField(
        default=False, help_text="Not delivered to the address's region."
    )


class DiscountSerializer(serializers.Serializer):
    """One discount as the price engine recorded it."""

    kind = serializers.CharField(help_text="member, limited_time, promotion, coupon, points …")
    source = serializers.CharField(help_text='What gave it: "promotion:<id>", "coupon:<id>".')
    label = serializers.CharField(help_text="As the shopper reads it, e.g. 满199减30.")
    amount = serializers.DecimalField(**MONEY)
    target = serializers.ChoiceField(choices=["items", "shipping"])
    points = serializers.SerializerMethodField(help_text="The points spent (kind points).")

    def get_points(self, discount) -> int | None:
        return (discount.details or {}).get("points") if discount.kind == "points" else None


class HintSerializer(serializers.Serializer):
    """What the quote says beside its figures: the gap to a promotion's next tier."""

    kind = serializers.CharField(help_text="next_tier")
    name = serializers.CharField(help_text="The promotion's name.")
    gap = serializers.DecimalField(**MONEY, help_text="Yuan, or pieces for a tier by pieces.")
    text = serializers.CharField(help_text="e.g. 还差¥20可减¥30, in the request's language.")


class QuotePointsSerializer(serializers.Serializer):
    """What points can do for a quote (all zero for a visitor)."""

    balance = serializers.IntegerField(default=0, help_text="The shopper's usable points.")
    points_per_yuan_off = serializers.IntegerField(default=0, help_text="Points for ¥1 off.")
    max_percent = serializers.IntegerField(
        default=0, help_text="The share of the goods points may pay, percent."
    )
    max_points = serializers.IntegerField(default=0, help_text="The most this order may use.")
    max_value = serializers.DecimalField(**MONEY, default="0.00")
    points = serializers.IntegerField(default=0, help_text="Points this quote uses.")
    value = serializers.DecimalField(**MONEY, default="0.00", help_text="What they take off.")


class QuoteCouponSerializer(serializers.Serializer):
    """One of the shopper's coupons as a quote sees it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["amount", "percent", "free_shipping"])
    terms = serializers.CharField(help_text="What it gives, in the request's language.")
    valid_until = serializers.DateTimeField()
    usable = serializers.BooleanField()
    value = serializers.DecimalField(**MONEY, help_text="What it would take off (0 if unusable).")
    reason = serializers.CharField(
        help_text="Why not: not_yet, no_items, below_threshold, nothing_off; '' when usable."
    )
    reason_text = serializers.CharField()
    gap = serializers.DecimalField(**MONEY, allow_null=True, help_text="Below its minimum by.")


class FreightSerializer(serializers.Serializer):
    """One shipping template's freight in a quote: its lines are charged together, once."""

    name = serializers.CharField(help_text="The template's name.")
    fee = serializers.DecimalField(**MONEY)
    free = serializers.BooleanField(help_text="Free by the template's rule here.")
    delivers = serializers.BooleanField(help_text="False: not delivered to the address's region.")


class ShippingFiguresMixin(serializers.Serializer):
    freight = FreightSerializer(many=True)
    undeliverable = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="SKU ids of lines not delivered to the address's region: an order refuses them.",
    )
    shipping_estimated = serializers.BooleanField(
        help_text="True without an address: each template's own charge, not a region's."
    )


class CartSerializer(ShippingFiguresMixin, serializers.Serializer):
    lines = CartLineSerializer(many=True)
    count = serializers.IntegerField()
    selected_count = serializers.IntegerField()
    items_amount = serializers.DecimalField(**MONEY)
    discounts = DiscountSerializer(many=True)
    discount_amount = serializers.DecimalField(
        **MONEY, help_text="Everything taken off, shipping waived included (已优惠)."
    )
    shipping_fee = serializers.DecimalField(**MONEY, help_text="Before shipping discounts.")
    free_shipping_gap = serializers.DecimalField(
        **MONEY, help_text="How much more the selected items need for free shipping (0: free)."
    )
    total = serializers.DecimalField(**MONEY)
    hints = HintSerializer(many=True)
    has_issues = serializers.BooleanField()

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
    issue = serializers.ChoiceField(
        choices=["unavailable", "off_sale", "out_of_stock", "insufficient_stock"],
        allow_null=True,
        help_text="Why the line cannot be checked out; null when it can.",
    )


class CartSerializer(serializers.Serializer):
    lines = CartLineSerializer(many=True)
    count = serializers.IntegerField()
    selected_count = serializers.IntegerField()
    items_amount = serializers.DecimalField(**MONEY)
    shipping_fee = serializers.DecimalField(**MONEY)
    free_shipping_gap = serializers.DecimalField(
        **MONEY, help_text="How much more the selected items need for free shipping (0: free)."
    )
    total = serializers.DecimalField(**MONEY)
    has_issues = serializers.BooleanField()

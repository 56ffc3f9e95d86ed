from rest_framework import serializers

from carts.serializers import DiscountSerializer
from orders.models import Order, OrderEvent, OrderItem
from orders.selectors import order_actions


class OrderItemDiscountSerializer(serializers.Serializer):
    """A line's share of one of the order's discounts (its member price, its coupon …)."""

    kind = serializers.CharField(source="discount.kind")
    label = serializers.CharField(source="discount.label")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class OrderItemSerializer(serializers.ModelSerializer):
    discounts = OrderItemDiscountSerializer(many=True, read_only=True)

    class Meta:
        model = OrderItem
        fields = [
            "sku_id",
            "product_id",
            "product_name",
            "sku_code",
            "sku_attributes",
            "sku_options",
            "image_url",
            "unit_price",
            "quantity",
            "line_total",
            "discount_amount",
            "discounts",
            "paid_amount",
        ]


class OrderEventSerializer(serializers.ModelSerializer):
    note = serializers.CharField(
        source="note_display", read_only=True, help_text="In the request's language."
    )

    class Meta:
        model = OrderEvent
        fields = ["from_status", "to_status", "actor_type", "note", "created_at"]


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True)
    discounts = DiscountSerializer(many=True)
    actions = serializers.SerializerMethodField()
    cancel_reason = serializers.CharField(
        source="cancel_reason_display", read_only=True, help_text="In the request's language."
    )
    address = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "order_no",
            "status",
            "items_amount",
            "discounts",
            "discount_amount",
            "shipping_fee",
            "total_amount",
            "remark",
            "address",
            "pay_deadline",
            "paid_at",
            "shipped_at",
            "completed_at",
            "cancelled_at",
            "cancel_reason",
            "carrier",
            "tracking_no",
            "created_at",
            "items",
            "actions",
        ]

    def get_actions(self, order) -> list[str]:
        return order_actions(order)

    def get_address(self, order) -> dict:
        return {
            "receiver": order.receiver_name,
            "phone": order.receiver_phone,
            "province": order.province,
            "city": order.city,
            "district": order.district,
            "detail": order.detail,
            "postal_code": order.postal_code,
        }


class OrderDetailSerializer(OrderSerializer):
    events = OrderEventSerializer(many=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "events"]

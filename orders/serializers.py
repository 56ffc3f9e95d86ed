from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from carts.serializers import DiscountSerializer
from orders.carriers import carrier_label, tracking_url
from orders.models import DeliveryMethod, Order, OrderEvent, OrderItem
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


class PickupPointBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    hours = serializers.CharField()
    phone = serializers.CharField()


class SlotBriefSerializer(serializers.Serializer):
    date = serializers.DateField()
    label = serializers.CharField(help_text="e.g. 09:00–12:00")


class PickupSerializer(serializers.Serializer):
    point = PickupPointBriefSerializer()
    slot = SlotBriefSerializer(allow_null=True)
    code = serializers.CharField(
        allow_null=True, help_text="Eight digits, once the order is paid; shown at the point."
    )


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True)
    discounts = DiscountSerializer(many=True)
    actions = serializers.SerializerMethodField()
    cancel_reason = serializers.CharField(
        source="cancel_reason_display", read_only=True, help_text="In the request's language."
    )
    address = serializers.SerializerMethodField()
    pickup = serializers.SerializerMethodField(
        help_text="For a pickup order: the point, the slot and (once paid) the code to show."
    )

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
            "delivery_method",
            "pickup",
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
            "region_code": order.region_code,
        }

    @extend_schema_field(PickupSerializer(allow_null=True))
    def get_pickup(self, order) -> dict | None:
        if order.delivery_method != DeliveryMethod.PICKUP or order.pickup_point is None:
            return None
        point, day = order.pickup_point, order.slot_day
        return {
            "point": {
                "id": point.pk,
                "name": point.name,
                "address": point.full_address,
                "hours": point.hours,
                "phone": point.phone,
            },
            "slot": {"date": day.date, "label": day.slot.label} if day else None,
            "code": order.pickup_code or None,
        }


class ParcelLineSerializer(serializers.Serializer):
    sku_id = serializers.IntegerField(source="item.sku_id", allow_null=True)
    product_name = serializers.CharField(source="item.product_name")
    quantity = serializers.IntegerField()


class ParcelSerializer(serializers.Serializer):
    carrier = serializers.CharField(help_text="A carrier's code (SF) or the name typed.")
    carrier_name = serializers.SerializerMethodField()
    tracking_no = serializers.CharField()
    tracking_url = serializers.SerializerMethodField()
    shipped_at = serializers.DateTimeField(source="created_at")
    items = ParcelLineSerializer(many=True)

    def get_carrier_name(self, parcel) -> str:
        return carrier_label(parcel.carrier)

    def get_tracking_url(self, parcel) -> str | None:
        return tracking_url(parcel.carrier, parcel.tracking_no)


class OrderDetailSerializer(OrderSerializer):
    events = OrderEventSerializer(many=True)
    parcels = ParcelSerializer(many=True, help_text="Each parcel shipped so far.")

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "events", "parcels"]

"""Checkout and order API (thin): parse → service/selector → serialize."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from carts.pricing import AUTO
from carts.serializers import (
    CartLineSerializer,
    DiscountSerializer,
    HintSerializer,
    QuoteCouponSerializer,
    QuotePointsSerializer,
    ShippingFiguresMixin,
)
from config.pagination import paginated_response, paginated_schema
from config.schema import ERRORS, ErrorSerializer
from orders import notes, selectors, services
from orders.models import ActorType
from orders.serializers import OrderDetailSerializer, OrderSerializer

MONEY = {"max_digits": 12, "decimal_places": 2}


class CheckoutPreviewApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class OutputSerializer(ShippingFiguresMixin, serializers.Serializer):
        lines = CartLineSerializer(many=True)
        items_amount = serializers.DecimalField(**MONEY)
        discounts = DiscountSerializer(many=True)
        discount_amount = serializers.DecimalField(**MONEY)
        shipping_fee = serializers.DecimalField(**MONEY)
        total = serializers.DecimalField(**MONEY)
        price_changes = CartLineSerializer(many=True)

    @extend_schema(
        request=None,
        responses={200: OutputSerializer, **ERRORS},
        tags=["checkout"],
        summary="Review the selected cart lines at current prices before ordering",
    )
    def post(self, request):
        address = services.checkout_address(user=request.user, address_id=None)
        review = services.checkout_lines(user=request.user, address=address)
        return Response(self.OutputSerializer(review).data)


def points_field():
    return serializers.IntegerField(
        min_value=0,
        max_value=10**9,
        required=False,
        default=0,
        help_text="Points to pay with, in whole units of points_per_yuan_off, at most the "
        "quote's points.max_points; 0 or left out for none.",
    )


COUPON_ERRORS = {
    404: OpenApiResponse(ErrorSerializer, description="70001 not one of your coupons"),
    409: OpenApiResponse(
        ErrorSerializer,
        description="70007 the coupon does not apply (used, held by another order, expired, "
        "below its minimum); 70008 not that many points (spent meanwhile); 70010 points not "
        "in whole units or more than the order may take; 30002 out of stock; 30005 prices "
        "changed",
    ),
}


class CheckoutQuoteApi(APIView):
    """The mini-program's pre-order quote: the selected cart lines through every price stage
    (promotions, the coupon, shipping), with the shopper's coupons and why each applies or
    not."""

    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        coupon_id = serializers.IntegerField(
            min_value=1,
            required=False,
            allow_null=True,
            help_text="A coupon of yours; null for none; left out, the best that applies.",
        )
        points = points_field()
        address_id = serializers.IntegerField(
            min_value=1,
            required=False,
            help_text="One of your addresses, for its region's shipping; left out, your "
            "default address (none: an estimate).",
        )
        pickup_point_id = serializers.IntegerField(
            min_value=1,
            required=False,
            help_text="Collected at this pickup point: its fee instead of shipping.",
        )
        local_delivery = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Delivered by the shop in a time slot (where the address lies in a "
            "local delivery area): the area's fee instead of shipping.",
        )

    class OutputSerializer(ShippingFiguresMixin, serializers.Serializer):
        lines = CartLineSerializer(many=True)
        items_amount = serializers.DecimalField(**MONEY)
        discounts = DiscountSerializer(many=True)
        discount_amount = serializers.DecimalField(**MONEY, help_text="已优惠: everything off.")
        shipping_fee = serializers.DecimalField(**MONEY, help_text="Before shipping discounts.")
        total = serializers.DecimalField(**MONEY, help_text="Send it back as expected_total.")
        hints = HintSerializer(many=True)
        coupons = QuoteCouponSerializer(many=True)
        points = QuotePointsSerializer(source="points_offer")
        coupon_id = serializers.IntegerField(
            source="coupon_chosen", allow_null=True, help_text="The coupon applied."
        )

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, **ERRORS, **COUPON_ERRORS},
        tags=["checkout"],
        summary="Price the selected cart lines with promotions and a coupon",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        coupon = data.validated_data.get("coupon_id", AUTO)
        address_id = data.validated_data.get("address_id")
        address = services.checkout_address(user=request.user, address_id=address_id)
        quote = services.checkout_lines(
            user=request.user,
            coupon=coupon,
            points=data.validated_data["points"],
            address=address,
            pickup=services.checkout_pickup_point(
                pickup_point_id=data.validated_data.get("pickup_point_id")
            ),
            local=services.checkout_local_area(
                address=address, wanted=data.validated_data["local_delivery"]
            ),
        )
        return Response(self.OutputSerializer(quote).data)


class OrderListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        address_id = serializers.IntegerField(min_value=1)
        remark = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        expected_total = serializers.DecimalField(
            **MONEY,
            required=False,
            allow_null=True,
            help_text="The total the client showed; if prices moved since, the order is refused.",
        )
        coupon_id = serializers.IntegerField(
            min_value=1,
            required=False,
            allow_null=True,
            default=None,
            help_text="A coupon of yours to use (the quote says which apply); none if left out.",
        )
        points = points_field()
        pickup_point_id = serializers.IntegerField(
            min_value=1,
            required=False,
            help_text="Collect the order at this pickup point (GET /pickup-points); the "
            "address then gives the receiver and phone.",
        )
        local_delivery = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Delivered by the shop to the address in the slot chosen.",
        )
        slot_id = serializers.IntegerField(
            min_value=1,
            required=False,
            help_text="A slot of GET /delivery-slots (pickup or local delivery).",
        )
        slot_date = serializers.DateField(required=False, help_text="The slot's date.")

        def validate(self, attrs):
            if ("slot_id" in attrs) != ("slot_date" in attrs):
                raise serializers.ValidationError(
                    {"slot_id": ["Give slot_id and slot_date together."]}
                )
            return attrs

    @extend_schema(
        parameters=[OpenApiParameter("tab", str, enum=list(selectors.TABS))],
        responses={200: paginated_schema(OrderSerializer), **ERRORS},
        tags=["orders"],
    )
    def get(self, request):
        tab = request.query_params.get("tab", "all")
        if tab not in selectors.TABS:
            raise serializers.ValidationError(
                {"tab": [f"Choose one of: {', '.join(selectors.TABS)}."]}
            )
        return paginated_response(
            queryset=selectors.order_list_for_user(user=request.user, tab=tab),
            serializer_class=OrderSerializer,
            request=request,
            view=self,
        )

    @extend_schema(
        request=InputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Repeat a submit safely: the same key returns the same order.",
            )
        ],
        responses={
            201: OrderDetailSerializer,
            200: OrderDetailSerializer,
            **ERRORS,
            **COUPON_ERRORS,
        },
        tags=["orders"],
        summary="Place an order from the selected cart lines",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 64:
            raise serializers.ValidationError({"Idempotency-Key": ["At most 64 characters."]})
        fields = dict(data.validated_data)
        coupon = fields.pop("coupon_id")
        order, created = services.order_create_from_cart(
            user=request.user,
            idempotency_key=f"api:{key}" if key else None,
            source="api",
            coupon=coupon,
            **fields,
        )
        order = selectors.order_get_for_user(user=request.user, order_no=order.order_no)
        return Response(
            OrderDetailSerializer(order).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class OrderDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: OrderDetailSerializer, **ERRORS}, tags=["orders"])
    def get(self, request, order_no: str):
        order = selectors.order_get_for_user(user=request.user, order_no=order_no)
        return Response(OrderDetailSerializer(order).data)


class OrderCancelApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer,
        responses={200: OrderDetailSerializer, **ERRORS},
        tags=["orders"],
        summary="Cancel an unpaid order",
    )
    def post(self, request, order_no: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = selectors.order_get_for_user(user=request.user, order_no=order_no)
        services.order_cancel(
            order_id=order.pk,
            actor=request.user,
            actor_type=ActorType.SHOPPER,
            reason=data.validated_data["reason"],
            reason_key="" if data.validated_data["reason"] else notes.CANCELLED_BY_SHOPPER,
        )
        order = selectors.order_get_for_user(user=request.user, order_no=order_no)
        return Response(OrderDetailSerializer(order).data)


class OrderConfirmApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: OrderDetailSerializer, **ERRORS},
        tags=["orders"],
        summary="Confirm the parcel arrived",
    )
    def post(self, request, order_no: str):
        order = selectors.order_get_for_user(user=request.user, order_no=order_no)
        services.order_confirm_receipt(order_id=order.pk, user=request.user)
        order = selectors.order_get_for_user(user=request.user, order_no=order_no)
        return Response(OrderDetailSerializer(order).data)


class OrderAddressApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        address_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)

    @extend_schema(
        request=InputSerializer,
        responses={200: OrderDetailSerializer, **ERRORS},
        tags=["orders"],
        summary="Choose where an unpaid order ships (flash-sale orders are made without one)",
    )
    def post(self, request, order_no: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = selectors.order_get_for_user(user=request.user, order_no=order_no)
        services.order_set_address(
            order_id=order.pk, user=request.user, address_id=data.validated_data["address_id"]
        )
        order = selectors.order_get_for_user(user=request.user, order_no=order_no)
        return Response(OrderDetailSerializer(order).data)

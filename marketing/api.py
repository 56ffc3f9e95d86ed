"""Marketing API (thin): the coupon centre, claiming, my coupons; my points, their ledger,
check-in and my level. The quote and orders with a coupon or points are in the checkout API
(orders.api). Another shopper's coupon answers 404."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import paginated_response, paginated_schema
from config.schema import ERRORS, ErrorSerializer
from marketing import selectors, services, texts
from marketing.models import CouponTemplate, PointsEntry, UserCoupon

MONEY = {"max_digits": 12, "decimal_places": 2}


class CouponTemplateSerializer(serializers.ModelSerializer):
    terms = serializers.SerializerMethodField(help_text="What it gives, in the request's language.")

    class Meta:
        model = CouponTemplate
        fields = [
            "id",
            "name",
            "kind",
            "amount_off",
            "price_percent",
            "max_off",
            "threshold",
            "scope",
            "valid_from",
            "valid_until",
            "valid_days",
            "new_shoppers_only",
            "terms",
        ]

    def get_terms(self, template) -> str:
        return texts.template_terms(template)


class UserCouponSerializer(serializers.ModelSerializer):
    template = CouponTemplateSerializer()
    usable_now = serializers.SerializerMethodField()

    class Meta:
        model = UserCoupon
        fields = [
            "id",
            "template",
            "status",
            "valid_from",
            "valid_until",
            "claimed_at",
            "used_at",
            "usable_now",
        ]

    def get_usable_now(self, coupon) -> bool:
        from django.utils import timezone

        now = timezone.now()
        return coupon.status == "available" and coupon.valid_from <= now < coupon.valid_until


CLAIM_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(
        ErrorSerializer,
        description="70002 all claimed, 70003 over the per-shopper limit, 70004 today's all "
        "claimed, 70005 not claimable now, 70006 new shoppers only",
    ),
}


class CouponCentreListApi(APIView):
    permission_classes = [permissions.AllowAny]

    class OutputSerializer(serializers.Serializer):
        template = CouponTemplateSerializer()
        left = serializers.IntegerField(allow_null=True, help_text="Null: no limit.")
        mine = serializers.IntegerField(help_text="How many the shopper has (0 for a guest).")

    @extend_schema(
        responses={200: OutputSerializer(many=True), **ERRORS},
        tags=["coupons"],
        summary="Coupons to claim (领券中心)",
        auth=[],
    )
    def get(self, request):
        rows = selectors.coupon_centre(user=request.user)
        return Response(self.OutputSerializer(rows, many=True).data)


class CouponClaimApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={201: UserCouponSerializer, **CLAIM_ERRORS},
        tags=["coupons"],
        summary="Claim a coupon from the coupon centre",
    )
    def post(self, request, template_id: int):
        coupon = services.coupon_claim(user=request.user, template_id=template_id)
        return Response(UserCouponSerializer(coupon).data, status=status.HTTP_201_CREATED)


class MyCouponListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("tab", str, enum=list(selectors.MY_TABS))],
        responses={200: paginated_schema(UserCouponSerializer), **ERRORS},
        tags=["coupons"],
        summary="My coupons: unused (held ones included), used, expired",
    )
    def get(self, request):
        tab = request.query_params.get("tab", "unused")
        if tab not in selectors.MY_TABS:
            raise serializers.ValidationError(
                {"tab": [f"Choose one of: {', '.join(selectors.MY_TABS)}."]}
            )
        return paginated_response(
            queryset=selectors.coupon_list_for_user(user=request.user, tab=tab),
            serializer_class=UserCouponSerializer,
            request=request,
            view=self,
        )


# --- points, check-in, level ---------------------------------------------------------------


class ExpiringSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    expires_at = serializers.DateTimeField(help_text="The instant they expire.")
    last_day = serializers.DateField(help_text="The last day they can be used (shop's time).")


class PointsSummarySerializer(serializers.Serializer):
    balance = serializers.IntegerField(help_text="Usable points.")
    pending = serializers.IntegerField(help_text="Earned by orders still in after-sales.")
    expiring = ExpiringSerializer(allow_null=True, help_text="The points that expire first.")
    value = serializers.DecimalField(**MONEY, help_text="What the usable points take off.")
    points_per_yuan_off = serializers.IntegerField(help_text="Points for ¥1 off at checkout.")


class PointsEntrySerializer(serializers.ModelSerializer):
    reason_text = serializers.CharField(
        source="get_reason_display", read_only=True, help_text="In the request's language."
    )

    class Meta:
        model = PointsEntry
        fields = [
            "amount",
            "pending_amount",
            "balance_after",
            "pending_after",
            "reason",
            "reason_text",
            "reference",
            "created_at",
        ]


class MyPointsApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: PointsSummarySerializer, **ERRORS},
        tags=["points"],
        summary="My points: usable, pending, expiring next",
    )
    def get(self, request):
        return Response(PointsSummarySerializer(selectors.points_summary(request.user)).data)


class MyPointsEntriesApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: paginated_schema(PointsEntrySerializer), **ERRORS},
        tags=["points"],
        summary="My points ledger, newest first",
    )
    def get(self, request):
        return paginated_response(
            queryset=selectors.points_ledger(request.user),
            serializer_class=PointsEntrySerializer,
            request=request,
            view=self,
        )


class CheckInMonthSerializer(serializers.Serializer):
    today = serializers.DateField(help_text="In the shop's time zone.")
    checked_in = serializers.BooleanField(help_text="Whether the shopper checked in today.")
    streak = serializers.IntegerField(help_text="Days in a row, as of today.")
    reward = serializers.IntegerField(
        help_text="Today's points when not checked in yet, else tomorrow's."
    )
    cycle = serializers.ListField(child=serializers.IntegerField())
    days = serializers.SerializerMethodField(help_text="This month's check-ins: date → points.")

    def get_days(self, month) -> dict[str, int]:
        return {day.isoformat(): points for day, points in sorted(month["days"].items())}


class CheckInApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: CheckInMonthSerializer, **ERRORS},
        tags=["points"],
        summary="This month's check-ins and today's reward (签到日历)",
    )
    def get(self, request):
        return Response(CheckInMonthSerializer(selectors.check_in_month(request.user)).data)

    @extend_schema(
        request=None,
        responses={
            201: CheckInMonthSerializer,
            **ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="70009 checked in today already"),
        },
        tags=["points"],
        summary="Check in for today (once a day in the shop's time zone)",
    )
    def post(self, request):
        services.check_in(user=request.user)
        month = selectors.check_in_month(request.user)
        return Response(CheckInMonthSerializer(month).data, status=status.HTTP_201_CREATED)


class LevelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="In the request's language.")
    growth_min = serializers.IntegerField(help_text="Reached at this growth (≥).")
    discount_percent = serializers.DecimalField(max_digits=4, decimal_places=1)
    points_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2)


class MembershipSerializer(serializers.Serializer):
    growth = serializers.IntegerField()
    level = LevelSerializer(allow_null=True)
    next = LevelSerializer(allow_null=True, help_text="The next level, null at the top.")
    gap = serializers.IntegerField(allow_null=True, help_text="Growth still needed for it.")
    levels = LevelSerializer(many=True)


class MyLevelApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={200: MembershipSerializer, **ERRORS},
        tags=["points"],
        summary="My level, growth and the gap to the next level",
    )
    def get(self, request):
        return Response(MembershipSerializer(selectors.member_summary(request.user)).data)

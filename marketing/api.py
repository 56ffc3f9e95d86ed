"""Coupon API (thin): the coupon centre, claiming, my coupons. The quote and orders with a
coupon are in the checkout API (orders.api). Another shopper's coupon answers 404."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import paginated_response, paginated_schema
from config.schema import ERRORS, ErrorSerializer
from marketing import selectors, services, texts
from marketing.models import CouponTemplate, UserCoupon

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

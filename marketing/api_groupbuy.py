"""拼团 API for the mini-program (thin): campaigns on now, a campaign's groups waiting, a
group's detail and share data, opening or joining a group (the order to pay, paid through
``/orders/<no>/pay``), my group orders. Another shopper's group order answers 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import masked_name
from config.schema import ERRORS, ErrorSerializer
from marketing import selectors, services
from marketing.errors import GroupBuyNotFound, GroupNotFound
from orders import selectors as order_selectors
from orders.serializers import OrderDetailSerializer

MONEY = {"max_digits": 12, "decimal_places": 2}


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    sku_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    options = serializers.CharField(help_text="The SKU's options (黑色 / 128GB).")
    group_price = serializers.DecimalField(**MONEY)
    usual_price = serializers.DecimalField(**MONEY)
    group_size = serializers.IntegerField()
    fill_minutes = serializers.IntegerField(help_text="A group's time to fill once opened.")
    per_user_limit = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class WaitingGroupSerializer(serializers.Serializer):
    team_no = serializers.CharField()
    leader = serializers.SerializerMethodField(help_text="The leader's name, masked.")
    seats_left = serializers.IntegerField()
    deadline = serializers.DateTimeField()

    def get_leader(self, team) -> str:
        return masked_name(team.leader.display_name)


class MemberSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Masked (张*丰).")
    avatar = serializers.CharField(help_text="Its URL, empty for none.")
    is_leader = serializers.BooleanField()


class GroupSerializer(serializers.Serializer):
    team_no = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "succeeded", "failed"])
    size = serializers.IntegerField()
    members_count = serializers.IntegerField()
    seats_left = serializers.IntegerField()
    deadline = serializers.DateTimeField(allow_null=True)
    members = MemberSerializer(many=True)


class ShareSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.URLField(help_text="The group's share page.")
    path = serializers.CharField(help_text="The mini-program's page for the group.")
    image = serializers.CharField(help_text="The product's picture, empty for none.")


class GroupDetailSerializer(GroupSerializer):
    campaign_id = serializers.IntegerField()
    product_name = serializers.CharField()
    group_price = serializers.DecimalField(**MONEY)
    usual_price = serializers.DecimalField(**MONEY)
    joinable = serializers.BooleanField()
    share = ShareSerializer()


def _campaign(campaign_id: int):
    campaign = selectors.campaign_on(campaign_id=campaign_id)
    if campaign is None:
        raise GroupBuyNotFound()
    return campaign


class GroupBuyListApi(APIView):
    permission_classes = [permissions.AllowAny]

    class FilterSerializer(serializers.Serializer):
        product = serializers.IntegerField(min_value=1, max_value=2**31 - 1)

    @extend_schema(
        parameters=[OpenApiParameter("product", int, required=True)],
        responses={200: CampaignSerializer(many=True), **ERRORS},
        tags=["group buys"],
        summary="The group buys (拼团) of a product on now",
        auth=[],
    )
    def get(self, request):
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        campaigns = selectors.campaigns_on(product_id=query.validated_data["product"])
        return Response(CampaignSerializer(campaigns, many=True).data)


class GroupBuyGroupsApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={200: WaitingGroupSerializer(many=True), **ERRORS},
        tags=["group buys"],
        summary="Groups of a group buy waiting for members (fewest seats left first)",
        auth=[],
    )
    def get(self, request, campaign_id: int):
        campaign = _campaign(campaign_id)
        teams = selectors.teams_waiting(campaign_ids=[campaign.id], limit=20)
        return Response(WaitingGroupSerializer(teams, many=True).data)


def group_detail_data(request, team) -> dict:
    campaign, product = team.campaign, team.campaign.sku.product
    image = product.images.first()
    return {
        **selectors.team_state(team),
        "campaign_id": campaign.pk,
        "product_name": product.name,
        "group_price": campaign.group_price,
        "usual_price": campaign.sku.price,
        "joinable": selectors.team_joinable(team, request.user),
        "share": {
            "title": f"{product.name} {campaign.group_price}",
            "url": request.build_absolute_uri(team.get_absolute_url()),
            "path": f"/pages/group/index?team={team.team_no}",
            "image": request.build_absolute_uri(image.image.url) if image else "",
        },
    }


class GroupDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "team_no", str, OpenApiParameter.PATH, pattern=r"^T[0-9]{20}$", required=True
            )
        ],
        responses={200: GroupDetailSerializer, **ERRORS},
        tags=["group buys"],
        summary="A group: its members (masked), seats left, deadline and share data",
        auth=[],
    )
    def get(self, request, team_no: str):
        team = selectors.team_get(team_no=team_no[:24])
        if team is None:
            raise GroupNotFound()
        return Response(GroupDetailSerializer(group_detail_data(request, team)).data)


GROUP_ORDER_ERRORS = {
    **ERRORS,
    409: OpenApiResponse(
        ErrorSerializer,
        description="70021 not on now, 70022 sold out, 70023 over the limit per shopper, "
        "70025 group not joinable (open a new one), 70026 already in the group",
    ),
}


class GroupBuyOrderCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        address_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
        quantity = serializers.IntegerField(min_value=1, max_value=100, default=1)
        team_no = serializers.CharField(
            max_length=24,
            required=False,
            allow_blank=True,
            default="",
            help_text="The group to join; empty opens a new group (the shopper leads it).",
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
        responses={201: OrderDetailSerializer, 200: OrderDetailSerializer, **GROUP_ORDER_ERRORS},
        tags=["group buys"],
        summary="Open a group or join one: the order to pay",
        description="The seat is taken when the payment arrives; a group that filled "
        "meanwhile refunds the payment in full (the order is then cancelled, reason "
        "group_full).",
    )
    def post(self, request, campaign_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 64:
            raise serializers.ValidationError({"Idempotency-Key": ["At most 64 characters."]})
        order, created = services.groupbuy_order(
            user=request.user,
            campaign_id=campaign_id,
            address_id=data.validated_data["address_id"],
            quantity=data.validated_data["quantity"],
            team_no=data.validated_data["team_no"],
            idempotency_key=f"api:{key}" if key else "",
            source="groupbuy",
        )
        order = order_selectors.order_get_for_user(user=request.user, order_no=order.order_no)
        return Response(
            OrderDetailSerializer(order).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class OrderGroupApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        member_status = serializers.ChoiceField(
            choices=["pending", "joined", "left", "refused", "refunded"],
            allow_null=True,
            help_text="Null: the order is not a group order.",
        )
        is_leader = serializers.BooleanField()
        group = GroupDetailSerializer(allow_null=True)

    @extend_schema(
        responses={200: OutputSerializer, **ERRORS},
        tags=["group buys"],
        summary="The group of one of my orders (nulls for an order not in a group)",
    )
    def get(self, request, order_no: str):
        order = order_selectors.order_get_for_user(user=request.user, order_no=order_no)
        member = selectors.member_of_order(order_id=order.pk)
        team = selectors.team_get(team_no=member.team.team_no) if member else None
        return Response(
            self.OutputSerializer(
                {
                    "member_status": member.status if member else None,
                    "is_leader": bool(member and member.is_leader),
                    "group": group_detail_data(request, team) if team else None,
                }
            ).data
        )

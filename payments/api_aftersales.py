"""After-sales API for mini-program clients (thin): ask for a refund or a return (multipart
with photos, or JSON), list, read, withdraw, and send the return's tracking number.
Another shopper's request answers 404; business errors carry 401xx codes."""

from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import paginated_response, paginated_schema
from config.schema import ERRORS
from orders.forms import CarrierForm
from payments import services
from payments.errors import AfterSaleNotFound, AfterSaleStep
from payments.models import (
    AfterSaleEvent,
    AfterSaleItem,
    AfterSaleKind,
    AfterSaleReason,
    AfterSaleRequest,
    AfterSaleStatus,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


class ReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = AfterSaleReason
        fields = ["id", "name", "applies_to"]


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AfterSaleEvent
        fields = ["to_status", "actor_type", "note", "created_at"]


class ReturnedItemSerializer(serializers.ModelSerializer):
    order_item_id = serializers.IntegerField()
    product_name = serializers.CharField(source="order_item.product_name")

    class Meta:
        model = AfterSaleItem
        fields = ["order_item_id", "product_name", "quantity"]


class AfterSaleSerializer(serializers.ModelSerializer):
    order_no = serializers.CharField(source="order.order_no")
    reason = serializers.CharField(source="reason.name", allow_null=True, default=None)
    items = ReturnedItemSerializer(many=True)
    photos = serializers.SerializerMethodField()
    events = EventSerializer(many=True)

    class Meta:
        model = AfterSaleRequest
        fields = [
            "request_no",
            "order_no",
            "kind",
            "status",
            "amount",
            "reason",
            "note",
            "merchant_note",
            "return_to",
            "return_carrier",
            "return_tracking_no",
            "items",
            "photos",
            "events",
            "created_at",
            "closed_at",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_photos(self, obj) -> list[str]:
        request = self.context.get("request")
        # Shown only to the shopper (or staff): the URL asks for the same credentials.
        urls = [photo.get_absolute_url() for photo in obj.photos.all()]
        return [request.build_absolute_uri(url) if request else url for url in urls]


def _requests_of(user):
    return (
        AfterSaleRequest.objects.filter(user=user)
        .select_related("order", "reason")
        .prefetch_related(
            Prefetch("events", queryset=AfterSaleEvent.objects.order_by("created_at", "pk")),
            "photos",
            "items__order_item",
        )
    )


def _get(user, request_no: str) -> AfterSaleRequest:
    found = _requests_of(user).filter(request_no=request_no).first()
    if found is None:
        raise AfterSaleNotFound()
    return found


class AfterSaleReasonListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, enum=["refund", "return"])],
        responses={200: ReasonSerializer(many=True), **ERRORS},
        tags=["after-sales"],
        summary="The reasons a shopper picks from",
    )
    def get(self, request):
        reasons = AfterSaleReason.objects.filter(active=True)
        kind = request.query_params.get("kind")
        if kind is not None and kind not in {"refund", "return"}:
            raise serializers.ValidationError({"kind": [_("Choose refund or return.")]})
        if kind:
            reasons = reasons.filter(applies_to__in=[AfterSaleReason.AppliesTo.ANY, kind])
        return Response(ReasonSerializer(reasons, many=True).data)


class AfterSaleListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class ItemSerializer(serializers.Serializer):
        order_item_id = serializers.IntegerField(min_value=1)
        quantity = serializers.IntegerField(min_value=1, max_value=10_000)

    class InputSerializer(serializers.Serializer):
        order_no = serializers.CharField(max_length=32)
        kind = serializers.ChoiceField(choices=[AfterSaleKind.REFUND, AfterSaleKind.RETURN])
        reason_id = serializers.IntegerField(min_value=1)
        amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        items = serializers.JSONField(
            required=False,
            default=list,
            help_text='For a return: [{"order_item_id": 1, "quantity": 1}] (a JSON string in '
            "multipart).",
        )
        photos = serializers.ListField(
            child=serializers.ImageField(), required=False, default=list, max_length=3
        )

        def validate_items(self, value):
            items = AfterSaleListApi.ItemSerializer(data=value, many=True)
            items.is_valid(raise_exception=True)
            return {i["order_item_id"]: i["quantity"] for i in items.validated_data}

    @extend_schema(
        responses={200: paginated_schema(AfterSaleSerializer), **ERRORS},
        tags=["after-sales"],
        summary="The shopper's after-sales requests, newest first",
    )
    def get(self, request):
        return paginated_response(
            queryset=_requests_of(request.user),
            serializer_class=AfterSaleSerializer,
            request=request,
            view=self,
        )

    @extend_schema(
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses={201: AfterSaleSerializer, **ERRORS},
        tags=["after-sales"],
        summary="Ask for a refund (paid, not shipped) or a return (shipped or completed)",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        created = services.aftersale_request_create(
            user=request.user,
            order_no=values["order_no"],
            kind=values["kind"],
            reason_id=values["reason_id"],
            amount=values["amount"],
            note=values["note"],
            items=values["items"] or {},
            photos=values["photos"],
        )
        body = AfterSaleSerializer(
            _get(request.user, created.request_no), context={"request": request}
        )
        return Response(body.data, status=status.HTTP_201_CREATED)


class AfterSaleDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: AfterSaleSerializer, **ERRORS}, tags=["after-sales"])
    def get(self, request, request_no: str):
        found = _get(request.user, request_no)
        return Response(AfterSaleSerializer(found, context={"request": request}).data)


class AfterSaleWithdrawApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: AfterSaleSerializer, **ERRORS},
        tags=["after-sales"],
        summary="Withdraw a request the merchant has not refunded",
    )
    def post(self, request, request_no: str):
        _get(request.user, request_no)
        services.aftersale_withdraw(request_no=request_no, user=request.user)
        found = _get(request.user, request_no)
        return Response(AfterSaleSerializer(found, context={"request": request}).data)


class AfterSaleReturnApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        carrier = serializers.CharField(
            max_length=50, help_text='A carrier code (SF, JD, ZTO …) or "other".'
        )
        carrier_other = serializers.CharField(max_length=50, required=False, allow_blank=True)
        tracking_no = serializers.CharField(max_length=64)

    @extend_schema(
        request=InputSerializer,
        responses={200: AfterSaleSerializer, **ERRORS},
        tags=["after-sales"],
        summary="The goods were sent back: the carrier and tracking number",
    )
    def post(self, request, request_no: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = _get(request.user, request_no)
        if found.status != AfterSaleStatus.AWAITING_RETURN:
            raise AfterSaleStep()
        form = CarrierForm(data.validated_data)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        services.aftersale_return_shipped(
            request_no=request_no,
            user=request.user,
            carrier=form.carrier_value,
            tracking_no=form.cleaned_data["tracking_no"],
        )
        found = _get(request.user, request_no)
        return Response(AfterSaleSerializer(found, context={"request": request}).data)

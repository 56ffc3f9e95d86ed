"""Flash-sale API (thin). The reserve endpoint itself lives in seckill.hot: it is the hot
path and is written without DRF; its schema is declared here so OpenAPI documents it."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.schema import ERRORS, ErrorSerializer
from seckill import selectors, services
from seckill.errors import EventNotStarted, EventOver
from seckill.tokens import token_issue

MONEY = {"max_digits": 12, "decimal_places": 2}


class SeckillEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    product_name = serializers.CharField()
    options = serializers.CharField()
    image = serializers.CharField()
    flash_price = serializers.DecimalField(**MONEY)
    price = serializers.DecimalField(**MONEY)
    allocated = serializers.IntegerField()
    per_user_limit = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    session = serializers.CharField(help_text='Local start time, "10:00".')
    state = serializers.ChoiceField(choices=["upcoming", "live", "ended"])
    left = serializers.IntegerField(allow_null=True, help_text="Units left while it is on.")
    sold_percent = serializers.IntegerField(allow_null=True)


class SeckillSessionSerializer(serializers.Serializer):
    time = serializers.CharField()
    state = serializers.ChoiceField(choices=["upcoming", "live", "ended"])
    events = SeckillEventSerializer(many=True)


class SessionListApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={200: SeckillSessionSerializer(many=True), **ERRORS},
        tags=["seckill"],
        summary="Today's flash-sale sessions, each with its events",
    )
    def get(self, request):
        return Response(SeckillSessionSerializer(selectors.sessions_for_day(), many=True).data)


class EventDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: SeckillEventSerializer, **ERRORS}, tags=["seckill"])
    def get(self, request, event_id: int):
        card = selectors.card_live(selectors.event_card(event_id=event_id))
        return Response(SeckillEventSerializer(card).data)


class EventStatusApi(APIView):
    permission_classes = [permissions.AllowAny]

    class OutputSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=["upcoming", "live", "ended"])
        started = serializers.BooleanField()
        left = serializers.IntegerField(allow_null=True)
        sold_percent = serializers.IntegerField(allow_null=True)
        starts_at = serializers.DateTimeField()
        ends_at = serializers.DateTimeField()
        server_time = serializers.DateTimeField(
            help_text="Count down against this, not the device clock."
        )

    @extend_schema(
        responses={200: OutputSerializer, **ERRORS},
        tags=["seckill"],
        summary="Units left, whether it started, and the server time",
    )
    def get(self, request, event_id: int):
        now = timezone.now()
        card = selectors.card_live(selectors.event_card(event_id=event_id), now)
        return Response(
            self.OutputSerializer(
                {**card, "started": card["state"] != "upcoming", "server_time": now}
            ).data
        )


class EventTokenApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="Send it once to the reserve endpoint.")
        expires_in = serializers.IntegerField()

    @extend_schema(
        request=None,
        responses={200: OutputSerializer, **ERRORS},
        tags=["seckill"],
        summary="A signed, single-use, short-lived token to reserve with (after the start)",
    )
    def post(self, request, event_id: int):
        card = selectors.event_card(event_id=event_id)
        state = selectors.card_state(card)
        if state == "upcoming":
            raise EventNotStarted()
        if state == "ended":
            raise EventOver()
        token, expires_in = token_issue(user_id=request.user.pk, event_id=event_id)
        return Response(self.OutputSerializer({"token": token, "expires_in": expires_in}).data)


class ReserveSchemaApi(APIView):
    """Documentation only: the route is served by seckill.hot.reserve."""

    permission_classes = [permissions.AllowAny]

    class InputSerializer(serializers.Serializer):
        token = serializers.CharField()
        quantity = serializers.IntegerField(min_value=1, max_value=99, default=1)

    @extend_schema(
        request=InputSerializer,
        responses={
            202: inline_serializer("Reserved", {"reservation_id": serializers.CharField()}),
            **ERRORS,
            403: OpenApiResponse(
                ErrorSerializer, description="60004 not started, 60005 ended, 60009 bad token"
            ),
            409: OpenApiResponse(
                ErrorSerializer, description="60006 sold out, 60007 over the limit"
            ),
            429: OpenApiResponse(ErrorSerializer, description="60008 too many tries"),
            503: OpenApiResponse(
                ErrorSerializer, description="60010 getting ready; retry in a second"
            ),
        },
        tags=["seckill"],
        summary="Reserve a unit (the hot path: token claims and one Lua call, no SQL)",
        auth=[],
    )
    def post(self, request, event_id: int):  # pragma: no cover - never routed
        raise NotImplementedError


class ReservationResultApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        reservation_id = serializers.CharField()
        event_id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=["queued", "created", "failed"])
        order_no = serializers.CharField()
        order_status = serializers.CharField()
        pay_deadline = serializers.DateTimeField(allow_null=True)
        needs_address = serializers.BooleanField()
        reason = serializers.CharField(help_text="Why it failed: sold_out, limit or failed.")

    @extend_schema(
        responses={200: OutputSerializer, **ERRORS},
        tags=["seckill"],
        summary="The truth about a reservation (the websocket push is only a hint)",
    )
    def get(self, request, reservation_id: str):
        result = selectors.reservation_result(
            reservation_id=reservation_id, user_id=request.user.pk
        )
        return Response(self.OutputSerializer(result).data)


class ReminderApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        subscribed = serializers.BooleanField()

    @extend_schema(
        request=None,
        responses={200: OutputSerializer, **ERRORS},
        tags=["seckill"],
        summary="Remind me a few minutes before the start",
    )
    def post(self, request, event_id: int):
        selectors.event_card(event_id=event_id)
        on = services.reminder_set(event_id=event_id, user=request.user, on=True)
        return Response(self.OutputSerializer({"subscribed": on}).data)

    @extend_schema(request=None, responses={200: OutputSerializer, **ERRORS}, tags=["seckill"])
    def delete(self, request, event_id: int):
        on = services.reminder_set(event_id=event_id, user=request.user, on=False)
        return Response(self.OutputSerializer({"subscribed": on}).data, status=status.HTTP_200_OK)

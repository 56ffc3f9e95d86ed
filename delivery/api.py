"""Delivery API for the mini-program (thin): pickup points nearest first, slots with the
places left."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.parsing import parse_coordinate, parse_id
from config.schema import ERRORS
from delivery import selectors

MONEY = {"max_digits": 10, "decimal_places": 2}


class PickupPointSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    region_code = serializers.CharField()
    address = serializers.CharField(source="full_address")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    hours = serializers.CharField()
    open_days = serializers.ListField(
        child=serializers.IntegerField(), help_text="0 Monday … 6 Sunday"
    )
    phone = serializers.CharField()
    fee = serializers.DecimalField(**MONEY)
    distance = serializers.FloatField(allow_null=True, help_text="km from lat/lng, if given")


class PickupPointListApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", str, description="Latitude (the shopper's location)"),
            OpenApiParameter("lng", str, description="Longitude"),
            OpenApiParameter(
                "region_code", str, description="Without a location: nearest to this district"
            ),
        ],
        responses={200: PickupPointSerializer(many=True), **ERRORS},
        tags=["delivery"],
        summary="Open pickup points, nearest first",
    )
    def get(self, request):
        query = request.query_params
        lat, lng = (
            parse_coordinate(query.get("lat", ""), 90),
            parse_coordinate(query.get("lng", ""), 180),
        )
        if (lat is None) != (lng is None) or ("lat" in query and lat is None):
            raise ValidationError({"lat": ["Give lat and lng together, in decimal degrees."]})
        points = selectors.pickup_points_near(
            region_code=query.get("region_code", "")[:6], lat=lat, lng=lng
        )
        return Response(PickupPointSerializer(points, many=True).data)


class SlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    left = serializers.IntegerField(help_text="Places left")
    full = serializers.BooleanField()


class SlotDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    slots = SlotSerializer(many=True)


class DeliverySlotListApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("pickup_point_id", int, description="Only the days it is open")
        ],
        responses={200: SlotDaySerializer(many=True), **ERRORS},
        tags=["delivery"],
        summary="The dates and slots that may be chosen, with the places left",
    )
    def get(self, request):
        point = None
        if "pickup_point_id" in request.query_params:
            point_id = parse_id(request.query_params["pickup_point_id"])
            point = selectors.pickup_points_open().filter(pk=point_id).first() if point_id else None
            if point is None:
                raise NotFound()
        return Response(SlotDaySerializer(selectors.slots_offered(point=point), many=True).data)

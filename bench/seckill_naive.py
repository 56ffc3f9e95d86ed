"""The naive baseline for bench/seckill_bench.py: how a flash sale is commonly written in
Django. DRF with JWT authentication (the user loaded from the database), then one
transaction: lock the event's row, check and decrement its stock, check the shopper has no
order yet, insert the order and its item. Served only by the benchmark's URLconf."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.urls import path
from django.utils import timezone
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from config.urls import urlpatterns as shop_urlpatterns
from orders.models import Order, OrderItem
from seckill.models import SeckillEvent


class NaiveReserveApi(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = []

    def post(self, request, event_id: int):
        with transaction.atomic():
            event = SeckillEvent.objects.select_for_update().select_related("sku").get(pk=event_id)
            if event.stock < 1:
                return Response({"code": 60006}, status=409)
            if Order.objects.filter(
                user=request.user, idempotency_key=f"naive:{event_id}"
            ).exists():
                return Response({"code": 60007}, status=409)
            SeckillEvent.objects.filter(pk=event_id).update(stock=event.stock - 1)
            order = Order.objects.create(
                order_no=f"N{timezone.now():%Y%m%d%H%M%S%f}{request.user.pk}",
                user=request.user,
                items_amount=event.flash_price,
                shipping_fee=Decimal("0.00"),
                total_amount=event.flash_price,
                receiver_name="",
                receiver_phone="",
                province="",
                city="",
                district="",
                detail="",
                source="naive",
                idempotency_key=f"naive:{event_id}",
                pay_deadline=timezone.now() + timedelta(minutes=5),
            )
            OrderItem.objects.create(
                order=order,
                sku=event.sku,
                product_id=event.sku.product_id,
                product_name="naive",
                sku_code=event.sku.code,
                unit_price=event.flash_price,
                quantity=1,
                line_total=event.flash_price,
                paid_amount=event.flash_price,
            )
        return Response({"order_no": order.order_no}, status=201)


urlpatterns = [
    path("bench/naive/<int:event_id>/reserve", NaiveReserveApi.as_view()),
    *shop_urlpatterns,
]

from django.urls import path

from payments import api

urlpatterns = [
    path("orders/<str:order_no>/pay", api.OrderPayApi.as_view(), name="api-order-pay"),
    path("payments/<str:payment_no>", api.PaymentDetailApi.as_view(), name="api-payment"),
]

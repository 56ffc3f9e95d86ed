from django.urls import path

from orders import api

urlpatterns = [
    path("checkout/preview", api.CheckoutPreviewApi.as_view(), name="api-checkout-preview"),
    path("checkout/quote", api.CheckoutQuoteApi.as_view(), name="api-checkout-quote"),
    path("orders", api.OrderListApi.as_view(), name="api-orders"),
    path("orders/<str:order_no>", api.OrderDetailApi.as_view(), name="api-order"),
    path("orders/<str:order_no>/cancel", api.OrderCancelApi.as_view(), name="api-order-cancel"),
    path("orders/<str:order_no>/address", api.OrderAddressApi.as_view(), name="api-order-address"),
    path("orders/<str:order_no>/confirm", api.OrderConfirmApi.as_view(), name="api-order-confirm"),
]

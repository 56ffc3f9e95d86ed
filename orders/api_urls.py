from django.urls import path

from orders import api, api_aftersales

urlpatterns = [
    path("checkout/preview", api.CheckoutPreviewApi.as_view(), name="api-checkout-preview"),
    path("orders", api.OrderListApi.as_view(), name="api-orders"),
    path("orders/<str:order_no>", api.OrderDetailApi.as_view(), name="api-order"),
    path("orders/<str:order_no>/cancel", api.OrderCancelApi.as_view(), name="api-order-cancel"),
    path("orders/<str:order_no>/confirm", api.OrderConfirmApi.as_view(), name="api-order-confirm"),
    path(
        "aftersale-reasons",
        api_aftersales.AfterSaleReasonListApi.as_view(),
        name="api-aftersale-reasons",
    ),
    path("aftersales", api_aftersales.AfterSaleListApi.as_view(), name="api-aftersales"),
    path(
        "aftersales/<str:request_no>",
        api_aftersales.AfterSaleDetailApi.as_view(),
        name="api-aftersale",
    ),
    path(
        "aftersales/<str:request_no>/withdraw",
        api_aftersales.AfterSaleWithdrawApi.as_view(),
        name="api-aftersale-withdraw",
    ),
    path(
        "aftersales/<str:request_no>/return",
        api_aftersales.AfterSaleReturnApi.as_view(),
        name="api-aftersale-return",
    ),
]

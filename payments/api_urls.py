from django.urls import path

from payments import api, api_aftersales

urlpatterns = [
    path("orders/<str:order_no>/pay", api.OrderPayApi.as_view(), name="api-order-pay"),
    path("payments/<str:payment_no>", api.PaymentDetailApi.as_view(), name="api-payment"),
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

from django.urls import path

from payments import views, views_aftersales

app_name = "payments"

urlpatterns = [
    path("orders/<str:order_no>/pay/", views.pay, name="pay"),
    path("payments/sandbox/<str:payment_no>/", views.sandbox_gateway, name="sandbox"),
    path("payments/wechat/<str:payment_no>/", views.wechat_native, name="wechat_native"),
    path("payments/notify/<slug:provider>/", views.notify, name="notify"),
    path("orders/<str:order_no>/aftersale/", views_aftersales.aftersale_new, name="aftersale_new"),
    path(
        "aftersale/photos/<int:photo_id>/",
        views_aftersales.aftersale_photo,
        name="aftersale_photo",
    ),
    path(
        "orders/<str:order_no>/aftersale/<str:request_no>/withdraw/",
        views_aftersales.aftersale_withdraw,
        name="aftersale_withdraw",
    ),
    path(
        "orders/<str:order_no>/aftersale/<str:request_no>/return/",
        views_aftersales.aftersale_return,
        name="aftersale_return",
    ),
]

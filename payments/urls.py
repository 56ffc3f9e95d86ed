from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("orders/<str:order_no>/pay/", views.pay, name="pay"),
    path("payments/sandbox/<str:payment_no>/", views.sandbox_gateway, name="sandbox"),
    path("payments/wechat/<str:payment_no>/", views.wechat_native, name="wechat_native"),
    path("payments/notify/<slug:provider>/", views.notify, name="notify"),
]

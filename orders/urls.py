from django.urls import path

from orders import pickup_views, views

app_name = "orders"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="list"),
    path("orders/<str:order_no>/", views.order_detail, name="detail"),
    path("orders/<str:order_no>/cancel/", views.order_cancel, name="cancel"),
    path("orders/<str:order_no>/address/", views.order_address, name="address"),
    path("orders/<str:order_no>/confirm/", views.order_confirm, name="confirm"),
    path("orders/<str:order_no>/buy-again/", views.order_buy_again, name="buy_again"),
    path("orders/<str:order_no>/pickup/", pickup_views.pickup_code, name="pickup_code"),
    path("pickup/", pickup_views.pickup_desk, name="pickup_desk"),
    path("pickup/hand-over/", pickup_views.pickup_desk_hand_over, name="pickup_hand_over"),
    path("messages/", views.message_list, name="messages"),
    path("messages/read/", views.message_mark_read, name="messages_read"),
    path("messages/<int:message_id>/read/", views.message_read, name="message_read"),
]

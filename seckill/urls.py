from django.urls import path

from seckill import views

app_name = "seckill"

urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("<int:event_id>/", views.event_detail, name="event"),
    path("<int:event_id>/buy/", views.event_buy, name="buy"),
    path("<int:event_id>/remind/", views.event_remind, name="remind"),
    path("r/<str:reservation_id>/", views.reservation_result, name="result"),
]

from django.urls import path

from seckill import api, hot

# The reserve view is plain Django (the hot path); drf-spectacular documents a route by its
# view class, so it is pointed at the class that only carries the schema.
hot.reserve.cls = api.ReserveSchemaApi
hot.reserve.initkwargs = {}

# Also served alone, under config.hotpath's short stack (seckill/hot_urls.py).
reserve_patterns = [
    path("seckill/events/<int:event_id>/reserve", hot.reserve, name="api-seckill-reserve"),
]

urlpatterns = [
    *reserve_patterns,
    path("seckill/sessions", api.SessionListApi.as_view(), name="api-seckill-sessions"),
    path("seckill/events/<int:event_id>", api.EventDetailApi.as_view(), name="api-seckill-event"),
    path(
        "seckill/events/<int:event_id>/status",
        api.EventStatusApi.as_view(),
        name="api-seckill-status",
    ),
    path(
        "seckill/events/<int:event_id>/token", api.EventTokenApi.as_view(), name="api-seckill-token"
    ),
    path(
        "seckill/events/<int:event_id>/reminder",
        api.ReminderApi.as_view(),
        name="api-seckill-reminder",
    ),
    path(
        "seckill/reservations/<str:reservation_id>",
        api.ReservationResultApi.as_view(),
        name="api-seckill-result",
    ),
]

"""The websocket routes: the per-user events here, and what apps register at startup
(marketing: a group's share page), so config never imports an app's consumers."""

from django.urls import path

from config.consumers import UserEventsConsumer

websocket_urlpatterns = [
    path("ws/events/", UserEventsConsumer.as_asgi()),
]


def register_websocket_route(route) -> None:
    """An app's ``path(...)`` to a consumer, added in its AppConfig.ready (before the ASGI
    application builds its router from this list)."""
    if all(str(r.pattern) != str(route.pattern) for r in websocket_urlpatterns):
        websocket_urlpatterns.append(route)

"""ASGI entry point: websockets under /ws/ (HTTP too, for runserver in development)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

# Embedded mode has no beat: periodic jobs (the unpaid-order sweep …) run in-process.
from config.scheduler import start_embedded_scheduler  # noqa: E402

start_embedded_scheduler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.ws_auth import SessionOrJWTAuthMiddlewareStack  # noqa: E402
from config.ws_routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            SessionOrJWTAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

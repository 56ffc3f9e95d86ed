"""WSGI entry point: plain HTTP (pages, admin, API, callbacks) under gunicorn sync workers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_wsgi_application()

# The flash-sale reserve path runs under a short middleware stack (config/hotpath.py).
from config.hotpath import with_hot_path  # noqa: E402

application = with_hot_path(django_application)

# Embedded mode has no beat: periodic jobs (the unpaid-order sweep …) run in-process.
from config.scheduler import start_embedded_scheduler  # noqa: E402

start_embedded_scheduler()

# jieba loads its dictionary (~0.5 s) on first use: load it now, beside the first requests,
# so the first Chinese search of a worker does not wait for it.
from catalog.search import warm_up  # noqa: E402

warm_up()

"""Celery app: Redis broker, JSON, time limits, three queues, beat schedule from settings."""

import os

from celery import Celery, signals
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kuaimai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue("seckill"), Queue("payments"), Queue("default")]
app.autodiscover_tasks()


@signals.setup_logging.connect
def _keep_the_shops_logging(**kwargs):
    """The worker logs as every process of the shop does (settings.LOGGING: JSON in
    production, LOG_LEVEL): Celery configures nothing of its own when this answers, so its
    ``-l`` option neither adds a handler in its format nor changes the root logger's level."""


@signals.before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    """Pass the publishing request's id to the task so its logs can be joined up."""
    from config.middleware import request_id_var

    if headers is not None and "request_id" not in headers:
        headers["request_id"] = request_id_var.get()


@signals.task_prerun.connect
def _restore_request_id(task=None, **kwargs):
    from config.middleware import request_id_var

    if task.request.is_eager:
        return  # inline (embedded mode, tests): it runs in the request's thread, keep its id
    from config.logs import log_bind, log_context_reset

    request_id = getattr(task.request, "request_id", None) or (task.request.id or "-")
    request_id_var.set(request_id)
    log_context_reset()  # nothing bound by the task this process ran before
    log_bind(task=task.name)

import logging

from django.apps import AppConfig
from django.utils.translation import gettext_noop

# Django's forms end every label with gettext(":"); Django's own Chinese catalogue keeps the
# ASCII colon, and Chinese labels take the full-width one (用户名：). Marked here so this
# project's catalogue, read before Django's, carries the entry.
LABEL_SUFFIX = gettext_noop(":")


class KuaimaiConfig(AppConfig):
    """Project-wide plumbing: management commands (worker_health), the metrics hooks that
    count every database query and Celery task of whichever process this is, and tracing
    when an OTLP endpoint is configured."""

    name = "config"
    verbose_name = "Kuaimai"

    def ready(self):
        from config.metrics.hooks import install_celery_signals, install_db_counter
        from config.tracing import tracing_setup

        # Python's warnings (a missing static folder …) as log records, in the log's format.
        logging.captureWarnings(True)
        install_db_counter()
        install_celery_signals()
        tracing_setup()

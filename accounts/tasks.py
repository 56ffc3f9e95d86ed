from celery import shared_task
from django.core.management import call_command


@shared_task(ignore_result=True)
def flush_expired_tokens_task() -> None:
    """Delete expired refresh tokens from the blacklist tables (idempotent)."""
    call_command("flushexpiredtokens")

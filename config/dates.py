"""Dates as people read them: the shop's time zone, the active language's format
(2026年11月22日 14:05 in zh-hans). For text built outside templates (emails, messages)."""

from django.utils import formats, timezone


def local_datetime(value) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""


def local_time(value) -> str:
    return formats.time_format(timezone.localtime(value), "TIME_FORMAT") if value else ""

"""Dates as people read them: the shop's time zone, the active language's format
(2026年11月22日 14:05 in zh-hans). For text built outside templates (emails, messages)."""

import datetime

from django.utils import formats, timezone


def local_day_range(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The shop's local day as an aware [start, end) range: an index-friendly filter on
    a datetime column, unlike ``__date`` (a cast of every row, in the database's zone)."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    return start, datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )


def local_datetime(value) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""


def local_time(value) -> str:
    return formats.time_format(timezone.localtime(value), "TIME_FORMAT") if value else ""

"""“Remind me”: a shopper subscribes to an upcoming flash sale, and a few minutes before it
starts gets an in-site message and an email (once, however often beat runs)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.money import money
from orders.notifications import message_deliver
from seckill.errors import EventStepNotAllowed
from seckill.models import EventStatus, SeckillEvent, SeckillReminder

E = EventStatus


def reminder_set(*, event_id: int, user, on: bool) -> bool:
    """Subscribe (``on``) or unsubscribe; returns whether the shopper is now subscribed.
    Only events that have not started take new subscriptions."""
    if not on:
        SeckillReminder.objects.filter(event_id=event_id, user=user).delete()
        return False
    event = SeckillEvent.objects.filter(
        pk=event_id, status=E.PUBLISHED, starts_at__gt=timezone.now()
    ).first()
    if event is None:
        raise EventStepNotAllowed()
    try:
        with transaction.atomic():
            SeckillReminder.objects.get_or_create(event=event, user=user)
    except IntegrityError:  # a double click won the race: subscribed either way
        pass
    return True


def reminders_send_due(*, now=None) -> int:
    """Beat: tell the subscribers of events starting within SECKILL_REMIND_BEFORE; returns
    how many reminders went out. Each is claimed by a conditional update first."""
    now = now or timezone.now()
    soon = now + timedelta(seconds=settings.SECKILL_REMIND_BEFORE)
    due = SeckillReminder.objects.filter(
        sent_at=None,
        event__status__in=[E.PUBLISHED, E.RUNNING],
        event__starts_at__lte=soon,
        event__ends_at__gt=now,
    ).select_related("event", "user", "event__sku__product")
    sent = 0
    for reminder in due:
        if not SeckillReminder.objects.filter(pk=reminder.pk, sent_at=None).update(sent_at=now):
            continue
        event = reminder.event

        def write(event=event):
            start = timezone.localtime(event.starts_at).strftime("%H:%M")
            title = _("Flash sale at %(time)s: %(title)s") % {"time": start, "title": event.title}
            body = _(
                "%(product)s at %(price)s, %(units)d units only. It starts at %(time)s; "
                "find it under Flash sales."
            ) % {
                "product": event.sku.product.name,
                "price": money(event.flash_price),
                "units": event.allocated,
                "time": start,
            }
            return title, body

        message_deliver(reminder.user, None, f"seckill-remind:{event.pk}", write)
        sent += 1
    return sent

"""Outgoing mail when none is configured.

A password-reset email carries a link that logs anyone in, and order emails carry a name, a
phone and an address: none of it may reach a log. With DEBUG off and no EMAIL_BACKEND or
EMAIL_HOST set, mail goes to this backend, which logs only that a message was not sent, to
how many recipients, and its subject (Django's console backend would print the whole body).
"""

from __future__ import annotations

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("kuaimai.mail")


class RedactedLogBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            logger.warning(
                "mail not sent (no EMAIL_HOST set): %d recipient(s), subject %r",
                len(message.recipients()),
                str(message.subject)[:120],
            )
        return len(email_messages)

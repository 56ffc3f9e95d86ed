"""kombu's Redis transport with one bug fixed: a worker holding an unacknowledged message
(a countdown task waiting for its time, or one running) when Redis goes away exits with
``Unrecoverable error: AttributeError("'NoneType' object has no attribute 'hostname'")``.

Reproduced with celery 5.7.0 / kombu 5.7.0 (and the same code in 5.6.x; reported upstream
since kombu 3, celery/kombu#582 and #970, never fixed): on connection loss Celery closes the
connection, which closes the channel, which tries to put the unacknowledged messages back
(``QoS.restore_unacked``) through a client built from the connection that was just released,
so ``_connparams`` reads ``None.hostname``. The AttributeError is not a connection error, so
``ignore_errors`` lets it through and the worker dies.

Nothing needs restoring at that moment: every message the worker took is also in Redis' own
"unacked" hash (written when it was delivered), and kombu's ``restore_visible`` puts it back
on its queue once ``visibility_timeout`` has passed, which the shop keeps short by never
holding a task long (config.settings: CELERY_MAX_COUNTDOWN). So when the channel has lost its
connection, the restore is left to that and the worker carries on reconnecting.

Used for redis:// brokers only (settings.CELERY_BROKER_TRANSPORT); RabbitMQ needs none of it.
"""

from __future__ import annotations

import logging

from kombu.transport import redis as kombu_redis

logger = logging.getLogger(__name__)


class QoS(kombu_redis.QoS):
    def restore_unacked(self, client=None):
        transport = self.channel.connection
        if client is None and (transport is None or transport.client is None):
            if self._delivered:
                logger.warning(
                    "broker connection lost: %d unacknowledged message(s) go back to their "
                    "queue after the visibility timeout",
                    len(self._delivered),
                )
            self._delivered.clear()
            return None
        return super().restore_unacked(client)


class Channel(kombu_redis.Channel):
    QoS = QoS


class Transport(kombu_redis.Transport):
    Channel = Channel

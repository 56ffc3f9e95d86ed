"""Pre-flight for ``make test``: one line and exit 1 if PostgreSQL, Redis or RabbitMQ (the
broker tests run a second time on it) is unreachable."""

import os
import sys
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kuaimai"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"

PG_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_HINT = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
RABBITMQ_HINT = "rabbitmq-server -detached"
DEFAULT_RABBITMQ = ("127.0.0.1", 5672)


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    import psycopg
    import redis

    parts = urlsplit(database_url)
    try:
        psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error:
        print(
            f"PostgreSQL is unreachable at {parts.hostname}:{parts.port or 5432}; "
            f"start it with: {PG_HINT} (or set DATABASE_URL)",
            file=sys.stderr,
        )
        return 1
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError:
        host = urlsplit(redis_url)
        print(
            f"Redis is unreachable at {host.hostname}:{host.port or 6379}; "
            f"start it with: {REDIS_HINT} (or set REDIS_URL)",
            file=sys.stderr,
        )
        return 1
    import socket

    try:
        socket.create_connection(DEFAULT_RABBITMQ, timeout=3).close()
    except OSError:
        print(
            f"RabbitMQ is unreachable at {DEFAULT_RABBITMQ[0]}:{DEFAULT_RABBITMQ[1]}; "
            f"start it with: {RABBITMQ_HINT}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Project-wide pytest fixtures (loaded with ``-p config.testing``).

Tests run on the real PostgreSQL and Redis; Redis' cache and state databases are emptied
before every test so no test sees another's rate limits, carts or seckill keys.
"""

from __future__ import annotations

import os

import pytest

# Run by pytest-xdist (make test runs the main pass on two processes), each worker gets Redis
# databases of its own, four from its base (cache, broker, channels, app state), so one
# worker's flush before each test never empties another's. Without a REDIS_URL of the
# caller's, the first worker keeps the pyproject's 10–13 and the second takes 2–5 (the browser
# journeys' full stack uses 6–9, config/e2e.py); with one, worker n adds 4n to its database.
# The controller notes whether the caller gave one before pytest-env fills it in (its
# workers inherit the filled-in environment); this plugin is imported first (-p).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if not _worker:
    os.environ.setdefault("KUAIMAI_TEST_REDIS_URL", os.environ.get("REDIS_URL", ""))
elif _worker.startswith("gw") and int(_worker[2:]) > 0:
    _index = int(_worker[2:])
    _given = os.environ.get("KUAIMAI_TEST_REDIS_URL", "")
    if _given:
        _server, _, _db = _given.rstrip("/").rpartition("/")
        _base = int(_db or 0) + 4 * _index
    else:
        _server, _base = "redis://127.0.0.1:6379", (10, 2, 99)[min(_index, 2)]
    if _base > 12:
        raise RuntimeError(f"test worker {_worker} has no free Redis databases (base {_base})")
    os.environ["REDIS_URL"] = f"{_server}/{_base}"


# Tests that mostly wait (a Redis outage of two minutes, nodes of RabbitMQ, the embedded
# stack booting): run first, so the other test workers fill that time.
_LONG_WAITS = ("test_outage_workers.py", "test_rabbitmq.py", "test_embedded.py")


def pytest_collection_modifyitems(items):
    """Every test that runs a real worker is a broker test too: ``make test`` runs them a
    second time on RabbitMQ (``-m broker`` with an amqp:// CELERY_BROKER_URL)."""
    for item in items:
        if "real_worker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.broker)
    items.sort(key=lambda item: item.path.name not in _LONG_WAITS)


def _one_slot(keys) -> None:
    from redis.crc import key_slot

    slots = {key_slot(key.encode()) for key in keys}
    if len(slots) > 1:
        raise AssertionError(f"a script's keys span {len(slots)} hash slots: {keys}")


@pytest.fixture(scope="session", autouse=True)
def _every_script_call_stays_in_one_slot():
    """Every Lua call of the whole suite is checked: its keys share one hash slot, so every
    script runs on a Redis Cluster (config.redis)."""
    from config.redis import LuaScript

    LuaScript.check_keys = staticmethod(_one_slot)
    yield
    LuaScript.check_keys = None


@pytest.fixture(scope="session", autouse=True)
def _rabbitmq_vhost():
    """On an amqp:// broker the suite gets its vhost, made for the run and deleted after."""
    import os
    from urllib.parse import urlsplit

    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("amqp://"):
        yield
        return
    from config.testing_servers import rabbitmq_vhost

    with rabbitmq_vhost(urlsplit(url).path.lstrip("/")):
        yield


@pytest.fixture(autouse=True)
def _clean_redis(request):
    from django.core.cache import cache

    from config.redis import get_redis

    get_redis().flushdb()
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_outage_reports():
    """Outage reports are logged once per interval per process: each test starts with none
    made, so a test that expects one does not depend on which test ran before it on the
    same xdist worker."""
    from config import outage

    outage._throttle = outage._Throttle()


@pytest.fixture(autouse=True)
def _reset_language():
    """LocaleMiddleware leaves the last request's language active in the thread; a test
    that browsed in Chinese must not make the next one's services speak Chinese."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def user(db):
    from accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def buyer(db):
    """A shopper with a default address."""
    from accounts.tests.factories import AddressFactory, UserFactory

    user = UserFactory()
    user.address = AddressFactory(user=user, is_default=True)
    return user


@pytest.fixture
def merchant_client(client, db):
    """The test client logged in as staff in the Merchants group (``client.merchant``)."""
    from django.contrib.auth.models import Group

    from accounts.permissions import MERCHANTS_GROUP
    from accounts.tests.factories import UserFactory

    merchant = UserFactory(is_staff=True)
    merchant.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    client.force_login(merchant)
    client.merchant = merchant
    return client


@pytest.fixture
def auth_client(user):
    """An API client logged in with a real JWT access token for ``user``."""
    from rest_framework.test import APIClient

    from accounts.services import user_tokens_issue

    client = APIClient()
    tokens = user_tokens_issue(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    client.tokens = tokens
    return client


@pytest.fixture
def png_bytes() -> bytes:
    """A small real PNG made with Pillow."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (228, 57, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files go to a per-test folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def run_concurrently(target, times: int) -> list:
    """Run ``target()`` in ``times`` threads released together; return each outcome."""
    return run_together(*[target] * times)


def run_together(*targets) -> list:
    """Run each callable in its own thread, all released together; return their outcomes
    in the order of ``targets``.

    An outcome is the return value, or the exception raised. Each thread closes its own
    database connection, as a request or worker would.
    """
    import threading

    from django.db import connection

    outcomes: list = [None] * len(targets)
    barrier = threading.Barrier(len(targets))

    def run(index, target):
        barrier.wait()
        try:
            outcomes[index] = target()
        except Exception as exc:  # the outcome under test, handed back to the caller
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, target)) for index, target in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser(monkeypatch):
    """Headless Chromium through Playwright. The browser is Debian's chromium (`apt-get
    install chromium`, done by .ci/run); Playwright never downloads one. Outside CI, a
    machine without it skips the test with that hint."""
    import os
    import shutil

    if not shutil.which(CHROMIUM) and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        # Inside Playwright's loop the test body got its own database connections (Django
        # keys them by context); close them here, or they outlive the test database.
        from django.db import connections

        connections.close_all()
        browser.close()


@pytest.fixture
def real_worker(settings):
    """Tasks go to the Redis broker and a worker thread runs them, as in production (every
    queue the worker service listens on).

    The worker thread blocks on its own broker connection (``use_eventloop=False``). Its
    event loop would be kombu's one per process, which this process's other threads (the
    test, the live server) publish beside: on RabbitMQ it then missed deliveries until its
    next timer, up to 10 s while a countdown task was held, so a test waiting 20 s for a
    chain of tasks failed now and then. A worker process of its own (the worker service)
    has no such neighbours."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.task_always_eager = False
    app.loader.import_default_modules()
    app.control.purge()  # tasks left on the test broker by anything before this test
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        queues=["default", "payments", "seckill"],
        shutdown_timeout=10,
        use_eventloop=False,
    ) as worker:
        yield worker
    app.conf.task_always_eager = True


class SimulatedServer:
    """A simulated remote service (a payment gateway, WeChat's login API) served over HTTP
    on 127.0.0.1 by the tests: ``serve(handler_class)`` starts it on a free port."""

    base = ""
    _server = None

    def serve(self, handler) -> str:
        import threading
        from http.server import ThreadingHTTPServer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        host, port = self._server.server_address[:2]
        self.base = f"http://{host}:{port}"
        return self.base

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def admin_page_post_data(page, **changes) -> dict:
    """What a merchant's browser sends back when they press Save on the admin page ``page``
    (a GET response): every editable field as the page showed it, the inlines' management
    forms, ``changes`` on top. Read-only pages send just the button; a page that saves
    must write what it loaded and no more."""
    from django.forms import MultiWidget

    data: dict = {"_save": "Save"}
    form = page.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        keys = [form.add_prefix(name)]
        if field.show_hidden_initial:  # the value the page showed, sent back beside it
            keys.append(form.add_initial_prefix(name))
        for key in keys:
            if isinstance(field.widget, MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{key}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value is not None:
                data[key] = value
    for inline in page.context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    data.update(changes)
    return data


@pytest.fixture
def killable_redis(settings):
    """The cache and the app state on a Redis of this test's own, which the test may kill,
    pause and start again (``config.testing_servers.RedisServer``). It keeps an append-only
    file, as a deployment's app-state Redis does, so a kill and a start keep the data."""
    from config.testing_servers import RedisServer

    server = RedisServer(persist=True).start()
    settings.REDIS_STATE_URL = server.url(0)
    settings.REDIS_CACHE_URL = server.url(1)
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": server.url(1)},
    }
    settings.REDIS_BREAKER_SECONDS = 0.2
    yield server
    server.stop()
    from config.cache_backend import forget_owed

    forget_owed()


def publish_to(monkeypatch, settings, url: str, *, max_countdown: int) -> None:
    """For one test, this process sends its tasks to the broker at ``url`` for real (not
    eagerly), through pools of that broker: kombu keeps one per URL, and the suite's come back
    when the test ends. The workers a test starts take the same URL from the environment."""
    from config.celery import app

    monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery reads it before its setting
    monkeypatch.setitem(app.conf, "broker_url", url)
    monkeypatch.setitem(app.conf, "broker_write_url", None)
    monkeypatch.setitem(app.conf, "broker_read_url", None)
    redis_broker = url.startswith(("redis://", "rediss://"))
    monkeypatch.setitem(
        app.conf, "broker_transport", "config.broker:Transport" if redis_broker else None
    )
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_MAX_COUNTDOWN = max_countdown


def wait_until(check, timeout: float = 10.0, interval: float = 0.1):
    """Call ``check`` until it returns something true; return that, or fail at ``timeout``."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {check}")
        time.sleep(interval)


@pytest.fixture
def cuttable_database(live_server):
    """The live server (and this test) reach PostgreSQL through a TCP forwarder the test can
    cut and mend (``config.testing_servers.TcpCut``): the database host going away."""
    from django.db import connections

    from config.testing_servers import TcpCut

    conf = connections["default"].settings_dict
    saved = conf["HOST"], conf["PORT"]
    proxy = TcpCut((conf["HOST"] or "127.0.0.1", int(conf["PORT"] or 5432))).start()
    connections.close_all()
    conf["HOST"], conf["PORT"] = "127.0.0.1", str(proxy.port)
    yield proxy
    proxy.cut()
    conf["HOST"], conf["PORT"] = saved
    connections.close_all()

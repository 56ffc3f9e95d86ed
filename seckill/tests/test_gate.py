"""The gate: every answer of the Lua script, and the reserve endpoint around it (no SQL)."""

import json
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from config.redis import get_redis
from seckill import gate
from seckill.models import SeckillEvent
from seckill.tests.factories import live_event, make_event
from seckill.tokens import token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_shortcut():
    gate.forget_sold_out()
    yield
    gate.forget_sold_out()


def attempt(event_id, user_id, *, token_id=None, qty=1, ip="10.0.0.1"):
    return gate.reserve(
        event_id=event_id,
        user_id=user_id,
        quantity=qty,
        reservation_id=f"{event_id}-{user_id}-{time.monotonic_ns()}",
        token_id=token_id or f"t{time.monotonic_ns()}",
        ip=ip,
    )


def test_an_admission_takes_the_unit_counts_the_buyer_and_queues_the_reservation():
    event = live_event(allocated=3)
    answer = attempt(event.pk, 7)
    assert (answer.code, answer.stock_left) == (gate.ADMITTED, 2)
    redis = get_redis()
    assert redis.get(gate.key(event.pk, "stock")) == "2"
    assert redis.hget(gate.key(event.pk, "buyers"), "7") == "1"
    [(_id, fields)] = redis.xrange(gate.key(event.pk, "stream"))
    assert (fields["uid"], fields["qty"]) == ("7", "1")
    assert redis.hget(gate.key(event.pk, "rsv"), fields["rid"]) == "7:1"


def test_a_cold_gate_answers_not_warmed_never_sold_out_and_asks_one_caller_to_warm_it():
    event = live_event(allocated=3, warm=False)
    first, second = attempt(event.pk, 1), attempt(event.pk, 2)
    assert (first.code, first.warm_up) == (gate.NOT_WARMED, True)
    assert (second.code, second.warm_up) == (gate.NOT_WARMED, False)


def test_before_the_start_and_after_the_end_the_gate_refuses():
    event = live_event(allocated=3)
    meta = gate.key(event.pk, "meta")
    now_ms = int(time.time() * 1000)
    get_redis().hset(meta, mapping={"start": now_ms + 60_000})
    assert attempt(event.pk, 1).code == gate.NOT_STARTED
    get_redis().hset(meta, mapping={"start": now_ms - 120_000, "end": now_ms - 60_000})
    assert attempt(event.pk, 1).code == gate.ENDED
    assert get_redis().get(gate.key(event.pk, "stock")) == "3"


def test_the_last_unit_goes_once_and_then_it_is_sold_out():
    event = live_event(allocated=2)
    assert attempt(event.pk, 1).code == gate.ADMITTED
    assert attempt(event.pk, 2).code == gate.ADMITTED
    gate.forget_sold_out()  # ask Redis itself, not the process's shortcut
    answer = attempt(event.pk, 3)
    assert (answer.code, answer.stock_left) == (gate.SOLD_OUT, 0)
    assert get_redis().xlen(gate.key(event.pk, "stream")) == 2


def test_one_open_order_per_shopper_and_never_more_than_the_limit():
    event = live_event(allocated=10, limit=2)
    assert attempt(event.pk, 1, qty=3).code == gate.OVER_LIMIT
    assert attempt(event.pk, 1, qty=2).code == gate.ADMITTED
    assert attempt(event.pk, 1, qty=1).code == gate.OVER_LIMIT
    assert get_redis().get(gate.key(event.pk, "stock")) == "8"


def test_a_token_is_used_once():
    event = live_event(allocated=10)
    assert attempt(event.pk, 1, token_id="same").code == gate.ADMITTED
    assert attempt(event.pk, 2, token_id="same").code == gate.TOKEN_USED


def test_the_rate_limits_per_shopper_and_per_ip(settings):
    event = live_event(allocated=100)
    settings.SECKILL_RATE_PER_USER = 2
    settings.SECKILL_RATE_PER_IP = 3
    codes = [attempt(event.pk, 1, ip="10.0.0.9").code for _ in range(3)]
    assert codes == [gate.ADMITTED, gate.OVER_LIMIT, gate.RATE_LIMITED]
    assert attempt(event.pk, 2, ip="10.0.0.9").code == gate.RATE_LIMITED  # the IP's third
    assert attempt(event.pk, 2, ip="10.0.0.10").code == gate.ADMITTED


# --- The endpoint ------------------------------------------------------------------------


def reserve_url(event):
    return reverse("api-seckill-reserve", args=[event.pk])


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_reserve_answers_202_with_a_reservation_and_runs_no_sql(client, django_assert_num_queries):
    event = live_event(allocated=5)
    token, _ = token_issue(user_id=UserFactory().pk, event_id=event.pk)
    with django_assert_num_queries(0):
        response = post_json(client, reserve_url(event), {"token": token})
    assert response.status_code == 202
    assert response.json()["reservation_id"].startswith(f"{event.pk}-")
    again = post_json(client, reserve_url(event), {"token": token})
    assert (again.status_code, again.json()["code"]) == (403, 60009)


def test_each_refusal_has_its_status_and_60xxx_code(client, settings):
    event = live_event(allocated=1)
    users = [UserFactory().pk for _ in range(3)]

    def reserve(user_id):
        token, _ = token_issue(user_id=user_id, event_id=event.pk)
        return post_json(client, reserve_url(event), {"token": token})

    assert reserve(users[0]).status_code == 202
    gate.forget_sold_out()
    sold_out = reserve(users[1])
    assert (sold_out.status_code, sold_out.json()["code"]) == (409, 60006)
    over = reserve(users[0])
    assert (over.status_code, over.json()["code"]) == (409, 60006)  # the shortcut answers first
    gate.forget_sold_out()
    get_redis().incrby(gate.key(event.pk, "stock"), 1)
    over = reserve(users[0])
    assert (over.status_code, over.json()["code"]) == (409, 60007)
    settings.SECKILL_RATE_PER_USER = 0
    limited = reserve(users[2])
    assert (limited.status_code, limited.json()["code"], limited["Retry-After"]) == (
        429,
        60008,
        "1",
    )


def test_reserve_before_the_start_or_after_the_end_is_403(client):
    event = make_event(starts_in=timedelta(minutes=10))
    from seckill.services import event_publish, event_warm_up

    event_publish(event_id=event.pk)
    event_warm_up(event_id=event.pk)
    token, _ = token_issue(user_id=UserFactory().pk, event_id=event.pk)
    early = post_json(client, reserve_url(event), {"token": token})
    assert (early.status_code, early.json()["code"]) == (403, 60004)
    get_redis().hset(gate.key(event.pk, "meta"), mapping={"start": 0, "end": 1})
    token, _ = token_issue(user_id=UserFactory().pk, event_id=event.pk)
    late = post_json(client, reserve_url(event), {"token": token})
    assert (late.status_code, late.json()["code"]) == (403, 60005)


def test_a_cold_gate_answers_503_and_warms_itself(client):
    event = live_event(allocated=4, warm=False)
    token, _ = token_issue(user_id=UserFactory().pk, event_id=event.pk)
    cold = post_json(client, reserve_url(event), {"token": token})
    assert (cold.status_code, cold.json()["code"], cold["Retry-After"]) == (503, 60010, "1")
    assert get_redis().get(gate.key(event.pk, "stock")) == "4"  # the eager warm-up ran
    token, _ = token_issue(user_id=UserFactory().pk, event_id=event.pk)
    assert post_json(client, reserve_url(event), {"token": token}).status_code == 202


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"token": 5}',
        b'{"token": "x.y.z"}',
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_garbage_is_a_403_bad_token_never_a_500(client, body):
    event = live_event(allocated=1)
    response = client.post(reserve_url(event), body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, 60009)


@pytest.mark.parametrize("length", ["abc", "-1", "²", "99999999"])
def test_an_odd_or_huge_content_length_is_a_400_never_a_500(client, length):
    event = live_event(allocated=1)
    response = client.post(
        reserve_url(event), b"{}", content_type="application/json", CONTENT_LENGTH=length
    )
    assert (response.status_code, response.json()["code"]) == (400, 400)


def test_a_nul_byte_is_refused_at_the_edge_with_a_400(client):
    event = live_event(allocated=1)
    body = b'{"token": "\\u0000"}'
    response = client.post(reserve_url(event), body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, 400)


@pytest.mark.parametrize("quantity", [0, -1, "²", "1.5", 100, True, "NaN", 10**30])
def test_a_bad_quantity_is_a_400(client, quantity):
    event = live_event(allocated=1)
    token, _ = token_issue(user_id=UserFactory().pk, event_id=event.pk)
    response = post_json(client, reserve_url(event), {"token": token, "quantity": quantity})
    assert (response.status_code, response.json()["errors"]) == (400, {"quantity": ["1 to 99."]})


def test_a_token_for_another_event_or_expired_is_refused(client, settings):
    event, other = live_event(allocated=1), live_event(allocated=1)
    user = UserFactory()
    token, _ = token_issue(user_id=user.pk, event_id=other.pk)
    assert post_json(client, reserve_url(event), {"token": token}).json()["code"] == 60009
    settings.SECKILL_TOKEN_SECONDS = -1
    token, _ = token_issue(user_id=user.pk, event_id=event.pk)
    assert post_json(client, reserve_url(event), {"token": token}).json()["code"] == 60009
    assert client.get(reserve_url(event)).status_code == 405


def test_the_token_is_issued_only_after_the_start_and_only_to_shoppers_logged_in(client):
    event = live_event(allocated=1)
    url = reverse("api-seckill-token", args=[event.pk])
    assert client.post(url).status_code in (401, 403)
    user = UserFactory()
    client.force_login(user)
    issued = client.post(url).json()
    assert issued["expires_in"] == 60
    assert post_json(client, reserve_url(event), {"token": issued["token"]}).status_code == 202
    later = timezone.now() + timedelta(hours=1)
    SeckillEvent.objects.filter(pk=event.pk).update(
        starts_at=later, ends_at=later + timedelta(hours=1)
    )
    from django.core.cache import cache

    cache.clear()
    early = client.post(url)
    assert (early.status_code, early.json()["code"]) == (403, 60004)


def _wsgi_call(application, request):
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(application(request.environ, start_response))
    return int(answer["status"].split()[0]), answer["headers"], body


@pytest.fixture
def wsgi_app():
    """The production WSGI app, its per-request connection closing off (the test's
    transaction holds the connection)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_server_answers_reserve_through_the_short_middleware_stack(
    rf, wsgi_app, django_assert_num_queries
):
    event = live_event(allocated=5)
    token, _ = token_issue(user_id=UserFactory().pk, event_id=event.pk)
    request = rf.post(
        reserve_url(event),
        json.dumps({"token": token}),
        content_type="application/json",
        HTTP_X_REQUEST_ID="crowd-1",
    )
    with django_assert_num_queries(0):
        status, headers, body = _wsgi_call(wsgi_app, request)
    assert status == 202 and json.loads(body)["reservation_id"].startswith(f"{event.pk}-")
    assert (headers["X-Request-ID"], headers["X-Content-Type-Options"]) == ("crowd-1", "nosniff")
    assert "Set-Cookie" not in headers and "Vary" not in headers  # no session, no locale
    nul = rf.post(reserve_url(event), b'{"token": "\\u0000"}', content_type="application/json")
    status, _headers, body = _wsgi_call(wsgi_app, nul)
    assert (status, json.loads(body)["code"]) == (400, 400)
    # Every other path keeps the whole stack (the session's cookie, the language).
    status, headers, _body = _wsgi_call(wsgi_app, rf.get(reverse("seckill:sessions")))
    assert status == 200 and "Accept-Language" in headers.get("Vary", "")

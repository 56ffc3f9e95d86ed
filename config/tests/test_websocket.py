import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from accounts.services import user_tokens_issue
from config.asgi import application
from config.consumers import push_to_user

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1")


def _run(coroutine_function):
    return async_to_sync(coroutine_function)()


def test_jwt_in_query_string_connects_and_receives_pushes(user):
    access = user_tokens_issue(user=user)["access"]

    async def scenario():
        ws = WebsocketCommunicator(application, f"/ws/events/?token={access}", headers=[ORIGIN])
        connected, _ = await ws.connect()
        assert connected
        assert await ws.receive_json_from() == {"event": "hello", "data": {"user_id": user.pk}}
        await sync_to_async(push_to_user)(user.pk, "order.paid", {"order_no": "2026112100001"})
        message = await ws.receive_json_from(timeout=3)
        assert message == {"event": "order.paid", "data": {"order_no": "2026112100001"}}
        await ws.send_json_to({"type": "ping"})
        assert await ws.receive_json_from() == {"event": "pong", "data": {}}
        await ws.disconnect()

    _run(scenario)


def test_jwt_in_authorization_header_connects(user):
    access = user_tokens_issue(user=user)["access"]

    async def scenario():
        ws = WebsocketCommunicator(
            application,
            "/ws/events/",
            headers=[ORIGIN, (b"authorization", f"Bearer {access}".encode())],
        )
        connected, _ = await ws.connect()
        assert connected
        await ws.disconnect()

    _run(scenario)


def test_session_cookie_connects(client, user):
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario():
        ws = WebsocketCommunicator(
            application, "/ws/events/", headers=[ORIGIN, (b"cookie", cookie.encode())]
        )
        connected, _ = await ws.connect()
        assert connected
        assert (await ws.receive_json_from())["data"] == {"user_id": user.pk}
        await ws.disconnect()

    _run(scenario)


@pytest.mark.parametrize("path", ["/ws/events/", "/ws/events/?token=forged.token.value"])
def test_anonymous_or_bad_token_is_closed_with_4401(path):
    async def scenario():
        ws = WebsocketCommunicator(application, path, headers=[ORIGIN])
        connected, code = await ws.connect()
        assert not connected
        assert code == 4401

    _run(scenario)


def test_foreign_origin_is_refused(user):
    access = user_tokens_issue(user=user)["access"]

    async def scenario():
        ws = WebsocketCommunicator(
            application,
            f"/ws/events/?token={access}",
            headers=[(b"origin", b"https://evil.example")],
        )
        connected, _ = await ws.connect()
        assert not connected

    _run(scenario)


def test_pushes_reach_only_their_user(user):
    from accounts.tests.factories import UserFactory

    other = UserFactory()
    access = user_tokens_issue(user=user)["access"]

    async def scenario():
        ws = WebsocketCommunicator(application, f"/ws/events/?token={access}", headers=[ORIGIN])
        await ws.connect()
        await ws.receive_json_from()
        await sync_to_async(push_to_user)(other.pk, "order.paid", {"order_no": "x"})
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    _run(scenario)


def test_an_order_status_change_is_pushed_to_its_shopper(client):
    from accounts.tests.factories import UserFactory
    from orders.services import order_mark_paid
    from orders.tests.conftest import place_order

    shopper = UserFactory()
    order = place_order(shopper)
    client.force_login(shopper)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario():
        ws = WebsocketCommunicator(
            application, "/ws/events/", headers=[ORIGIN, (b"cookie", cookie.encode())]
        )
        connected, _ = await ws.connect()
        assert connected
        await ws.receive_json_from()  # hello
        await sync_to_async(order_mark_paid)(order_id=order.pk)
        message = await ws.receive_json_from(timeout=3)
        assert message == {
            "event": "order.status",
            "data": {"order_no": order.order_no, "status": "paid"},
        }
        await ws.disconnect()

    _run(scenario)

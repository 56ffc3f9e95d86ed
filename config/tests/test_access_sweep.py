"""The access-control sweep: every endpoint and page that names an object in its URL, tried
by a second shopper with the first shopper's objects.

The routes come from the OpenAPI schema (the API) and from the URLconf (the pages), so a new
one cannot be missed: a route with a path parameter that is neither swept nor listed as
public here fails ``test_every_route_with_a_path_parameter_is_swept_or_public``.

For each swept route and each method it takes, the second shopper's request for the first
shopper's object must get exactly the answer a made-up object gets (404; a method the route
never takes answers 405 either way), so nothing tells them the object exists; and when the
whole sweep is done, nothing in PostgreSQL or in the carts has changed. The first shopper's
objects are in states where each action would work for them (an unpaid order with a
payment open, a shipped order, a return waiting for the parcel, a second address, a cart
line, a flash-sale reservation): a missing ownership check would act, not fail on state.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Address
from accounts.services import user_tokens_issue
from accounts.tests.factories import AddressFactory, UserFactory
from carts.keys import user_cart_key
from carts.services import cart_add, cart_lines_raw
from catalog.tests.factories import make_product
from marketing.models import GroupBuyMember, GroupBuyTeam
from orders.models import Message, Order, OrderEvent, OrderStatus
from orders.services import order_ship
from orders.tests.conftest import place_order
from payments.models import AfterSaleEvent, AfterSalePhoto, AfterSaleRequest, Payment, Refund
from payments.services import aftersale_approve, aftersale_request_create
from payments.tests.conftest import aftersale_reason
from reviews.models import Review
from seckill.hot import reserve_attempt
from seckill.models import SeckillAdmission, SeckillReminder
from seckill.services import event_drain
from seckill.tests.factories import live_event

pytestmark = pytest.mark.django_db(transaction=True)

MEDIA = "^media/(?P<path>.*)$"  # served by Django only with DEBUG (make run); nginx otherwise
# Routes with a path parameter that names nothing of a shopper's: why anyone may use them.
PUBLIC = {
    "/api/v1/products/{id}": "the catalogue",
    "/api/v1/seckill/events/{event_id}": "a flash sale is shop-wide",
    "/api/v1/seckill/events/{event_id}/status": "a flash sale is shop-wide",
    "/api/v1/seckill/events/{event_id}/reminder": "a public event; the caller's reminder",
    "/api/v1/seckill/events/{event_id}/token": "a public event; the caller's token",
    "/api/v1/seckill/events/{event_id}/reserve": "a public event; the caller's place",
    "sitemap-<slug:section>.xml": "the sitemap",
    "category/<str:slug>/": "the catalogue",
    "product/<str:slug>/": "the catalogue",
    "seckill/<int:event_id>/": "a flash sale is shop-wide",
    "seckill/<int:event_id>/buy/": "the event is public; the order is the caller's",
    "seckill/<int:event_id>/remind/": "the event is public; the reminder is the caller's",
    "payments/notify/<slug:provider>/": "the gateways' callback, checked by signature",
    "/api/v1/coupons/centre/{template_id}/claim": "the coupon centre is shop-wide; the coupon "
    "is the caller's",
    "coupons/<int:template_id>/claim": "the coupon centre is shop-wide; the coupon is the caller's",
    "accounts/password/reset/<uidb64>/<token>/": "the e-mailed link is the capability",
    "groups/<str:team_no>/": "a group's share page: anyone with the link may see it",
    "/api/v1/groups/{team_no}": "a group's share data: anyone with the link may see it",
    "/api/v1/groupbuys/{campaign_id}/groups": "a group buy is shop-wide",
    "/api/v1/groupbuys/{campaign_id}/orders": "the group buy is shop-wide; the order is the "
    "caller's",
    "groupbuy/<int:campaign_id>/buy/": "the group buy is shop-wide; the order is the caller's",
    "/api/v1/products/{product_id}/reviews": "a product's reviews are the catalogue's",
    "/api/v1/products/{product_id}/reviews/summary": "a product's reviews are the catalogue's",
    "product/<int:product_id>/reviews/": "a product's reviews are the catalogue's",
    "/api/v1/me/favourites/{product_id}": "a product of the catalogue; the caller's own list",
    "cart/favourites/<int:product_id>/": "a product of the catalogue; the caller's own list",
    # Product and category images. Refund photos are never handed out from here: only by
    # payments:aftersale_photo (swept), nginx's /media/aftersales/ is internal.
    MEDIA: "the catalogue's images",
}

# Valid bodies (as the first shopper would send them): a missing check must act, not stop at
# validation. ``{own_address}`` is the second shopper's own address (theirs to use).
ADDRESS = {
    "receiver": "赵六",
    "phone": "13811112222",
    "province": "北京市",
    "city": "北京市",
    "district": "海淀区",
    "detail": "中关村大街 1 号",
    "postal_code": "100080",
}
BODIES = {
    "addresses/{id}": ADDRESS,
    "cart/items/{sku_id}": {"quantity": 2},
    "orders/{order_no}/address": {"address_id": "{own_address}", "address": "{own_address}"},
    "orders/{order_no}/cancel": {"reason": "不要了"},
    "orders/{order_no}/pay": {"provider": "sandbox"},
    "aftersales/{request_no}/return": {"carrier": "SF", "tracking_no": "SF1234567890"},
    "addresses/<int:pk>/edit/": ADDRESS,
    "orders/<str:order_no>/cancel/": {"reason": "不要了"},
    "orders/<str:order_no>/address/": {"address": "{own_address}"},
    "orders/<str:order_no>/pay/": {"provider": "sandbox"},
    "payments/sandbox/<str:payment_no>/": {"outcome": "pay"},
    "orders/<str:order_no>/aftersale/<str:request_no>/return/": {
        "carrier": "SF",
        "tracking_no": "SF1234567890",
    },
    "orders/<str:order_no>/aftersale/": {"reason": "{reason}", "amount": "1.00", "note": "坏了"},
    "reviews/{review_id}/follow-up": {"text": "用了一个月"},
    "reviews/<int:review_id>/follow-up/": {"text": "用了一个月"},
    "reviews/new/<int:item_id>/": {"rating": "5", "text": "好"},
}
PARAMETER = re.compile(r"\{(\w+)\}|<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def api_routes() -> dict[str, list[str]]:
    """Every API path with a parameter, and its methods, from the OpenAPI schema."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        path: sorted(m.upper() for m in operations if m in methods)
        for path, operations in document["paths"].items()
        if "{" in path
    }


def page_routes() -> list[str]:
    """Every URL pattern with a parameter outside the API and the admin (the admin is for
    staff only; its permissions are Django's)."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route

    return [
        route
        for route in walk(get_resolver().url_patterns)
        if PARAMETER.search(route) and not route.startswith(("api/", "admin/"))
    ]


def parameters(route: str) -> list[str]:
    return [next(g for g in match.groups() if g) for match in PARAMETER.finditer(route)]


def fill(route: str, values: dict) -> str:
    def one(match):
        return str(values[next(g for g in match.groups() if g)])

    return "/" + PARAMETER.sub(one, route).lstrip("/")


def made_up(values: dict) -> dict:
    """The same parameters, naming nothing (same shape: digits stay digits)."""
    return {
        name: 987654321
        if isinstance(value, int)
        else re.sub(r"\d", "9", re.sub(r"[A-Za-z]", "Z", str(value)))
        for name, value in values.items()
    }


def test_every_route_with_a_path_parameter_is_swept_or_public(world):
    swept = {route for route in [*api_routes(), *page_routes()] if route not in PUBLIC}
    unknown = {
        route: names
        for route in swept
        if not any(set(names := parameters(route)) <= set(c) for c in world["contexts"])
    }
    assert not unknown, (
        f"These routes name an object the sweep has none of: {unknown}. Give the first shopper "
        "one (in the ``world`` fixture) or, if anyone may use them, list them in PUBLIC."
    )
    stale = set(PUBLIC) - {*api_routes(), *page_routes(), MEDIA}
    assert not stale, f"PUBLIC lists routes that no longer exist: {stale}"


@pytest.fixture
def world(client, settings, live_server):
    """The first shopper's objects, each where its actions would work for them."""
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    owner, other = UserFactory(), UserFactory()
    owner.address = AddressFactory(user=owner, is_default=True)
    spare = AddressFactory(user=owner, is_default=False, receiver="备用")
    other.address = AddressFactory(user=other, is_default=True)
    client.force_login(owner)

    def paid(quantity=1):
        order = place_order(owner, quantity=quantity)
        client.post(reverse("payments:pay", args=[order.order_no]), {"provider": "sandbox"})
        payment = Payment.objects.get(order=order)
        client.post(reverse("payments:sandbox", args=[payment.payment_no]), {"outcome": "pay"})
        assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
        return order, payment

    unpaid = place_order(owner)
    client.post(reverse("payments:pay", args=[unpaid.order_no]), {"provider": "sandbox"})
    unpaid_payment = Payment.objects.get(order=unpaid)
    shipped, shipped_payment = paid()
    order_ship(order_id=shipped.pk, carrier="SF", tracking_no="SF0000000001", actor=None)
    returning, returning_payment = paid(quantity=2)
    order_ship(order_id=returning.pk, carrier="SF", tracking_no="SF0000000002", actor=None)
    request = aftersale_request_create(
        user=owner,
        order_no=returning.order_no,
        kind="return",
        reason_id=aftersale_reason("return"),
        amount=Decimal("1.00"),
        items={returning.items.get().pk: 1},
    )
    photo = AfterSalePhoto.objects.create(
        request=request, image=SimpleUploadedFile("parcel.png", _PNG, content_type="image/png")
    )
    aftersale_approve(request_no=request.request_no, actor=None)
    assert AfterSaleRequest.objects.get(pk=request.pk).status == "awaiting_return"
    sku = make_product().skus.get()
    cart_add(key=user_cart_key(owner.pk), sku_id=sku.pk, quantity=1)
    event = live_event(allocated=3)
    reservation_id, refusal = reserve_attempt(
        event_id=event.pk, user_id=owner.pk, quantity=1, token_id="", ip="127.0.0.1"
    )
    assert refusal is None
    event_drain(event_id=event.pk)
    assert SeckillAdmission.objects.filter(reservation_id=reservation_id).exists()
    from marketing.services import groupbuy_order
    from marketing.tests.factories import make_groupbuy

    group_order, _ = groupbuy_order(
        user=owner, campaign_id=make_groupbuy().pk, address_id=owner.address.pk
    )
    from reviews.services import review_create

    received = place_order(owner, quantity=1)
    Order.objects.filter(pk=received.pk).update(status=OrderStatus.COMPLETED)
    reviewed = place_order(owner, quantity=1)
    Order.objects.filter(pk=reviewed.pk).update(status=OrderStatus.COMPLETED)
    review = review_create(user=owner, order_item_id=reviewed.items.get().pk, rating=5)
    client.logout()
    message = Message.objects.create(user=owner, title="已发货", kind="sweep")
    return {
        "owner": owner,
        "other": other,
        "contexts": [
            {"order_no": unpaid.order_no, "payment_no": unpaid_payment.payment_no},
            {"order_no": shipped.order_no, "payment_no": shipped_payment.payment_no},
            {
                "order_no": returning.order_no,
                "payment_no": returning_payment.payment_no,
                "request_no": request.request_no,
            },
            {"id": spare.pk, "pk": spare.pk},
            {"sku_id": sku.pk},
            {"reservation_id": reservation_id},
            {"photo_id": photo.pk},
            {"message_id": message.pk},
            {"order_no": group_order.order_no},
            {"item_id": received.items.get().pk, "review_id": review.pk},
        ],
    }


def _state(world) -> dict:
    """Everything a request could have changed: the rows, and both shoppers' carts."""
    models = [
        Order,
        OrderEvent,
        Payment,
        Refund,
        AfterSaleRequest,
        AfterSaleEvent,
        Address,
        SeckillAdmission,
        SeckillReminder,
        Message,
        GroupBuyMember,
        GroupBuyTeam,
        Review,
    ]
    rows = {
        model.__name__: sorted(
            json.dumps(model_to_dict(row), default=str, sort_keys=True)
            for row in model.objects.all()
        )
        for model in models
    }
    rows["carts"] = [cart_lines_raw(key=user_cart_key(world[who].pk)) for who in ("owner", "other")]
    return rows


def _body(route: str, world, values: dict) -> dict:
    template = next((b for key, b in BODIES.items() if route.endswith(key)), {})
    fillers = {
        "{own_address}": world["other"].address.pk,
        "{reason}": aftersale_reason("refund"),
    }
    return {k: fillers.get(v, v) if isinstance(v, str) else v for k, v in template.items()}


def _sweep(world, send, routes: dict[str, list[str]]):
    """Yield (route, method, answer for the real object, answer for a made-up one, A's GET)."""
    for route, methods in routes.items():
        if route in PUBLIC:
            continue
        names = parameters(route)
        for context in world["contexts"]:
            if not set(names) <= set(context):
                continue
            values = {name: context[name] for name in names}
            for method in methods:
                body = _body(route, world, values)
                real = send(method, fill(route, values), body)
                fake = send(method, fill(route, made_up(values)), body)
                yield route, method, values, real, fake


def _check(results) -> list[str]:
    wrong = []
    for route, method, values, real, fake in results:
        if real.status_code != fake.status_code or real.status_code not in (404, 405):
            wrong.append(
                f"{method} {route} {values}: {real.status_code} for the first shopper's "
                f"object, {fake.status_code} for none"
            )
    return wrong


def test_a_second_shopper_gets_404_for_every_object_of_the_first_and_changes_nothing(client, world):
    before = _state(world)
    other, owner = world["other"], world["owner"]

    token = user_tokens_issue(user=other)["access"]

    def api(method, path, body):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if method in ("POST", "PUT", "PATCH"):
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return client.generic(method, path, **kwargs)

    client.force_login(other)

    def page(method, path, body):
        if method == "GET":
            return client.get(path)
        photo = SimpleUploadedFile("p.png", _PNG, content_type="image/png")
        return client.post(path, {**body, "photos": photo} if "aftersale/" in path else body)

    swept_api = {route: methods for route, methods in api_routes().items() if route not in PUBLIC}
    swept_pages = {route: ["GET", "POST"] for route in page_routes() if route not in PUBLIC}
    results = [*_sweep(world, api, swept_api), *_sweep(world, page, swept_pages)]
    wrong = _check(results)
    assert not wrong, "\n".join(wrong)
    tried = {route for route, *_ in results}
    assert tried == set(swept_api) | set(swept_pages)  # every route met an object
    assert all(  # and every one of them said 404 to some request, not only 405
        any(r.status_code == 404 for rt, _m, _v, r, _f in results if rt == route) for route in tried
    )
    assert _state(world) == before

    # The objects were there to be found: their owner reads each of them.
    client.force_login(owner)
    owner_token = user_tokens_issue(user=owner)["access"]
    for route, method, values, real, _fake in results:
        if method != "GET" or real.status_code != 404:
            continue
        path = fill(route, values)
        if route.startswith("/api/"):
            answer = client.get(path, HTTP_AUTHORIZATION=f"Bearer {owner_token}")
        else:
            answer = client.get(path)
        assert answer.status_code in (200, 302), (route, values, answer.status_code)


def test_a_refund_photo_is_stored_under_a_name_nobody_can_guess(world):
    photo = AfterSalePhoto.objects.get(request__user=world["owner"])
    name = photo.image.name.rsplit("/", 1)[1]
    assert "parcel" not in photo.image.name
    assert re.fullmatch(r"[0-9a-f]{32}\.png", name), name


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


_PNG = _png()

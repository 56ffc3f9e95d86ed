"""After-sales end to end with the sandbox gateway: requests, the merchant's steps, the
refund paid out through the provider and its signed notification, stock and the ledger."""

import json
import threading
from decimal import Decimal
from io import BytesIO

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse

from catalog.models import StockMovement
from catalog.services import stock_audit
from config.money import money
from orders.models import Message, Order, OrderStatus
from orders.services import order_cancel, order_ship
from orders.tests.conftest import place_order
from payments.errors import AfterSaleAlreadyOpen, AfterSaleInvalid, AfterSaleNotAllowed
from payments.models import (
    AfterSaleEvent,
    AfterSaleRequest,
    Payment,
    Refund,
    SandboxRefund,
)
from payments.services import (
    aftersale_approve,
    aftersale_goods_received,
    aftersale_refund_retry,
    aftersale_reject,
    aftersale_request_create,
    aftersale_return_shipped,
    aftersale_withdraw,
)
from payments.tests.conftest import aftersale_reason

pytestmark = pytest.mark.django_db(transaction=True)


def paid_order(client, buyer, quantity=2) -> Order:
    order = place_order(buyer, quantity=quantity)
    client.force_login(buyer)
    client.post(reverse("payments:pay", args=[order.order_no]), {"provider": "sandbox"})
    payment = Payment.objects.get(order=order)
    client.post(reverse("payments:sandbox", args=[payment.payment_no]), {"outcome": "pay"})
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def ask_refund(buyer, order, amount, **kwargs):
    return aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="refund",
        reason_id=aftersale_reason("refund"),
        amount=amount,
        **kwargs,
    )


def stock_of(order) -> int:
    order.items.first().sku.refresh_from_db()
    return order.items.first().sku.stock


def test_refund_only_in_full_pays_back_and_returns_the_stock(client, buyer, sandbox, merchant):
    order = paid_order(client, buyer)
    stock_before = stock_of(order)
    request = ask_refund(buyer, order, order.total_amount, note="买错了")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDING
    aftersale_approve(request_no=request.request_no, actor=merchant, note="同意")
    request.refresh_from_db()
    order.refresh_from_db()
    refund = Refund.objects.get()
    assert (request.status, request.refund_no) == ("refunded", refund.refund_no)
    assert (refund.status, refund.amount, refund.provider_refund_no) == (
        "succeeded",
        order.total_amount,
        "SBR" + refund.refund_no[1:],
    )
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, order.total_amount)
    assert stock_of(order) == stock_before + 2
    movement = StockMovement.objects.get(reference=request.request_no)
    assert (movement.reason, movement.quantity) == ("refund", 2)
    assert stock_audit() == []
    steps = list(AfterSaleEvent.objects.filter(request=request).values_list("to_status", flat=True))
    assert steps == ["requested", "refunding", "refunded"]
    # The shopper and the merchant were told at each step, in the site and by email.
    from django.core import mail

    to_merchant = [m for m in mail.outbox if m.to == ["merchant@example.com"]]
    assert [m.subject for m in to_merchant if request.request_no in m.subject] == [
        f"After-sales request {request.request_no} for order {order.order_no} received "
        f"(Refund only, {money(order.total_amount)})",
        f"Request {request.request_no}: a refund of {money(order.total_amount)} is under way",
        f"Request {request.request_no}: {money(order.total_amount)} refunded",
    ]
    for user in (buyer, merchant):
        kinds = set(Message.objects.filter(user=user, order=order).values_list("kind", flat=True))
        assert {k for k in kinds if k.startswith("aftersale:")} == {
            f"aftersale:{pk}"
            for pk in AfterSaleEvent.objects.filter(request=request).values_list("pk", flat=True)
        }


def test_partial_refunds_add_up_to_the_whole_and_then_the_order_is_refunded(
    client, buyer, sandbox, merchant
):
    order = paid_order(client, buyer)
    stock_before = stock_of(order)
    first = ask_refund(buyer, order, Decimal("30.00"))
    aftersale_approve(request_no=first.request_no, actor=merchant)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.PAID, Decimal("30.00"))
    assert stock_of(order) == stock_before  # a partial refund keeps the goods in the order
    with pytest.raises(AfterSaleInvalid):  # more than what is left
        ask_refund(buyer, order, order.total_amount - Decimal("29.99"))
    rest = ask_refund(buyer, order, order.total_amount - Decimal("30.00"))
    aftersale_approve(request_no=rest.request_no, actor=merchant)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, order.total_amount)
    assert stock_of(order) == stock_before + 2
    assert sum(r.amount for r in Refund.objects.filter(status="succeeded")) == order.total_amount
    with pytest.raises(AfterSaleNotAllowed):
        ask_refund(buyer, order, Decimal("0.01"))
    assert stock_audit() == []


def test_one_open_request_per_order_and_withdrawing_puts_the_order_back(client, buyer, sandbox):
    order = paid_order(client, buyer)
    request = ask_refund(buyer, order, Decimal("10.00"))
    with pytest.raises(AfterSaleAlreadyOpen):
        ask_refund(buyer, order, Decimal("10.00"))
    aftersale_withdraw(request_no=request.request_no, user=buyer)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert ask_refund(buyer, order, Decimal("10.00")).status == "requested"


def test_concurrent_approval_clicks_pay_out_exactly_once(client, buyer, sandbox, merchant):
    order = paid_order(client, buyer)
    request = ask_refund(buyer, order, order.total_amount)
    barrier = threading.Barrier(4)
    outcomes = []

    def click():
        barrier.wait()
        try:
            aftersale_approve(request_no=request.request_no, actor=merchant)
            outcomes.append("approved")
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["AfterSaleStep"] * 3 + ["approved"]
    assert Refund.objects.count() == SandboxRefund.objects.count() == 1
    order.refresh_from_db()
    assert order.refunded_amount == order.total_amount
    assert stock_audit() == []


def test_a_refund_notification_delivered_twice_changes_nothing_more(
    client, buyer, sandbox, merchant, settings
):
    from payments.models import PaymentNotification
    from payments.providers.sandbox import refund_notification_for

    order = paid_order(client, buyer)
    request = ask_refund(buyer, order, order.total_amount)
    aftersale_approve(request_no=request.request_no, actor=merchant)
    stored = SandboxRefund.objects.get()
    headers, body = refund_notification_for(stored, notification_id="again")
    url = sandbox.url + reverse("payments:notify", args=["sandbox"])
    for _ in range(2):
        assert requests.post(url, data=body, headers=headers, timeout=20).status_code == 200
    order.refresh_from_db()
    assert order.refunded_amount == order.total_amount  # not twice
    assert StockMovement.objects.filter(reference=request.request_no).count() == 1
    assert PaymentNotification.objects.filter(notification_id="again").get().outcome == "duplicate"


def test_a_failed_refund_is_shown_and_a_retry_reuses_its_number(
    client, buyer, sandbox, merchant, settings
):
    order = paid_order(client, buyer)
    request = ask_refund(buyer, order, order.total_amount)
    settings.PAYMENTS_SANDBOX_REFUNDS_FAIL = True
    aftersale_approve(request_no=request.request_no, actor=merchant)
    request.refresh_from_db()
    refund = Refund.objects.get()
    assert (request.status, refund.status) == ("refund_failed", "failed")
    assert refund.failure.startswith("NOT_ENOUGH")
    assert request.refund_error == refund.failure  # the merchant sees the provider's words
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDING, 0)
    settings.PAYMENTS_SANDBOX_REFUNDS_FAIL = False
    aftersale_refund_retry(request_no=request.request_no, actor=merchant)
    request.refresh_from_db()
    order.refresh_from_db()
    assert Refund.objects.get().refund_no == refund.refund_no  # the same number again
    assert (request.status, order.status) == ("refunded", OrderStatus.REFUNDED)
    assert Refund.objects.get().attempts == 2


def test_a_return_ends_with_the_goods_in_stock_and_the_money_back(client, buyer, sandbox, merchant):
    order = paid_order(client, buyer, quantity=3)
    order_ship(order_id=order.pk, carrier="sf", tracking_no="SF1234567890", actor=merchant)
    stock_before = stock_of(order)
    item = order.items.get()
    with pytest.raises(AfterSaleNotAllowed):  # shipped: only a return now
        ask_refund(buyer, order, Decimal("1.00"))
    with pytest.raises(AfterSaleInvalid):
        aftersale_request_create(
            user=buyer,
            order_no=order.order_no,
            kind="return",
            reason_id=aftersale_reason("return"),
            amount=Decimal("10.00"),
            items={item.pk: 4},  # more than were bought
        )
    request = aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="return",
        reason_id=aftersale_reason("return"),
        amount=item.unit_price * 2,
        items={item.pk: 2},
    )
    aftersale_approve(request_no=request.request_no, actor=merchant, note="请寄回")
    request.refresh_from_db()
    assert request.status == "awaiting_return" and not Refund.objects.exists()
    aftersale_return_shipped(
        request_no=request.request_no, user=buyer, carrier="顺丰", tracking_no="SF0001"
    )
    aftersale_goods_received(request_no=request.request_no, actor=merchant)
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == "refunded"
    assert order.status == OrderStatus.SHIPPED  # partly refunded: as it was
    assert order.refunded_amount == item.unit_price * 2
    assert stock_of(order) == stock_before + 2
    assert StockMovement.objects.get(reference=request.request_no).reason == "return"
    assert stock_audit() == []


def test_rejecting_puts_an_unshipped_order_back_to_paid(client, buyer, sandbox, merchant):
    order = paid_order(client, buyer)
    request = ask_refund(buyer, order, Decimal("5.00"))
    with pytest.raises(AfterSaleInvalid):
        aftersale_reject(request_no=request.request_no, actor=merchant, note=" ")
    aftersale_reject(request_no=request.request_no, actor=merchant, note="已发出，请收货后申请退货")
    order.refresh_from_db()
    request.refresh_from_db()
    assert (order.status, request.status) == (OrderStatus.PAID, "rejected")
    assert request.merchant_note == "已发出，请收货后申请退货"
    assert not Refund.objects.exists()


def test_a_late_payment_for_a_cancelled_order_is_refunded_automatically(client, buyer, sandbox):
    import time

    from payments.providers.sandbox import sign

    order = place_order(buyer)
    client.force_login(buyer)
    client.post(reverse("payments:pay", args=[order.order_no]), {"provider": "sandbox"})
    payment = Payment.objects.get(order=order)
    order_cancel(order_id=order.pk, actor_type="shopper", reason="")
    # The gateway took the money after all (its close raced the shopper) and says so.
    from payments.models import SandboxTrade

    SandboxTrade.objects.filter(payment_no=payment.payment_no).update(status="paid")
    body = json.dumps(
        {
            "id": "late",
            "payment_no": payment.payment_no,
            "trade_no": "T",
            "status": "SUCCESS",
            "amount": str(payment.amount),
            "merchant_id": "sandbox-merchant",
        }
    ).encode()
    stamp = str(int(time.time()))
    url = sandbox.url + reverse("payments:notify", args=["sandbox"])
    headers = {"X-Sandbox-Timestamp": stamp, "X-Sandbox-Signature": sign(stamp, body)}
    assert requests.post(url, data=body, headers=headers, timeout=20).status_code == 200
    order.refresh_from_db()
    request = AfterSaleRequest.objects.get(order=order)
    refund = Refund.objects.get()
    assert (request.kind, request.status) == ("automatic", "refunded")
    assert (refund.automatic, refund.status, refund.amount) == (True, "succeeded", payment.amount)
    assert (order.status, order.refunded_amount) == (OrderStatus.CANCELLED, payment.amount)


def _image(fmt="PNG", size=(8, 8)) -> SimpleUploadedFile:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, "red").save(buffer, format=fmt)
    return SimpleUploadedFile(f"p.{fmt.lower()}", buffer.getvalue())


@pytest.mark.parametrize("bad", ["not_an_image", "gif", "too_big", "four_photos"])
def test_bad_photos_are_refused_and_nothing_is_saved(client, buyer, sandbox, settings, bad):
    order = paid_order(client, buyer)
    photos = [_image()]
    if bad == "not_an_image":
        photos = [SimpleUploadedFile("p.jpg", b"not an image at all")]
    elif bad == "gif":
        photos = [_image("GIF")]
    elif bad == "too_big":
        settings.AFTERSALE_PHOTO_MAX_BYTES = 50
    elif bad == "four_photos":
        photos = [_image() for _ in range(4)]
    with pytest.raises(AfterSaleInvalid) as error:
        ask_refund(buyer, order, Decimal("5.00"), photos=photos)
    assert error.value.errors["photos"]
    assert not AfterSaleRequest.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_good_photos_are_kept(client, buyer, sandbox):
    order = paid_order(client, buyer)
    request = ask_refund(
        buyer, order, Decimal("5.00"), photos=[_image("PNG"), _image("JPEG"), _image("WEBP")]
    )
    assert request.photos.count() == 3


def test_a_refund_photo_is_shown_to_its_shopper_and_staff_only(
    client, buyer, sandbox, merchant, settings
):
    from accounts.services import user_tokens_issue
    from accounts.tests.factories import UserFactory

    order = paid_order(client, buyer)
    request = ask_refund(buyer, order, Decimal("5.00"), photos=[_image("PNG")])
    photo = request.photos.get()
    url = photo.get_absolute_url()
    stored = photo.image.read()
    assert url not in photo.image.name and settings.MEDIA_URL not in url

    client.force_login(buyer)
    page = client.get(order.get_absolute_url()).content.decode()
    assert f'src="{url}"' in page  # the order page links the checked address only
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert b"".join(shown.streaming_content) == stored
    assert "private" in shown["Cache-Control"]
    client.force_login(merchant)
    assert client.get(url).status_code == 200
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.get(f"/aftersale/photos/{2**63}/").status_code == 404
    client.logout()
    assert "/accounts/login/" in client.get(url)["Location"]
    token = user_tokens_issue(user=buyer)["access"]  # the mini-program downloads it so
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert client.get(url, HTTP_AUTHORIZATION="Bearer forged").status_code == 302

    settings.MEDIA_ACCEL_REDIRECT = True  # behind nginx: it sends the file
    client.force_login(buyer)
    handed = client.get(url)
    assert handed["X-Accel-Redirect"] == settings.MEDIA_URL + photo.image.name
    assert handed.content == b""


def test_on_s3_refund_photos_are_private_and_shown_by_signed_urls(settings):
    from payments.storage import aftersale_photo_storage

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "shop",
                "endpoint_url": "http://127.0.0.1:9",
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "custom_domain": "cdn.example.com",
                "querystring_auth": False,
            },
        },
    }
    storage = aftersale_photo_storage()
    assert storage.default_acl == "private" and storage.querystring_expire == 300
    url = storage.url("aftersales/2026/12/0123456789abcdef0123456789abcdef.png")
    assert "Signature=" in url and "Expires=" in url and "cdn.example.com" not in url


def test_the_merchant_works_the_queue_in_the_admin(client, buyer, sandbox, merchant):
    order = paid_order(client, buyer)
    request = ask_refund(buyer, order, order.total_amount, note="尺码不对")
    client.force_login(merchant)
    queue = client.get(reverse("admin:payments_aftersalerequest_changelist") + "?status=requested")
    assert request.request_no in queue.content.decode()
    page = client.get(reverse("admin:payments_aftersalerequest_change", args=[request.pk]))
    html = page.content.decode()
    assert 'value="approve"' in html and 'value="reject"' in html and "尺码不对" in html
    decide = reverse("admin:payments_aftersalerequest_decide", args=[request.pk])
    refused = client.post(decide, {"action": "reject", "note": ""}, follow=True)
    assert "Tell the shopper why." in refused.content.decode()
    client.post(decide, {"action": "approve", "note": "已同意"})
    order.refresh_from_db()
    request.refresh_from_db()
    assert (request.status, order.status) == ("refunded", OrderStatus.REFUNDED)
    done = client.get(reverse("admin:payments_aftersalerequest_change", args=[request.pk]))
    assert 'value="approve"' not in done.content.decode()  # nothing left to decide
    # Someone without the permission cannot decide.
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True))
    assert client.post(decide, {"action": "approve"}).status_code in {302, 403}


def test_the_merchant_picks_where_a_return_goes_when_approving_it(client, buyer, sandbox, merchant):
    from delivery.models import ReturnAddress

    order = paid_order(client, buyer, quantity=2)
    order_ship(order_id=order.pk, carrier="SF", tracking_no="SF1234567890", actor=merchant)
    item = order.items.get()
    request = aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="return",
        reason_id=aftersale_reason("return"),
        amount=item.unit_price,
        items={item.pk: 1},
    )
    place = {"receiver": "退货组", "phone": "021-58880003", "region_code": "310115"}
    ReturnAddress.objects.create(name="上海仓", detail="川沙路 1 号", is_default=True, **place)
    beijing = ReturnAddress.objects.create(
        name="北京仓", detail="建国路 1 号", **(place | {"region_code": "110105"})
    )
    client.force_login(merchant)
    page = client.get(reverse("admin:payments_aftersalerequest_change", args=[request.pk]))
    assert "北京仓" in page.content.decode() and 'name="return_address"' in page.content.decode()
    decide = reverse("admin:payments_aftersalerequest_decide", args=[request.pk])
    client.post(decide, {"action": "approve", "note": "", "return_address": str(beijing.pk)})
    request.refresh_from_db()
    assert request.status == "awaiting_return"
    assert request.return_to == "退货组 021-58880003 北京市北京市朝阳区建国路 1 号"


def test_the_shopper_asks_on_the_page_and_follows_the_request(client, buyer, sandbox, merchant):
    order = paid_order(client, buyer)
    detail = client.get(order.get_absolute_url()).content.decode()
    url = reverse("payments:aftersale_new", args=[order.order_no])
    assert url in detail
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "仅退款" in form and 'name="photos"' in form
    bad = client.post(
        url,
        {"reason": aftersale_reason("refund"), "amount": "10.00", "photos": [_image("GIF")]},
    )
    assert bad.status_code == 400
    assert "GIF images are not accepted." in bad.content.decode()
    assert not AfterSaleRequest.objects.exists()
    for amount in ("NaN", "²", "1e999", str(order.total_amount + 1)):
        refused = client.post(url, {"reason": aftersale_reason("refund"), "amount": amount})
        assert refused.status_code == 400, amount
    sent = client.post(
        url,
        {
            "reason": aftersale_reason("refund"),
            "amount": "10.00",
            "note": "颜色不喜欢",
            "photos": [_image()],
        },
    )
    assert sent["Location"] == order.get_absolute_url()
    request = AfterSaleRequest.objects.get()
    assert (request.amount, request.note, request.photos.count()) == (
        Decimal("10.00"),
        "颜色不喜欢",
        1,
    )
    page = client.get(order.get_absolute_url()).content.decode()
    assert request.request_no in page and "Awaiting the merchant" in page
    assert f'href="{url}"' not in page  # one open request at a time
    aftersale_reject(request_no=request.request_no, actor=merchant, note="颜色与图片一致")
    page = client.get(order.get_absolute_url()).content.decode()
    assert "颜色与图片一致" in page and "Rejected" in page


def test_a_return_on_the_page_with_the_parcel_sent_back(client, buyer, sandbox, merchant):
    order = paid_order(client, buyer, quantity=2)
    order_ship(order_id=order.pk, carrier="SF", tracking_no="SF1234567890", actor=merchant)
    item = order.items.get()
    url = reverse("payments:aftersale_new", args=[order.order_no])
    too_many = client.post(
        url, {f"qty_{item.pk}": 3, "reason": aftersale_reason("return"), "amount": "1"}
    )
    assert too_many.status_code == 400
    client.post(url, {f"qty_{item.pk}": 1, "reason": aftersale_reason("return"), "amount": "20.00"})
    request = AfterSaleRequest.objects.get()
    assert list(request.items.values_list("quantity", flat=True)) == [1]
    from delivery.models import ReturnAddress

    ReturnAddress.objects.create(
        name="上海仓",
        receiver="退货组",
        phone="021-58880003",
        region_code="310115",
        detail="川沙路 1 号",
        is_default=True,
    )
    aftersale_approve(request_no=request.request_no, actor=merchant)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "I have sent it" in page
    # The approved return says where to send the goods: the default return address.
    assert (
        "Send the goods to" in page
        and "退货组 021-58880003 上海市上海市浦东新区川沙路 1 号" in page
    )
    ship_back = reverse("payments:aftersale_return", args=[order.order_no, request.request_no])
    client.post(ship_back, {"carrier": "SF", "tracking_no": "SF9876543210"})
    request.refresh_from_db()
    assert (request.status, request.return_carrier, request.return_tracking_no) == (
        "return_shipped",
        "SF",
        "SF9876543210",
    )
    # The timeline names the carrier in the reader's language, not by its code.
    english = client.get(order.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "SF Express SF9876543210" in english
    chinese = client.get(order.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "顺丰速运 SF9876543210" in chinese
    # Another shopper's request answers 404.
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory())
    withdraw = reverse("payments:aftersale_withdraw", args=[order.order_no, request.request_no])
    assert client.post(withdraw).status_code == 404


def test_the_api_creates_lists_reads_withdraws_and_returns(client, buyer, sandbox, merchant):
    from rest_framework.test import APIClient

    order = paid_order(client, buyer)
    api = APIClient()
    api.force_authenticate(buyer)
    offered = aftersale_reason("refund")
    reasons = api.get(reverse("api-aftersale-reasons"), {"kind": "refund"}).json()
    assert offered in [r["id"] for r in reasons] and {"id", "name", "applies_to"} <= set(reasons[0])
    created = api.post(
        reverse("api-aftersales"),
        {
            "order_no": order.order_no,
            "kind": "refund",
            "reason_id": aftersale_reason("refund"),
            "amount": "8.00",
            "note": "不想要了",
            "photos": [_image(), _image("JPEG")],
        },
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["kind"], body["status"], body["amount"]) == ("refund", "requested", "8.00")
    assert len(body["photos"]) == 2 and body["photos"][0].startswith("http")
    assert [e["to_status"] for e in body["events"]] == ["requested"]
    again = api.post(
        reverse("api-aftersales"),
        {
            "order_no": order.order_no,
            "kind": "refund",
            "reason_id": aftersale_reason(),
            "amount": "1",
        },
        format="json",
    )
    assert (again.status_code, again.json()["code"]) == (409, 40102)
    listing = api.get(reverse("api-aftersales")).json()
    assert [r["request_no"] for r in listing["results"]] == [body["request_no"]]
    detail = api.get(reverse("api-aftersale", args=[body["request_no"]]))
    assert detail.json()["order_no"] == order.order_no
    from accounts.tests.factories import UserFactory

    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    assert stranger.get(reverse("api-aftersale", args=[body["request_no"]])).status_code == 404
    assert (
        stranger.post(reverse("api-aftersale-withdraw", args=[body["request_no"]])).status_code
        == 404
    )
    withdrawn = api.post(reverse("api-aftersale-withdraw", args=[body["request_no"]]))
    assert withdrawn.json()["status"] == "withdrawn"
    bad = api.post(
        reverse("api-aftersales"),
        {
            "order_no": order.order_no,
            "kind": "refund",
            "reason_id": aftersale_reason(),
            "amount": "99999",
        },
        format="json",
    )
    assert (bad.status_code, bad.json()["code"]) == (400, 40104)
    assert "amount" in bad.json()["errors"]
    # A return, with the parcel's tracking number sent through the API.
    order_ship(order_id=order.pk, carrier="SF", tracking_no="SF1234567890", actor=merchant)
    item = order.items.get()
    ret = api.post(
        reverse("api-aftersales"),
        {
            "order_no": order.order_no,
            "kind": "return",
            "reason_id": aftersale_reason("return"),
            "amount": "10.00",
            "items": [{"order_item_id": item.pk, "quantity": 1}],
        },
        format="json",
    ).json()
    assert ret["items"] == [
        {"order_item_id": item.pk, "product_name": item.product_name, "quantity": 1}
    ]
    early = api.post(
        reverse("api-aftersale-return", args=[ret["request_no"]]),
        {"carrier": "SF", "tracking_no": "SF0001"},
        format="json",
    )
    assert (early.status_code, early.json()["code"]) == (409, 40105)  # not approved yet
    aftersale_approve(request_no=ret["request_no"], actor=merchant)
    sent = api.post(
        reverse("api-aftersale-return", args=[ret["request_no"]]),
        {"carrier": "SF", "tracking_no": "SF0001"},
        format="json",
    ).json()
    assert (sent["status"], sent["return_tracking_no"]) == ("return_shipped", "SF0001")


def test_an_order_with_an_open_request_is_neither_shipped_nor_completed_meanwhile(
    client, buyer, sandbox, merchant
):
    from datetime import timedelta

    from django.utils import timezone

    from orders.errors import IllegalTransition
    from orders.services import order_confirm_receipt, orders_auto_complete

    order = paid_order(client, buyer)
    paid_at = order.paid_at
    request = ask_refund(buyer, order, Decimal("5.00"))
    with pytest.raises(IllegalTransition):
        order_ship(order_id=order.pk, carrier="SF", tracking_no="SF1234567890", actor=merchant)
    aftersale_reject(request_no=request.request_no, actor=merchant, note="已备货")
    order.refresh_from_db()
    assert (order.status, order.paid_at) == (OrderStatus.PAID, paid_at)  # its first time kept
    order_ship(order_id=order.pk, carrier="SF", tracking_no="SF1234567890", actor=merchant)
    order.refresh_from_db()
    item = order.items.get()
    aftersale_request_create(
        user=buyer,
        order_no=order.order_no,
        kind="return",
        reason_id=aftersale_reason("return"),
        amount="1.00",
        items={item.pk: 1},
    )
    Order.objects.filter(pk=order.pk).update(shipped_at=timezone.now() - timedelta(days=30))
    assert orders_auto_complete() == 0
    with pytest.raises(IllegalTransition):
        order_confirm_receipt(order_id=order.pk, user=buyer)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDING


@pytest.mark.parametrize("reason_id", [10**30, -1, "²", "1\u0661", None])
def test_a_reason_id_from_nowhere_is_a_field_error(client, buyer, sandbox, reason_id):
    order = paid_order(client, buyer)
    with pytest.raises(AfterSaleInvalid) as error:
        aftersale_request_create(
            user=buyer, order_no=order.order_no, kind="refund", reason_id=reason_id, amount="1"
        )
    assert error.value.errors == {"reason": ["Choose a reason."]}


def test_the_form_answers_hostile_values_with_form_errors(client, buyer, sandbox):
    order = paid_order(client, buyer)
    url = reverse("payments:aftersale_new", args=[order.order_no])
    for fields in (
        {"reason": str(10**30), "amount": "1"},
        {"reason": "²", "amount": "1"},
        {"reason": aftersale_reason("refund"), "amount": "-0"},
        {"reason": aftersale_reason("refund"), "amount": "0.001"},
    ):
        answer = client.post(url, fields)
        assert answer.status_code == 400, fields
    assert not AfterSaleRequest.objects.exists()

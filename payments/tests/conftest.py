import pytest
from django.urls import reverse

from payments.tests.keys import KeyPair


def aftersale_reason(kind: str = "any") -> int:
    """The id of a reason offered for ``kind`` (transactional tests flush the reasons the
    migration seeds, so one is made when none is left)."""
    from payments.models import AfterSaleReason

    found = AfterSaleReason.objects.filter(applies_to__in=["any", kind]).first()
    return (found or AfterSaleReason.objects.create(name="不想要了", name_en="Changed my mind")).pk


@pytest.fixture
def sandbox(settings, live_server):
    """The built-in sandbox gateway, its notifications sent to the live server."""
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    return live_server


@pytest.fixture
def merchant():
    """Staff in the Merchants group."""
    from django.contrib.auth.models import Group

    from accounts.permissions import MERCHANTS_GROUP
    from accounts.tests.factories import UserFactory

    user = UserFactory(is_staff=True, email="merchant@example.com")
    user.groups.add(Group.objects.get(name=MERCHANTS_GROUP))
    return user


@pytest.fixture(scope="session")
def key_files(tmp_path_factory):
    """Keys generated for this run, as PEM files: the merchant's, WeChat Pay's platform key,
    the Alipay app's and Alipay's own."""
    directory = tmp_path_factory.mktemp("payment-keys")
    pairs = {name: KeyPair.generate() for name in ("merchant", "platform", "app", "alipay")}
    files = {name: pair.write(directory, name) for name, pair in pairs.items()}
    return pairs, files


@pytest.fixture
def wechatpay(settings, live_server, key_files):
    """A running WeChat Pay v3 simulator with the shop configured for it."""
    from payments.tests.wechatpay_sim import WechatPaySimulator

    pairs, files = key_files
    simulator = WechatPaySimulator(
        mchid="1900000109",
        appid="wxd678efh567hg6787",
        apiv3_key="a12d3924fd499edac8a5efc0bd1ce20d",
        merchant_serial="5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        merchant=pairs["merchant"],
        platform=pairs["platform"],
        public_key_id="PUB_KEY_ID_0119000001092024061100394800001234",
    )
    settings.WECHATPAY_GATEWAY = simulator.start()
    settings.PAYMENTS_PROVIDERS = [*dict.fromkeys([*settings.PAYMENTS_PROVIDERS, "wechatpay"])]
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    settings.WECHATPAY_MCHID = simulator.mchid
    settings.WECHATPAY_APPID = simulator.appid
    settings.WECHATPAY_APIV3_KEY = simulator.apiv3_key
    settings.WECHATPAY_CERT_SERIAL_NO = simulator.merchant_serial
    settings.WECHATPAY_PRIVATE_KEY_FILE = files["merchant"][0]
    settings.WECHATPAY_PUBLIC_KEY_FILE = files["platform"][1]
    settings.WECHATPAY_PUBLIC_KEY_ID = simulator.public_key_id
    simulator.notify_url = live_server.url + reverse("payments:notify", args=["wechatpay"])
    yield simulator
    simulator.stop()


@pytest.fixture
def alipay(settings, live_server, key_files):
    """A running Alipay open-platform simulator with the shop configured for it."""
    from payments.tests.alipay_sim import AlipaySimulator

    pairs, files = key_files
    simulator = AlipaySimulator(
        app_id="2021000000000001",
        seller_id="2088102146225135",
        app=pairs["app"],
        alipay=pairs["alipay"],
    )
    settings.ALIPAY_GATEWAY = simulator.start() + "/gateway.do"
    settings.PAYMENTS_PROVIDERS = [*dict.fromkeys([*settings.PAYMENTS_PROVIDERS, "alipay"])]
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    settings.ALIPAY_APP_ID = simulator.app_id
    settings.ALIPAY_SELLER_ID = simulator.seller_id
    settings.ALIPAY_PRIVATE_KEY_FILE = files["app"][0]
    settings.ALIPAY_PUBLIC_KEY_FILE = files["alipay"][1]
    simulator.notify_url = live_server.url + reverse("payments:notify", args=["alipay"])
    yield simulator
    simulator.stop()


def checkout_and_pay(client, buyer, sku, **headers):
    """``buyer`` (logged in on ``client``) checks ``sku`` out on the checkout page and pays
    with the sandbox (its notification reaches the live server the caller configured);
    ``headers`` go with the checkout's POST. Returns (order, payment), the order paid."""
    import re

    from orders.models import Order, OrderStatus
    from orders.tests.conftest import fill_cart
    from payments.models import Payment

    fill_cart(buyer, (sku, 1))
    html = client.get(reverse("orders:checkout")).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    total = re.search(r'name="expected_total" value="([^"]+)"', html).group(1)
    form = {"token": token, "expected_total": total, "address": buyer.address.pk}
    assert client.post(reverse("orders:checkout"), form, **headers).status_code == 302
    order = Order.objects.get(user=buyer)
    client.post(reverse("payments:pay", args=[order.order_no]), {"provider": "sandbox"})
    payment = Payment.objects.get(order=order)
    client.post(reverse("payments:sandbox", args=[payment.payment_no]), {"outcome": "pay"})
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order, payment

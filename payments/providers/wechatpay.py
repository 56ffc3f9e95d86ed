"""WeChat Pay API v3: Native (a QR code on the web page) and JSAPI (wx.requestPayment in
the mini-program), query, close, and the day's trade bill.

The wechatpayv3 SDK signs the requests (WECHATPAY2-SHA256-RSA2048 with the merchant key),
verifies the gateway's signed answers with the platform public key (public-key mode: no
certificate download at start) and decrypts the AEAD_AES_256_GCM resource of a callback.
What the SDK leaves to us is done here: the 5-minute window on ``Wechatpay-Timestamp``,
refusing ``WECHATPAY/SIGNTEST/`` probe signatures and serials other than our public key id
(the SDK would go and fetch platform certificates for those), and checking the merchant
and app ids inside the decrypted transaction.

Settings: WECHATPAY_MCHID, WECHATPAY_APPID, WECHATPAY_APIV3_KEY, WECHATPAY_CERT_SERIAL_NO,
WECHATPAY_PRIVATE_KEY_FILE, WECHATPAY_PUBLIC_KEY_FILE, WECHATPAY_PUBLIC_KEY_ID,
WECHATPAY_GATEWAY, WECHATPAY_TIMEOUT (see the README).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import logging
import secrets
import time
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone

from config.parsing import parse_digits
from payments.errors import GatewayRefused, ProviderUnavailable, WechatLoginRequired
from payments.providers.base import (
    BillLine,
    Checkout,
    Notification,
    NotificationRejected,
    PaymentProvider,
    RefundOutcome,
    RefundState,
    TradeSettled,
    TradeState,
)

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 300
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
PROBE_PREFIX = "WECHATPAY/SIGNTEST/"


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8") if path else ""


@lru_cache(maxsize=4)
def _client(config: tuple):
    from wechatpayv3 import WeChatPay, WeChatPayType

    mchid, appid, apiv3_key, serial, key_file, public_file, public_id, gateway, timeout = config
    client = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=mchid,
        private_key=_read(key_file),
        cert_serial_no=serial,
        appid=appid,
        apiv3_key=apiv3_key,
        public_key=_read(public_file),
        public_key_id=public_id,
        timeout=(min(timeout, 5.0), timeout),
    )
    # The SDK has no option for the base URL; tests (the simulator) and egress proxies
    # need one, so it is set on the core the SDK builds every request URL from.
    client._core._gate_way = gateway.rstrip("/")
    return client


def client():
    return _client(
        (
            settings.WECHATPAY_MCHID,
            settings.WECHATPAY_APPID,
            settings.WECHATPAY_APIV3_KEY,
            settings.WECHATPAY_CERT_SERIAL_NO,
            settings.WECHATPAY_PRIVATE_KEY_FILE,
            settings.WECHATPAY_PUBLIC_KEY_FILE,
            settings.WECHATPAY_PUBLIC_KEY_ID,
            settings.WECHATPAY_GATEWAY,
            settings.WECHATPAY_TIMEOUT,
        )
    )


def _fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


# Error codes that mean "busy, ask again": every other error answer is WeChat saying no.
BUSY_CODES = {"SYSTEM_ERROR", "FREQUENCY_LIMITED", "BANK_ERROR"}


def _refusal(what: str, code: int, body) -> Exception:
    """What a non-2xx answer means: busy (ProviderUnavailable), or WeChat's business "no"
    with its message (GatewayRefused), never one taken for the other."""
    body = body if isinstance(body, dict) else {}
    logger.warning("wechatpay %s answered %s: %s", what, code, body)
    if code >= 500 or body.get("code") in BUSY_CODES or not body.get("code"):
        return ProviderUnavailable()
    return GatewayRefused(f"{body.get('message') or body['code']} ({body['code']})")


def _call(what: str, function, *args, **kwargs) -> tuple[int, dict | bytes]:
    """One gateway call; transport errors and unverifiable answers become ProviderUnavailable."""
    try:
        code, body = function(*args, **kwargs)
    except Exception as exc:  # the SDK raises bare Exception for a bad answer signature
        logger.warning("wechatpay %s failed: %s", what, exc)
        raise ProviderUnavailable() from exc
    if isinstance(body, str):
        try:
            body = json.loads(body) if body else {}
        except ValueError:
            body = {}
    return code, body


class WechatPayProvider(PaymentProvider):
    name = "wechatpay"
    required_settings = (
        "WECHATPAY_MCHID",
        "WECHATPAY_APPID",
        "WECHATPAY_APIV3_KEY",
        "WECHATPAY_CERT_SERIAL_NO",
        "WECHATPAY_PRIVATE_KEY_FILE",
        "WECHATPAY_PUBLIC_KEY_FILE",
        "WECHATPAY_PUBLIC_KEY_ID",
    )
    key_file_settings = ("WECHATPAY_PRIVATE_KEY_FILE", "WECHATPAY_PUBLIC_KEY_FILE")

    @classmethod
    def configuration_problems(cls) -> list[str]:
        problems = super().configuration_problems()
        if settings.WECHATPAY_APIV3_KEY and len(settings.WECHATPAY_APIV3_KEY.encode()) != 32:
            problems.append("WECHATPAY_APIV3_KEY must be the 32-character APIv3 key.")
        return problems

    def create(self, *, payment, request, channel: str = "web") -> Checkout:
        from wechatpayv3 import WeChatPayType

        from payments.services import payment_set_checkout
        from payments.views import notify_url_for

        if channel == "miniprogram":
            openid = getattr(request.user, "wechat_openid", None)
            if not openid:
                raise WechatLoginRequired()
            pay_type, payer = WeChatPayType.MINIPROG, {"openid": openid}
        else:
            if payment.checkout.get("code_url"):  # the same attempt shows the same code
                return self._native_checkout(payment)
            pay_type, payer = WeChatPayType.NATIVE, None
        order = payment.order
        code, body = _call(
            "pay",
            client().pay,
            description=_description(order),
            out_trade_no=payment.payment_no,
            amount={"total": _fen(payment.amount), "currency": "CNY"},
            payer=payer,
            time_expire=timezone.localtime(order.pay_deadline).isoformat(timespec="seconds"),
            notify_url=notify_url_for(request, self.name),
            pay_type=pay_type,
        )
        if code != 200:
            if isinstance(body, dict) and body.get("code") == "ORDERPAID":
                raise TradeSettled()
            raise _refusal("pay", code, body)
        if pay_type == WeChatPayType.NATIVE:
            payment_set_checkout(payment_id=payment.pk, data={"code_url": body["code_url"]})
            return self._native_checkout(payment)
        return Checkout(params=jsapi_params(body["prepay_id"]))

    @staticmethod
    def _native_checkout(payment) -> Checkout:
        return Checkout(redirect_url=reverse("payments:wechat_native", args=[payment.payment_no]))

    def verify_notification(self, *, headers: dict, body: bytes) -> Notification:
        lowered = {k.lower(): v for k, v in headers.items()}
        signature = lowered.get("wechatpay-signature", "")
        timestamp = lowered.get("wechatpay-timestamp", "")
        if signature.startswith(PROBE_PREFIX):
            raise NotificationRejected("probe signature", reason="signature")
        if lowered.get("wechatpay-signature-type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
            raise NotificationRejected("unknown signature type", reason="signature")
        if lowered.get("wechatpay-serial", "") != settings.WECHATPAY_PUBLIC_KEY_ID:
            raise NotificationRejected("unknown serial", reason="signature")
        sent_at = parse_digits(timestamp, max_length=12)
        if sent_at is None or abs(time.time() - sent_at) > WINDOW_SECONDS:
            raise NotificationRejected(
                "timestamp missing or outside the window", reason="timestamp"
            )
        sdk_headers = {
            "Wechatpay-Signature": signature,
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": lowered.get("wechatpay-nonce", ""),
            "Wechatpay-Serial": lowered.get("wechatpay-serial", ""),
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        }
        try:
            data = client().callback(headers=sdk_headers, body=body.decode("utf-8"))
        except Exception as exc:  # malformed JSON, UTF-8, base64 or algorithm
            raise NotificationRejected("malformed body", reason="malformed") from exc
        if not data:
            raise NotificationRejected(
                "bad signature or undecryptable resource", reason="signature"
            )
        try:
            resource = data["resource"]
            if "out_refund_no" in resource:
                return self._refund_notification(data, resource)
            if (resource["mchid"], resource["appid"]) != (
                settings.WECHATPAY_MCHID,
                settings.WECHATPAY_APPID,
            ):
                raise NotificationRejected("wrong merchant or app id", reason="account")
            if resource["amount"].get("currency", "CNY") != "CNY":
                raise NotificationRejected("wrong currency", reason="account")
            return Notification(
                notification_id=str(data["id"]),
                payment_no=str(resource["out_trade_no"]),
                succeeded=resource["trade_state"] == "SUCCESS",
                amount=Decimal(int(resource["amount"]["total"])) / 100,
                trade_no=str(resource.get("transaction_id", "")),
                merchant_id=str(resource["mchid"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise NotificationRejected("malformed resource", reason="malformed") from exc

    @staticmethod
    def _refund_notification(data: dict, resource: dict) -> Notification:
        """REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED (a refund carries no app id)."""
        if resource["mchid"] != settings.WECHATPAY_MCHID:
            raise NotificationRejected("wrong merchant id", reason="account")
        status = resource["refund_status"]
        return Notification(
            notification_id=str(data["id"]),
            payment_no=str(resource["out_trade_no"]),
            succeeded=status == "SUCCESS",
            amount=Decimal(int(resource["amount"]["refund"])) / 100,
            trade_no=str(resource.get("refund_id", "")),
            merchant_id=str(resource["mchid"]),
            refund_no=str(resource["out_refund_no"]),
            pending=status == "PROCESSING",
            message="" if status == "SUCCESS" else f"{status}: {data.get('summary', '')}",
        )

    def notification_answer(self, *, ok: bool, message: str = "", status: int = 400):
        if ok:
            return HttpResponse(status=204)
        return JsonResponse({"code": "FAIL", "message": message or "FAIL"}, status=status)

    def query(self, *, payment) -> TradeState:
        code, body = _call("query", client().query, out_trade_no=payment.payment_no)
        if code == 404:  # ORDER_NOT_EXIST: never reached the gateway, nothing was paid
            return TradeState(succeeded=False, closed=True)
        if code != 200:
            raise _refusal("query", code, body)
        state = body.get("trade_state")
        return TradeState(
            succeeded=state in {"SUCCESS", "REFUND"},
            closed=state in {"CLOSED", "REVOKED", "PAYERROR"},
            amount=Decimal(int(body["amount"]["total"])) / 100 if body.get("amount") else None,
            trade_no=body.get("transaction_id", ""),
        )

    def close(self, *, payment) -> None:
        code, body = _call("close", client().close, out_trade_no=payment.payment_no)
        if code in {200, 204} or code == 404:  # closed, or never opened: nothing to pay
            return
        if isinstance(body, dict) and body.get("code") == "ORDERPAID":
            raise TradeSettled()
        raise _refusal("close", code, body)

    def bill(self, *, day: date) -> list[BillLine]:
        sdk = client()
        code, body = _call("tradebill", sdk.trade_bill, bill_date=day.isoformat(), bill_type="ALL")
        if code == 400 and isinstance(body, dict) and body.get("code") == "NO_STATEMENT_EXIST":
            return []
        if code != 200:
            logger.warning("wechatpay tradebill answered %s: %s", code, body)
            raise ProviderUnavailable()
        code, content = _call("billdownload", sdk.download_bill, body["download_url"])
        if code != 200 or not isinstance(content, bytes):
            raise ProviderUnavailable()
        text = gzip.decompress(content)
        digest = hashlib.sha1(text, usedforsecurity=False).hexdigest()  # WeChat's integrity check
        if digest != body.get("hash_value", "").lower():
            logger.warning("wechatpay bill for %s failed its SHA1 check", day)
            raise ProviderUnavailable()
        return parse_trade_bill(text.decode("utf-8-sig"))

    def refund(self, *, refund) -> RefundState:
        from payments.views import notify_url_for

        payment = refund.payment
        code, body = _call(
            "refund",
            client().refund,
            out_refund_no=refund.refund_no,
            amount={
                "refund": _fen(refund.amount),
                "total": _fen(payment.amount),
                "currency": "CNY",
            },
            out_trade_no=payment.payment_no,
            reason=refund.reason[:80] or None,
            notify_url=notify_url_for(None, self.name) or None,
        )
        return _refund_state("refund", code, body)

    def query_refund(self, *, refund) -> RefundState:
        code, body = _call("query refund", client().query_refund, out_refund_no=refund.refund_no)
        if code == 404:
            return RefundState(RefundOutcome.UNKNOWN)
        return _refund_state("query refund", code, body)


def _refund_state(what: str, code: int, body) -> RefundState:
    """A refund's status from WeChat Pay's answer: SUCCESS, PROCESSING, or ended without the
    money (CLOSED, ABNORMAL: the payer's account cannot take it); an error code such as
    NOT_ENOUGH (no balance) fails it with WeChat's message; a busy gateway is asked later."""
    body = body if isinstance(body, dict) else {}
    if code == 200:
        status = body.get("status", "")
        if status == "SUCCESS":
            return RefundState(
                RefundOutcome.SUCCEEDED, provider_refund_no=body.get("refund_id", "")
            )
        if status == "PROCESSING":
            return RefundState(RefundOutcome.PENDING, provider_refund_no=body.get("refund_id", ""))
        return RefundState(RefundOutcome.FAILED, body.get("refund_id", ""), f"{status}")
    if code >= 500 or body.get("code") in {"SYSTEM_ERROR", "FREQUENCY_LIMITED"}:
        logger.warning("wechatpay %s answered %s: %s", what, code, body)
        raise ProviderUnavailable()
    return RefundState(
        RefundOutcome.FAILED, message=f"{body.get('code', code)}: {body.get('message', '')}"
    )


def _description(order) -> str:
    """What the payer's statement shows (WeChat allows 127 characters)."""
    return f"{settings.SITE_NAME} {order.order_no}"[:127]


def jsapi_params(prepay_id: str) -> dict:
    """The arguments of wx.requestPayment: RSA over appId, timeStamp, nonceStr, package."""
    params = {
        "appId": settings.WECHATPAY_APPID,
        "timeStamp": str(int(time.time())),
        "nonceStr": secrets.token_hex(16),
        "package": f"prepay_id={prepay_id}",
        "signType": "RSA",
    }
    params["paySign"] = client().sign(
        [params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]
    )
    return params


def parse_trade_bill(text: str) -> list[BillLine]:
    """The trade bill is CSV whose values carry a leading backquote, followed by a summary
    header and row. Written here because neither SDK parses bills. A payment is a row whose
    交易状态 is SUCCESS; a refund, one whose 交易状态 is REFUND."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [cell.strip() for cell in rows[0]]
    column = {name: index for index, name in enumerate(header)}
    try:
        out_no, trade_no = column["商户订单号"], column["微信订单号"]
        state, amount = column["交易状态"], column["订单金额"]
        refund_no, refund_id = column["商户退款单号"], column["微信退款单号"]
        refunded = column["退款金额"]
    except KeyError as exc:
        raise ProviderUnavailable() from exc
    lines = []
    for row in rows[1:]:
        if not row or not row[0].startswith("`"):
            break  # the summary (总交易单数, ...) follows the trades
        cells = [cell.lstrip("`").strip() for cell in row]
        if cells[state] == "SUCCESS":
            lines.append(
                BillLine(
                    payment_no=cells[out_no],
                    trade_no=cells[trade_no],
                    amount=Decimal(cells[amount]),
                )
            )
        elif cells[state] == "REFUND":
            lines.append(
                BillLine(
                    payment_no=cells[out_no],
                    trade_no=cells[refund_id],
                    amount=Decimal(cells[refunded]),
                    refund_no=cells[refund_no],
                )
            )
    return lines

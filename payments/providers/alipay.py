"""Alipay (open platform, RSA2): page pay on the web, wap pay on phones, query, close and
the day's trade bill.

python-alipay-sdk builds and signs the requests and verifies the gateway's signed answers
and the async notifications (RSA2 over the sorted parameters without ``sign`` and
``sign_type``). Checked here on top: the notification's ``app_id`` and ``seller_id`` are
ours (its ``total_amount`` is checked against the payment and the order when it is
processed), and the trade bill is parsed (no SDK does).

Settings: ALIPAY_APP_ID, ALIPAY_SELLER_ID, ALIPAY_PRIVATE_KEY_FILE, ALIPAY_PUBLIC_KEY_FILE,
ALIPAY_GATEWAY, ALIPAY_TIMEOUT (see the README).
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl

import requests
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from payments.errors import GatewayRefused, PaymentMethodUnsupported, ProviderUnavailable
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

SUCCESS_STATES = {"TRADE_SUCCESS", "TRADE_FINISHED"}


@lru_cache(maxsize=4)
def _client(config: tuple):
    from alipay import AliPay
    from alipay.utils import AliPayConfig

    app_id, key_file, public_file, gateway, timeout = config
    client = AliPay(
        appid=app_id,
        app_private_key_string=Path(key_file).read_text(encoding="utf-8"),
        alipay_public_key_string=Path(public_file).read_text(encoding="utf-8"),
        sign_type="RSA2",
        config=AliPayConfig(timeout=timeout),
    )
    # The SDK knows only the production and the Alipay sandbox URLs; the simulator in the
    # tests (and an egress proxy) need another, so the attribute it builds URLs from is set.
    client._gateway = gateway
    return client


def client():
    return _client(
        (
            settings.ALIPAY_APP_ID,
            settings.ALIPAY_PRIVATE_KEY_FILE,
            settings.ALIPAY_PUBLIC_KEY_FILE,
            settings.ALIPAY_GATEWAY,
            settings.ALIPAY_TIMEOUT,
        )
    )


def _call(what: str, method: str, biz_content: dict) -> dict:
    """One signed gateway call, its answer verified; errors become ProviderUnavailable."""
    try:
        return client().server_api(method, biz_content)
    except Exception as exc:  # URLError, AliPayException, AliPayValidationError, bad JSON
        logger.warning("alipay %s failed: %s", what, exc)
        raise ProviderUnavailable() from exc


class AlipayProvider(PaymentProvider):
    name = "alipay"
    required_settings = (
        "ALIPAY_APP_ID",
        "ALIPAY_SELLER_ID",
        "ALIPAY_PRIVATE_KEY_FILE",
        "ALIPAY_PUBLIC_KEY_FILE",
    )
    key_file_settings = ("ALIPAY_PRIVATE_KEY_FILE", "ALIPAY_PUBLIC_KEY_FILE")

    def create(self, *, payment, request, channel: str = "web") -> Checkout:
        from payments.views import notify_url_for

        if channel == "miniprogram":
            raise PaymentMethodUnsupported()
        sdk = client()
        order = payment.order
        arguments = {
            "subject": f"{settings.SITE_NAME} {order.order_no}"[:256],
            "out_trade_no": payment.payment_no,
            "total_amount": str(payment.amount),
            "return_url": request.build_absolute_uri(order.get_absolute_url()),
            "notify_url": notify_url_for(request, self.name),
            # Nothing can be paid after the order's deadline, on Alipay's side too.
            "time_expire": timezone.localtime(order.pay_deadline).strftime("%Y-%m-%d %H:%M:%S"),
        }
        if channel == "mobile":
            signed = sdk.api_alipay_trade_wap_pay(quit_url=arguments["return_url"], **arguments)
        else:
            signed = sdk.api_alipay_trade_page_pay(**arguments)
        return Checkout(redirect_url=f"{sdk._gateway}?{signed}")

    def verify_notification(self, *, headers: dict, body: bytes) -> Notification:
        try:
            data = dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise NotificationRejected("malformed body", reason="malformed") from exc
        signature = data.pop("sign", "")
        if data.get("sign_type") != "RSA2" or not signature:
            raise NotificationRejected("unsigned or not RSA2", reason="signature")
        try:
            genuine = client().verify(dict(data), signature)
        except Exception as exc:  # bad base64, wrong key length
            raise NotificationRejected("bad signature", reason="signature") from exc
        if not genuine:
            raise NotificationRejected("bad signature", reason="signature")
        if data.get("app_id") != settings.ALIPAY_APP_ID:
            raise NotificationRejected("wrong app_id", reason="account")
        if data.get("seller_id") != settings.ALIPAY_SELLER_ID:
            raise NotificationRejected("wrong seller_id", reason="account")
        try:
            amount = Decimal(data["total_amount"])
            status = data["trade_status"]
            notification = Notification(
                notification_id=data["notify_id"],
                payment_no=data["out_trade_no"],
                succeeded=status in SUCCESS_STATES,
                pending=status == "WAIT_BUYER_PAY",
                amount=amount,
                trade_no=data.get("trade_no", ""),
                merchant_id=data["seller_id"],
            )
        except (KeyError, InvalidOperation) as exc:
            raise NotificationRejected("malformed notification", reason="malformed") from exc
        if not amount.is_finite() or not notification.notification_id:
            raise NotificationRejected("malformed notification", reason="malformed")
        return notification

    def notification_answer(self, *, ok: bool, message: str = "", status: int = 400):
        # Alipay retries (for 25 hours) until the body is exactly "success".
        return HttpResponse(
            "success" if ok else "failure",
            content_type="text/plain; charset=utf-8",
            status=200 if ok else status,
        )

    def query(self, *, payment) -> TradeState:
        answer = _call("query", "alipay.trade.query", {"out_trade_no": payment.payment_no})
        if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            # The shopper never logged in at the cashier: nothing was paid (yet).
            return TradeState(succeeded=False)
        if answer.get("code") != "10000":
            logger.warning("alipay query answered %s", answer)
            raise ProviderUnavailable()
        status = answer.get("trade_status")
        return TradeState(
            succeeded=status in SUCCESS_STATES,
            closed=status == "TRADE_CLOSED",
            amount=Decimal(answer["total_amount"]) if answer.get("total_amount") else None,
            trade_no=answer.get("trade_no", ""),
        )

    def close(self, *, payment) -> None:
        answer = _call("close", "alipay.trade.close", {"out_trade_no": payment.payment_no})
        if answer.get("code") == "10000" or answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return
        logger.warning("alipay close answered %s", answer)
        if answer.get("sub_code") == "ACQ.TRADE_STATUS_ERROR":  # paid (or closed) already
            raise TradeSettled()
        if answer.get("sub_code") in BUSY_CODES or not answer.get("sub_code"):
            raise ProviderUnavailable()
        sub_code = answer["sub_code"]
        raise GatewayRefused(f"{answer.get('sub_msg') or sub_code} ({sub_code})")

    def refund(self, *, refund) -> RefundState:
        """alipay.trade.refund with out_request_no = our refund number (idempotent: the same
        number again refunds nothing more); its result is then confirmed by a query."""
        answer = _call(
            "refund",
            "alipay.trade.refund",
            {
                **_refund_call(refund),
                "refund_amount": str(refund.amount),
                "refund_reason": refund.reason[:256],
            },
        )
        if answer.get("code") != "10000":
            if answer.get("sub_code") in BUSY_CODES:
                logger.warning("alipay refund answered %s", answer)
                raise ProviderUnavailable()
            message = f"{answer.get('sub_code', answer.get('code'))}: {answer.get('sub_msg', '')}"
            return RefundState(RefundOutcome.FAILED, message=message)
        state = self.query_refund(refund=refund)
        return (
            state if state.outcome != RefundOutcome.UNKNOWN else RefundState(RefundOutcome.PENDING)
        )

    def query_refund(self, *, refund) -> RefundState:
        answer = _call(
            "refund query",
            "alipay.trade.fastpay.refund.query",
            {**_refund_call(refund), "query_options": ["gmt_refund_pay"]},
        )
        if answer.get("code") != "10000":
            logger.warning("alipay refund query answered %s", answer)
            raise ProviderUnavailable()
        if answer.get("out_request_no") != refund.refund_no:
            return RefundState(RefundOutcome.UNKNOWN)  # Alipay answers 10000 and nothing else
        if answer.get("refund_status") == "REFUND_SUCCESS":
            if Decimal(answer.get("refund_amount", "0")) != refund.amount:
                return RefundState(RefundOutcome.FAILED, message="refund amount differs")
            return RefundState(
                RefundOutcome.SUCCEEDED, provider_refund_no=answer.get("trade_no", "")
            )
        return RefundState(RefundOutcome.PENDING)

    def bill(self, *, day: date) -> list[BillLine]:
        answer = _call(
            "bill",
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": day.isoformat()},
        )
        if answer.get("sub_code") == "isp.bill_not_exist":
            return []
        if answer.get("code") != "10000":
            logger.warning("alipay bill answered %s", answer)
            raise ProviderUnavailable()
        try:
            response = requests.get(answer["bill_download_url"], timeout=settings.ALIPAY_TIMEOUT)
            response.raise_for_status()
            archive = zipfile.ZipFile(io.BytesIO(response.content))
        except (requests.RequestException, zipfile.BadZipFile, KeyError) as exc:
            raise ProviderUnavailable() from exc
        for name in archive.namelist():
            text = archive.read(name).decode("gbk")
            if "业务明细列表" in text:
                return parse_trade_bill(text)
        raise ProviderUnavailable()


def _refund_call(refund) -> dict:
    return {"out_trade_no": refund.payment.payment_no, "out_request_no": refund.refund_no}


# Refused for good (until the merchant fixes something): shown to the merchant, who retries.
BUSY_CODES = {"ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "isp.unknow-error"}


def parse_trade_bill(text: str) -> list[BillLine]:
    """The 业务明细 CSV (GBK in the zip): '#' lines around a header row and one row per
    trade (交易) or refund (退款, its out_request_no in 退款批次号/请求号), values padded
    with tabs."""
    rows = [row for row in csv.reader(io.StringIO(text)) if row and not row[0].startswith("#")]
    if not rows:
        return []
    column = {name.strip(): index for index, name in enumerate(rows[0])}
    try:
        trade_no, out_no = column["支付宝交易号"], column["商户订单号"]
        kind, amount = column["业务类型"], column["订单金额（元）"]
        request_no = column["退款批次号/请求号"]
    except KeyError as exc:
        raise ProviderUnavailable() from exc
    lines = []
    for row in rows[1:]:
        cells = [cell.strip() for cell in row]
        if len(cells) <= max(amount, request_no) or cells[kind] not in {"交易", "退款"}:
            continue
        lines.append(
            BillLine(
                payment_no=cells[out_no],
                trade_no=cells[trade_no],
                amount=abs(Decimal(cells[amount])),  # refunds are listed negative
                refund_no=cells[request_no] if cells[kind] == "退款" else "",
            )
        )
    return lines

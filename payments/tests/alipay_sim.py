"""A local Alipay open-platform gateway that speaks the real protocol, for the tests.

- ``/gateway.do`` takes the common parameters (app_id, method, charset, sign_type=RSA2,
  timestamp, version, biz_content, sign), by GET or form POST, and checks the RSA2
  signature (SHA256withRSA by the app's key over the sorted ``k=v`` pairs without
  ``sign``); a bad one answers ``isv.invalid-signature``.
- alipay.trade.page.pay / wap.pay are the cashier page itself (HTML, for the browser);
  alipay.trade.query / close / data.dataservice.bill.downloadurl.query answer JSON with
  ``sign`` (by Alipay's key over the exact text of the ``*_response`` value), and their
  real business errors (ACQ.TRADE_NOT_EXIST, ACQ.TRADE_STATUS_ERROR, isp.bill_not_exist).
- ``pay()`` is the shopper paying at the cashier: the trade succeeds and the async
  notification, form-encoded and RSA2-signed, is POSTed to notify_url until it answers
  ``success``; the bill is a zip of GBK CSV files like the real download.
"""

from __future__ import annotations

import html
import io
import json
import secrets
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

import requests

from config.testing import SimulatedServer
from payments.tests.keys import KeyPair

CHINA = ZoneInfo("Asia/Shanghai")
DETAIL_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
    "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,"
    "券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,"
    "分润（元）,备注"
)


def unsigned_string(params: dict, *, leave_out=("sign", "sign_type")) -> str:
    """What RSA2 signs: sorted ``k=v`` pairs, unencoded. Notifications and returns leave out
    ``sign`` and ``sign_type``; a merchant's request leaves out only ``sign``."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in leave_out)


def now() -> str:
    return datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Trade:
    out_trade_no: str
    total_amount: str
    subject: str
    product_code: str
    notify_url: str
    return_url: str
    status: str = "WAIT_BUYER_PAY"
    trade_no: str = field(default_factory=lambda: "2026" + f"{secrets.randbelow(10**24):024d}")
    created: str = field(default_factory=now)
    paid: str = ""


class AlipaySimulator(SimulatedServer):
    def __init__(self, *, app_id: str, seller_id: str, app: KeyPair, alipay: KeyPair):
        self.app_id, self.seller_id, self.app, self.alipay = app_id, seller_id, app, alipay
        self.trades: dict[str, Trade] = {}
        self.calls: list[str] = []
        self.bills: dict[str, bytes] = {}
        # out_request_no -> (out_trade_no, amount, refunded at)
        self.refunds: dict[str, tuple[str, str, str]] = {}
        self.refuse_refunds = ""  # a sub_code (ACQ.SELLER_BALANCE_NOT_ENOUGH …) refunds get
        self.before_close = None  # called with the trade number as a close arrives
        self._lock = threading.Lock()

    # --- the gateway ----------------------------------------------------------------------
    def gateway(self, params: dict) -> tuple[int, str, str]:
        """(status, content type, body) for one call of /gateway.do."""
        method = params.get("method", "")
        self.calls.append(method)
        response_type = method.replace(".", "_") + "_response"
        if params.get("sign_type") != "RSA2" or not self.app.verify(
            unsigned_string(params, leave_out=("sign",)), params.get("sign", "")
        ):
            return self.signed(
                response_type, self.error("40002", "isv.invalid-signature", "验签出错")
            )
        if params.get("app_id") != self.app_id:
            return self.signed(
                response_type, self.error("40002", "isv.invalid-app-id", "无效的AppID参数")
            )
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            return self.signed(
                response_type, self.error("40002", "isv.invalid-biz-content", "参数有误")
            )
        if method in {"alipay.trade.page.pay", "alipay.trade.wap.pay"}:
            return self.cashier(method, params, biz)
        handler = {
            "alipay.trade.query": self.query,
            "alipay.trade.close": self.close,
            "alipay.data.dataservice.bill.downloadurl.query": self.bill_url,
            "alipay.trade.refund": self.refund,
            "alipay.trade.fastpay.refund.query": self.refund_query,
        }.get(method)
        if handler is None:
            return self.signed(
                response_type, self.error("40004", "isv.invalid-method", "不存在的方法名")
            )
        return self.signed(response_type, handler(biz))

    @staticmethod
    def error(code: str, sub_code: str, sub_msg: str) -> dict:
        msg = "Business Failed" if code == "40004" else "Invalid Arguments"
        return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}

    def signed(self, response_type: str, content: dict) -> tuple[int, str, str]:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        body = f'{{"{response_type}":{text},"sign":"{self.alipay.sign(text)}"}}'
        return 200, "text/html;charset=utf-8", body  # Alipay serves its JSON as text/html

    def cashier(self, method: str, params: dict, biz: dict) -> tuple[int, str, str]:
        """The cashier page: the trade opens when the shopper arrives."""
        try:
            amount = Decimal(biz["total_amount"])
            assert amount > 0 and amount == amount.quantize(Decimal("0.01"))
        except Exception:
            return 200, "text/html;charset=utf-8", "<p>错误代码 invalid-parameter</p>"
        with self._lock:
            trade = self.trades.get(biz["out_trade_no"])
            if trade is None:
                trade = self.trades[biz["out_trade_no"]] = Trade(
                    out_trade_no=biz["out_trade_no"],
                    total_amount=biz["total_amount"],
                    subject=biz.get("subject", ""),
                    product_code=biz.get("product_code", ""),
                    notify_url=params.get("notify_url", ""),
                    return_url=params.get("return_url", ""),
                )
        page = (
            f"<h1>支付宝收银台</h1><p class=amount>{html.escape(trade.total_amount)}</p>"
            f"<p>{html.escape(trade.subject)}</p><p class=method>{html.escape(method)}</p>"
            f'<form method=post action="/cashier/{html.escape(trade.out_trade_no)}/pay">'
            "<button type=submit>确认付款</button></form>"
        )
        return 200, "text/html;charset=utf-8", page

    def query(self, biz: dict) -> dict:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return self.error("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
        answer = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "trade_status": trade.status,
            "total_amount": trade.total_amount,
            "buyer_logon_id": "159****5620",
        }
        if trade.paid:
            answer["send_pay_date"] = trade.paid
        return answer

    def close(self, biz: dict) -> dict:
        if self.before_close is not None:
            self.before_close(biz.get("out_trade_no", ""))
        with self._lock:
            trade = self.trades.get(biz.get("out_trade_no", ""))
            if trade is None:
                return self.error("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
            if trade.status != "WAIT_BUYER_PAY":
                return self.error("40004", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            trade.status = "TRADE_CLOSED"
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
        }

    def refund(self, biz: dict) -> dict:
        """Refund part of a paid trade; the same out_request_no again moves no money."""
        with self._lock:
            trade = self.trades.get(biz.get("out_trade_no", ""))
            if trade is None:
                return self.error("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
            request_no = biz.get("out_request_no") or trade.out_trade_no
            taken = sum(
                Decimal(a) for no, a, _ in self.refunds.values() if no == trade.out_trade_no
            )
            answer = {
                "code": "10000",
                "msg": "Success",
                "trade_no": trade.trade_no,
                "out_trade_no": trade.out_trade_no,
                "buyer_logon_id": "159****5620",
            }
            if request_no in self.refunds:
                return {**answer, "fund_change": "N", "refund_fee": str(taken)}
            if not trade.paid:
                return self.error("40004", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            try:
                amount = Decimal(biz["refund_amount"])
            except Exception:
                return self.error("40002", "isv.invalid-parameter", "参数无效")
            if amount <= 0 or amount + taken > Decimal(trade.total_amount):
                return self.error("40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            if self.refuse_refunds:
                return self.error("40004", self.refuse_refunds, "卖家余额不足")
            self.refunds[request_no] = (trade.out_trade_no, f"{amount:.2f}", now())
            if amount + taken == Decimal(trade.total_amount):
                trade.status = "TRADE_CLOSED"  # fully refunded
        return {**answer, "fund_change": "Y", "refund_fee": f"{amount + taken:.2f}"}

    def refund_query(self, biz: dict) -> dict:
        found = self.refunds.get(biz.get("out_request_no", ""))
        if found is None or found[0] != biz.get("out_trade_no"):
            return {"code": "10000", "msg": "Success"}  # what Alipay says of an unknown one
        trade = self.trades[found[0]]
        answer = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "out_request_no": biz["out_request_no"],
            "total_amount": trade.total_amount,
            "refund_amount": found[1],
            "refund_status": "REFUND_SUCCESS",
        }
        if "gmt_refund_pay" in biz.get("query_options", []):
            answer["gmt_refund_pay"] = found[2]
        return answer

    def bill_url(self, biz: dict) -> dict:
        day = biz.get("bill_date", "")
        if biz.get("bill_type") != "trade":
            return self.error("40004", "isv.invalid-bill-type", "账单类型错误")
        rows = [t for t in self.trades.values() if t.paid.startswith(day)]
        refunds = [
            (request_no, self.trades[no], amount)
            for request_no, (no, amount, at) in self.refunds.items()
            if at.startswith(day)
        ]
        if not rows and not refunds:
            return self.error("40004", "isp.bill_not_exist", "账单不存在")
        lines = [
            "#支付宝业务明细查询",
            f"#账号：[{self.seller_id}0156]",
            f"#起始日期：[{day} 00:00:00]   终止日期：[{day} 23:59:59]",
            "#-----------------------------------------业务明细列表----------------------------------------",
            DETAIL_HEADER,
        ]
        for t in rows:
            values = [
                t.trade_no,
                t.out_trade_no,
                "交易",
                t.subject,
                t.created,
                t.paid,
                "",
                "",
                "",
                "",
                "159****5620",
                t.total_amount,
                t.total_amount,
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "",
                "0.00",
                "0.00",
                "",
                "-0.36",
                "0.00",
                "",
            ]
            lines.append(",".join(value + "\t" for value in values))
        for request_no, t, amount in refunds:
            values = [
                t.trade_no,
                t.out_trade_no,
                "退款",
                t.subject,
                t.created,
                now(),
                "",
                "",
                "",
                "",
                "159****5620",
                f"-{amount}",
                f"-{amount}",
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "",
                "0.00",
                "0.00",
                request_no,
                "0.00",
                "0.00",
                "",
            ]
            lines.append(",".join(value + "\t" for value in values))
        lines += [
            "#-----------------------------------------业务明细列表结束------------------------------------",
            f"#交易合计：{len(rows)}笔，商家实收共{sum(Decimal(t.total_amount) for t in rows)}元",
            f"#导出时间：[{now()}]",
        ]
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as bundle:
            name = f"{self.seller_id}0156_{day.replace('-', '')}"
            bundle.writestr(f"{name}_业务明细.csv", "\r\n".join(lines).encode("gbk"))
            bundle.writestr(f"{name}_业务明细(汇总).csv", "#支付宝业务汇总查询\r\n".encode("gbk"))
        token = secrets.token_urlsafe(12)
        self.bills[token] = archive.getvalue()
        return {
            "code": "10000",
            "msg": "Success",
            "bill_download_url": f"{self.base}/bills/{token}.zip",
        }

    # --- the shopper and the notifications ----------------------------------------------
    def pay(self, out_trade_no: str, *, deliver: bool = True) -> requests.Response | None:
        with self._lock:
            trade = self.trades[out_trade_no]
            if trade.status != "WAIT_BUYER_PAY":
                raise AssertionError(f"trade {out_trade_no} is {trade.status}")
            trade.status, trade.paid = "TRADE_SUCCESS", now()
        if not deliver:
            return None
        return requests.post(trade.notify_url, data=self.notification(trade), timeout=20)

    def notification(self, trade: Trade, *, sign_with: KeyPair | None = None, **overrides) -> dict:
        """The form fields of an async notification about a trade, signed (RSA2)."""
        params = {
            "notify_time": now(),
            "notify_type": "trade_status_sync",
            "notify_id": "2026" + secrets.token_hex(16),
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "app_id": self.app_id,
            "auth_app_id": self.app_id,
            "seller_id": self.seller_id,
            "seller_email": "shop@example.com",
            "buyer_id": "2088102177846880",
            "buyer_logon_id": "159****5620",
            "out_trade_no": trade.out_trade_no,
            "trade_no": trade.trade_no,
            "trade_status": trade.status,
            "subject": trade.subject,
            "total_amount": trade.total_amount,
            "receipt_amount": trade.total_amount,
            "buyer_pay_amount": trade.total_amount,
            "invoice_amount": trade.total_amount,
            "point_amount": "0.00",
            "gmt_create": trade.created,
            "gmt_payment": trade.paid,
            "fund_bill_list": json.dumps(
                [{"amount": trade.total_amount, "fundChannel": "ALIPAYACCOUNT"}]
            ),
            **overrides,
        }
        params["sign"] = (sign_with or self.alipay).sign(unsigned_string(params))
        return params

    # --- server ---------------------------------------------------------------------------
    def start(self) -> str:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, content_type: str, body: bytes, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _params(self) -> dict:
                url = urlsplit(self.path)
                params = dict(parse_qsl(url.query, keep_blank_values=True))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    params.update(
                        parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)
                    )
                return params

            def do_GET(self):  # noqa: N802 - http.server's naming
                url = urlsplit(self.path)
                if url.path == "/gateway.do":
                    status, kind, body = simulator.gateway(self._params())
                    self._answer(status, kind, body.encode())
                elif url.path.startswith("/bills/"):
                    content = simulator.bills.get(url.path[len("/bills/") : -len(".zip")])
                    if content is None:
                        self._answer(404, "text/plain", b"not found")
                    else:
                        self._answer(200, "application/zip", content)
                else:
                    self._answer(404, "text/plain", b"not found")

            def do_POST(self):  # noqa: N802
                url = urlsplit(self.path)
                if url.path == "/gateway.do":
                    status, kind, body = simulator.gateway(self._params())
                    self._answer(status, kind, body.encode())
                elif url.path.startswith("/cashier/") and url.path.endswith("/pay"):
                    trade = simulator.trades.get(url.path.split("/")[2])
                    if trade is None:
                        self._answer(404, "text/plain", b"not found")
                        return
                    simulator.pay(trade.out_trade_no)
                    back = {
                        "out_trade_no": trade.out_trade_no,
                        "trade_no": trade.trade_no,
                        "total_amount": trade.total_amount,
                        "app_id": simulator.app_id,
                        "seller_id": simulator.seller_id,
                        "method": "alipay.trade.page.pay.return",
                        "timestamp": now(),
                        "charset": "utf-8",
                        "version": "1.0",
                        "sign_type": "RSA2",
                    }
                    back["sign"] = simulator.alipay.sign(unsigned_string(back))
                    location = (
                        trade.return_url
                        + ("&" if "?" in trade.return_url else "?")
                        + urlencode(back)
                    )
                    self._answer(302, "text/plain", b"", {"Location": location})
                else:
                    self._answer(404, "text/plain", b"not found")

            def log_message(self, *args):
                pass

        return self.serve(Handler)

"""A local WeChat Pay API v3 gateway that speaks the real protocol, for the tests.

- Requests must carry ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,
  signature=..,timestamp=..,serial_no=..``, signed by the merchant's key over
  "METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n"; otherwise 401 SIGN_ERROR.
- Answers are signed with the platform key: Wechatpay-Timestamp, -Nonce, -Signature over
  "TIMESTAMP\\nNONCE\\nBODY\\n", -Serial (the public key id), -Signature-Type.
- Endpoints: native and jsapi prepay, query by out_trade_no, close, trade bill and its
  download (gzip, SHA1), with the real error codes (ORDER_NOT_EXIST, ORDERPAID,
  INVALID_REQUEST, PARAM_ERROR, NO_STATEMENT_EXIST).
- ``pay()`` is the shopper scanning and paying: the trade succeeds and a notification,
  its resource encrypted with AEAD_AES_256_GCM under the APIv3 key, is POSTed to the
  notify_url with signed headers.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import requests
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from config.testing import SimulatedServer
from payments.tests.keys import KeyPair

CHINA = ZoneInfo("Asia/Shanghai")
AUTH = re.compile(r'(\w+)="([^"]*)"')
BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
    "付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,"
    "退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)


@dataclass
class Trade:
    out_trade_no: str
    appid: str
    total: int
    trade_type: str
    notify_url: str
    description: str
    openid: str = ""
    state: str = "NOTPAY"
    transaction_id: str = ""
    success_time: str = ""
    prepay_id: str = field(default_factory=lambda: "wx" + secrets.token_hex(14))
    code_url: str = field(
        default_factory=lambda: "weixin://wxpay/bizpayurl?pr=" + secrets.token_urlsafe(6)
    )


@dataclass
class RefundRecord:
    out_refund_no: str
    out_trade_no: str
    refund: int
    total: int
    notify_url: str
    status: str = "PROCESSING"
    refund_id: str = field(default_factory=lambda: "5030" + f"{secrets.randbelow(10**25):025d}")
    success_time: str = ""


class WechatPaySimulator(SimulatedServer):
    def __init__(
        self,
        *,
        mchid: str,
        appid: str,
        apiv3_key: str,
        merchant_serial: str,
        merchant: KeyPair,
        platform: KeyPair,
        public_key_id: str,
    ):
        self.mchid, self.appid, self.apiv3_key = mchid, appid, apiv3_key
        self.merchant_serial, self.merchant, self.platform = merchant_serial, merchant, platform
        self.public_key_id = public_key_id
        self.trades: dict[str, Trade] = {}
        self.requests: list[tuple[str, str]] = []
        self.bills: dict[str, bytes] = {}
        self.refunds: dict[str, RefundRecord] = {}
        self.refuse_refunds = ""  # an error code (NOT_ENOUGH …) every new refund gets
        self.refuse_refunds_of: set[str] = set()  # trades (out_trade_no) whose refunds it gets
        # Called with the trade number as a close arrives: a test has the shopper pay there,
        # between the shop's query ("not paid") and its close.
        self.before_close = None
        self._lock = threading.Lock()

    # --- the wire -------------------------------------------------------------------------
    def signed_headers(self, body: str, *, timestamp: int | None = None) -> dict:
        stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(16)
        return {
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": self.platform.sign(f"{stamp}\n{nonce}\n{body}\n"),
            "Wechatpay-Serial": self.public_key_id,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def authorized(self, method: str, path: str, headers, body: str) -> bool:
        scheme, _, params = headers.get("Authorization", "").partition(" ")
        fields = dict(AUTH.findall(params))
        if scheme != "WECHATPAY2-SHA256-RSA2048" or fields.get("mchid") != self.mchid:
            return False
        if fields.get("serial_no") != self.merchant_serial:
            return False
        if not fields.get("timestamp", "").isdigit():
            return False
        if abs(time.time() - int(fields["timestamp"])) > 300:
            return False
        message = (
            f"{method}\n{path}\n{fields['timestamp']}\n{fields.get('nonce_str', '')}\n{body}\n"
        )
        return self.merchant.verify(message, fields.get("signature", ""))

    def handle(self, method: str, path: str, headers, body: str) -> tuple[int, dict | bytes | None]:
        self.requests.append((method, path))
        if not self.authorized(method, path, headers, body):
            return 401, {"code": "SIGN_ERROR", "message": "签名错误"}
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if method == "POST" and url.path in {
            "/v3/pay/transactions/native",
            "/v3/pay/transactions/jsapi",
        }:
            return self.prepay(url.path.rsplit("/", 1)[1].upper(), json.loads(body))
        found = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)", url.path)
        if method == "GET" and found:
            if query.get("mchid") != self.mchid:
                return 400, {"code": "PARAM_ERROR", "message": "mchid不匹配"}
            return self.query(found.group(1))
        found = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)/close", url.path)
        if method == "POST" and found:
            return self.close(found.group(1))
        if method == "POST" and url.path == "/v3/refund/domestic/refunds":
            return self.refund(json.loads(body))
        found = re.fullmatch(r"/v3/refund/domestic/refunds/([^/]+)", url.path)
        if method == "GET" and found:
            record = self.refunds.get(found.group(1))
            if record is None:
                return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"}
            return 200, self.refund_body(record)
        if method == "GET" and url.path == "/v3/bill/tradebill":
            return self.trade_bill(query)
        if method == "GET" and url.path == "/v3/billdownload/file":
            content = self.bills.get(query.get("token", ""))
            return (
                (200, content)
                if content is not None
                else (404, {"code": "NOT_FOUND", "message": "文件不存在"})
            )
        return 404, {"code": "NOT_FOUND", "message": "未找到"}

    # --- the API --------------------------------------------------------------------------
    def prepay(self, kind: str, data: dict) -> tuple[int, dict]:
        if data.get("mchid") != self.mchid or data.get("appid") != self.appid:
            return 400, {"code": "INVALID_REQUEST", "message": "appid和mch_id不匹配"}
        total = data.get("amount", {}).get("total")
        if (
            not isinstance(total, int)
            or total <= 0
            or not data.get("notify_url", "").startswith("http")
        ):
            return 400, {"code": "PARAM_ERROR", "message": "参数错误"}
        openid = (data.get("payer") or {}).get("openid", "")
        if kind == "JSAPI" and not openid:
            return 400, {"code": "PARAM_ERROR", "message": "JSAPI支付必须传openid"}
        with self._lock:
            trade = self.trades.get(data["out_trade_no"])
            if trade is None:
                trade = self.trades[data["out_trade_no"]] = Trade(
                    out_trade_no=data["out_trade_no"],
                    appid=data["appid"],
                    total=total,
                    trade_type=kind,
                    notify_url=data["notify_url"],
                    description=data.get("description", ""),
                    openid=openid,
                )
            elif trade.state == "SUCCESS":
                return 400, {"code": "ORDERPAID", "message": "该订单已支付"}
            elif trade.state == "CLOSED":
                return 400, {"code": "ORDER_CLOSED", "message": "订单已关闭"}
            elif trade.total != total or trade.trade_type != kind:
                # One out_trade_no is one trade: another trade type or amount is refused.
                return 403, {"code": "OUT_TRADE_NO_USED", "message": "商户订单号重复"}
        if kind == "NATIVE":
            return 200, {"code_url": trade.code_url}
        return 200, {"prepay_id": trade.prepay_id}

    def transaction(self, trade: Trade) -> dict:
        body = {
            "appid": trade.appid,
            "mchid": self.mchid,
            "out_trade_no": trade.out_trade_no,
            "trade_type": trade.trade_type,
            "trade_state": trade.state,
            "trade_state_desc": {"SUCCESS": "支付成功", "CLOSED": "已关闭"}.get(
                trade.state, "订单未支付"
            ),
            "amount": {"total": trade.total, "currency": "CNY"},
        }
        if trade.state == "SUCCESS":
            body.update(
                transaction_id=trade.transaction_id,
                success_time=trade.success_time,
                bank_type="OTHERS",
                payer={"openid": trade.openid or "o" + secrets.token_hex(13)},
            )
            body["amount"].update(payer_total=trade.total, payer_currency="CNY")
        return body

    def query(self, out_trade_no: str) -> tuple[int, dict]:
        trade = self.trades.get(out_trade_no)
        if trade is None:
            return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
        return 200, self.transaction(trade)

    def close(self, out_trade_no: str) -> tuple[int, dict | None]:
        if self.before_close is not None:
            self.before_close(out_trade_no)
        with self._lock:
            trade = self.trades.get(out_trade_no)
            if trade is None:
                return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
            if trade.state == "SUCCESS":
                return 400, {"code": "ORDERPAID", "message": "该订单已支付"}
            trade.state = "CLOSED"
        return 204, None

    def refund(self, data: dict) -> tuple[int, dict]:
        """Apply for a refund: the same out_refund_no again answers the same refund."""
        with self._lock:
            record = self.refunds.get(data.get("out_refund_no", ""))
            if record is not None:
                return 200, self.refund_body(record)
            trade = self.trades.get(data.get("out_trade_no", ""))
            amount = data.get("amount") or {}
            if trade is None:
                return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"}
            if trade.state not in {"SUCCESS", "REFUND"}:
                return 400, {"code": "INVALID_REQUEST", "message": "订单未支付"}
            if amount.get("total") != trade.total or amount.get("currency") != "CNY":
                return 400, {"code": "PARAM_ERROR", "message": "订单金额或币种信息不一致"}
            taken = sum(
                r.refund for r in self.refunds.values() if r.out_trade_no == trade.out_trade_no
            )
            if (
                not isinstance(amount.get("refund"), int)
                or not 0 < amount["refund"] <= trade.total - taken
            ):
                return 400, {"code": "INVALID_REQUEST", "message": "申请退款金额超过订单可退金额"}
            if self.refuse_refunds or trade.out_trade_no in self.refuse_refunds_of:
                return 403, {
                    "code": self.refuse_refunds or "NOT_ENOUGH",
                    "message": "基本账户余额不足，请充值后重新发起",
                }
            record = self.refunds[data["out_refund_no"]] = RefundRecord(
                out_refund_no=data["out_refund_no"],
                out_trade_no=trade.out_trade_no,
                refund=amount["refund"],
                total=trade.total,
                notify_url=data.get("notify_url", ""),
            )
            trade.state = "REFUND"
        return 200, self.refund_body(record)

    def refund_body(self, record: RefundRecord) -> dict:
        trade = self.trades[record.out_trade_no]
        body = {
            "refund_id": record.refund_id,
            "out_refund_no": record.out_refund_no,
            "transaction_id": trade.transaction_id,
            "out_trade_no": record.out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": datetime.now(CHINA).isoformat(timespec="seconds"),
            "status": record.status,
            "amount": {
                "total": record.total,
                "refund": record.refund,
                "payer_total": record.total,
                "payer_refund": record.refund,
                "currency": "CNY",
            },
        }
        if record.success_time:
            body["success_time"] = record.success_time
        return body

    def settle_refund(self, out_refund_no: str, *, status="SUCCESS", deliver=True):
        """The money reaches the payer (or not): WeChat Pay's refund notification is sent."""
        record = self.refunds[out_refund_no]
        record.status = status
        record.success_time = datetime.now(CHINA).isoformat(timespec="seconds")
        if not deliver:
            return None
        headers, body = self.refund_notification(record)
        return requests.post(record.notify_url, data=body.encode(), headers=headers, timeout=20)

    def refund_notification(self, record: RefundRecord, *, notification_id=None):
        resource = {
            "mchid": self.mchid,
            "out_trade_no": record.out_trade_no,
            "transaction_id": self.trades[record.out_trade_no].transaction_id,
            "out_refund_no": record.out_refund_no,
            "refund_id": record.refund_id,
            "refund_status": record.status,
            "success_time": record.success_time,
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": record.total,
                "refund": record.refund,
                "payer_total": record.total,
                "payer_refund": record.refund,
            },
        }
        body = json.dumps(
            {
                "id": notification_id or str(uuid.uuid4()),
                "create_time": datetime.now(CHINA).isoformat(timespec="seconds"),
                "resource_type": "encrypt-resource",
                "event_type": f"REFUND.{record.status}",
                "summary": "退款成功" if record.status == "SUCCESS" else "退款异常",
                "resource": {
                    **self.encrypt(
                        json.dumps(resource, ensure_ascii=False), associated_data="refund"
                    ),
                    "original_type": "refund",
                },
            },
            ensure_ascii=False,
        )
        return {"Content-Type": "application/json", **self.signed_headers(body)}, body

    def trade_bill(self, query: dict) -> tuple[int, dict]:
        day = query.get("bill_date", "")
        rows = [
            t
            for t in self.trades.values()
            if t.state in {"SUCCESS", "REFUND"} and t.success_time.startswith(day)
        ]
        refunds = [
            r
            for r in self.refunds.values()
            if r.status == "SUCCESS" and r.success_time.startswith(day)
        ]
        if not rows and not refunds:
            return 400, {"code": "NO_STATEMENT_EXIST", "message": "账单文件不存在"}
        lines = [BILL_HEADER]
        for t in rows:
            amount = f"{t.total / 100:.2f}"
            values = [
                t.success_time.replace("T", " ")[:19],
                t.appid,
                self.mchid,
                "0",
                "",
                t.transaction_id,
                t.out_trade_no,
                t.openid,
                t.trade_type,
                "SUCCESS",
                "OTHERS",
                "CNY",
                amount,
                "0.00",
                "0",
                "0",
                "0.00",
                "0.00",
                "",
                "",
                t.description,
                "",
                "0.00000",
                "0.60%",
                amount,
                "0.00",
                "",
            ]
            lines.append(",".join("`" + v for v in values))
        for r in refunds:
            trade = self.trades[r.out_trade_no]
            values = [
                r.success_time.replace("T", " ")[:19],
                trade.appid,
                self.mchid,
                "0",
                "",
                trade.transaction_id,
                r.out_trade_no,
                trade.openid,
                trade.trade_type,
                "REFUND",
                "OTHERS",
                "CNY",
                "0.00",
                "0.00",
                r.refund_id,
                r.out_refund_no,
                f"{r.refund / 100:.2f}",
                "0.00",
                "ORIGINAL",
                "SUCCESS",
                trade.description,
                "",
                "0.00000",
                "0.60%",
                f"{trade.total / 100:.2f}",
                f"{r.refund / 100:.2f}",
                "",
            ]
            lines.append(",".join("`" + v for v in values))
        lines.append(
            "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
        )
        total = sum(t.total for t in rows) / 100
        lines.append(f"`{len(rows)},`{total:.2f},`0.00,`0.00,`0.00000,`{total:.2f},`0.00")
        text = ("\n".join(lines) + "\n").encode()
        token = secrets.token_urlsafe(12)
        self.bills[token] = gzip.compress(text)
        return 200, {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(text, usedforsecurity=False).hexdigest(),
            "download_url": f"{self.base}/v3/billdownload/file?token={token}",
        }

    # --- the shopper and the notifications ----------------------------------------------
    def pay(self, out_trade_no: str, *, deliver: bool = True) -> requests.Response | None:
        """The shopper scans and pays: the trade succeeds and its notification is sent."""
        with self._lock:
            trade = self.trades[out_trade_no]
            if trade.state != "NOTPAY":
                raise AssertionError(f"trade {out_trade_no} is {trade.state}")
            trade.state = "SUCCESS"
            trade.transaction_id = "4200" + f"{secrets.randbelow(10**24):024d}"
            trade.success_time = datetime.now(CHINA).isoformat(timespec="seconds")
        if not deliver:
            return None
        headers, body = self.notification(trade)
        return requests.post(trade.notify_url, data=body.encode(), headers=headers, timeout=20)

    def encrypt(self, plaintext: str, *, associated_data: str = "transaction") -> dict:
        nonce = secrets.token_urlsafe(9)[:12]
        sealed = AESGCM(self.apiv3_key.encode()).encrypt(
            nonce.encode(), plaintext.encode(), associated_data.encode()
        )
        return {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(sealed).decode(),
            "associated_data": associated_data,
            "nonce": nonce,
        }

    def notification(
        self,
        trade: Trade,
        *,
        notification_id: str | None = None,
        resource: dict | None = None,
        timestamp: int | None = None,
    ) -> tuple[dict, str]:
        """The signed headers and body WeChat Pay sends about a trade."""
        plain = json.dumps(resource or self.transaction(trade), ensure_ascii=False)
        body = json.dumps(
            {
                "id": notification_id or str(uuid.uuid4()),
                "create_time": datetime.now(CHINA).isoformat(timespec="seconds"),
                "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS",
                "summary": "支付成功",
                "resource": self.encrypt(plain),
            },
            ensure_ascii=False,
        )
        headers = {
            "Content-Type": "application/json",
            **self.signed_headers(body, timestamp=timestamp),
        }
        return headers, body

    # --- server ---------------------------------------------------------------------------
    def start(self) -> str:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                status, answer = simulator.handle(method, self.path, self.headers, body)
                if isinstance(answer, bytes):  # a bill file: not signed, like the real one
                    self.send_response(status)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                    return
                text = json.dumps(answer, ensure_ascii=False) if answer is not None else ""
                payload = text.encode()
                self.send_response(status)
                headers = {"Request-ID": uuid.uuid4().hex, **simulator.signed_headers(text)}
                for name, value in headers.items():
                    self.send_header(name, value)
                if answer is not None:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):  # noqa: N802 - http.server's naming
                self._serve("GET")

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def log_message(self, *args):
                pass

        return self.serve(Handler)

"""A local simulated WeChat server API (code2Session, the stable access token, subscribe
messages) that answers like the real one.

POST /cgi-bin/stable_token {grant_type=client_credential, appid, secret, force_refresh}
answers {access_token, expires_in: 7200}; POST /cgi-bin/message/subscribe/send?access_token
answers {errcode: 0, errmsg: "ok"}, 40001 for a token it did not give (or expired), 43101
when the user has not subscribed to the template (each subscription allows one message),
47003 when a value is too long for its keyword.

GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code. The real API
answers HTTP 200 with a JSON body served as text/plain, for errors too:
40013 invalid appid, 40125 invalid appsecret, 41008 missing code, 40029 invalid code,
40163 code been used, 45011 minute quota reached, -1 system busy.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from config.testing import SimulatedServer


class WechatSimulator(SimulatedServer):
    def __init__(self, *, appid: str, secret: str):
        self.appid = appid
        self.secret = secret
        self.codes: dict[str, tuple[str, str | None]] = {}
        self.used: set[str] = set()
        self.rate_limited = False
        self.busy = False
        self.requests: list[dict] = []
        self.tokens: set[str] = set()
        # (openid, template id) → messages the user agreed to receive (one per tap of 允许).
        self.subscriptions: dict[tuple[str, str], int] = {}
        self.sent: list[dict] = []
        self._lock = threading.Lock()

    def subscribe(self, openid: str, template_id: str, times: int = 1) -> None:
        with self._lock:
            key = (openid, template_id)
            self.subscriptions[key] = self.subscriptions.get(key, 0) + times

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def post(self, path: str, query: dict, body: dict) -> dict:
        if path == "/cgi-bin/stable_token":
            if body.get("appid") != self.appid or body.get("secret") != self.secret:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            token = secrets.token_urlsafe(24)
            with self._lock:
                self.tokens.add(token)
            return {"access_token": token, "expires_in": 7200}
        if path == "/cgi-bin/message/subscribe/send":
            with self._lock:
                if query.get("access_token") not in self.tokens:
                    return {
                        "errcode": 40001,
                        "errmsg": "invalid credential, access_token is invalid",
                    }
                key = (body.get("touser"), body.get("template_id"))
                if self.subscriptions.get(key, 0) < 1:
                    return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
                for keyword, value in (body.get("data") or {}).items():
                    if keyword.startswith("thing") and len(value.get("value", "")) > 20:
                        return {"errcode": 47003, "errmsg": f"argument invalid! data.{keyword}"}
                self.subscriptions[key] -= 1
                self.sent.append(body)
            return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 404, "errmsg": "not found"}

    # --- what a phone would do: wx.login() yields a one-time code for an openid ---------
    def issue_code(self, *, openid: str | None = None, unionid: str | None = None) -> str:
        code = secrets.token_hex(16)
        with self._lock:
            self.codes[code] = (openid or "o" + secrets.token_urlsafe(20)[:27], unionid)
        return code

    def answer(self, query: dict[str, str]) -> dict:
        def error(errcode: int, errmsg: str) -> dict:
            return {"errcode": errcode, "errmsg": f"{errmsg}, rid: {uuid.uuid4().hex[:24]}"}

        self.requests.append(query)
        if self.busy:
            return error(-1, "system error")
        if query.get("appid") != self.appid:
            return error(40013, "invalid appid")
        if query.get("secret") != self.secret:
            return error(40125, "invalid appsecret")
        if query.get("grant_type") != "authorization_code":
            return error(40002, "invalid grant_type")
        code = query.get("js_code")
        if not code:
            return error(41008, "missing code")
        if self.rate_limited:
            return error(45011, "api minute-quota reach limit  mustslower  retry next minute")
        with self._lock:
            if code in self.used:
                return error(40163, "code been used")
            if code not in self.codes:
                return error(40029, "invalid code")
            self.used.add(code)
            openid, unionid = self.codes.pop(code)
        body = {"session_key": secrets.token_urlsafe(16), "openid": openid}
        if unionid:
            body["unionid"] = unionid
        return body

    # --- server -------------------------------------------------------------------------
    def start(self) -> str:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                url = urlsplit(self.path)
                if url.path != "/sns/jscode2session":
                    self.send_error(404)
                    return
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                payload = json.dumps(simulator.answer(query)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):  # noqa: N802
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                payload = json.dumps(simulator.post(url.path, query, body)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        return self.serve(Handler)

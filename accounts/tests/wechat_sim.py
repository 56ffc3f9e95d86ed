"""A local simulated WeChat code2Session endpoint that answers like the real one.

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
        self._lock = threading.Lock()

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

            def log_message(self, *args):
                pass

        return self.serve(Handler)

"""WeChat mini-program code2Session client.

GET {WECHAT_API_BASE}/sns/jscode2session?appid&secret&js_code&grant_type=authorization_code
answers JSON (served as text/plain) with ``openid``, ``session_key`` and maybe ``unionid``,
or ``errcode``/``errmsg``: 40029 invalid code, 40163 code already used, 45011 rate limited,
40226 high-risk user, -1 system busy.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import requests
from django.conf import settings

from accounts.errors import WechatInvalidCode, WechatRateLimited, WechatUnavailable

logger = logging.getLogger(__name__)

INVALID_CODE_ERRCODES = {40029, 40163, 40226}
RATE_LIMIT_ERRCODES = {45011}


@dataclass(frozen=True)
class WechatSession:
    openid: str
    session_key: str
    unionid: str | None


def code2session(*, code: str) -> WechatSession:
    """Exchange a wx.login code; raise a WeChat* error the API can answer with."""
    appid, secret = settings.WECHAT_MINIPROGRAM_APPID, settings.WECHAT_MINIPROGRAM_SECRET
    if not appid or not secret:
        logger.error("wechat login called but WECHAT_MINIPROGRAM_APPID/SECRET are not set")
        raise WechatUnavailable()
    try:
        response = requests.get(
            settings.WECHAT_API_BASE.rstrip("/") + "/sns/jscode2session",
            params={
                "appid": appid,
                "secret": secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
            timeout=settings.WECHAT_API_TIMEOUT,
        )
        response.raise_for_status()
        payload = json.loads(response.text)
    except (requests.RequestException, ValueError) as exc:
        logger.warning("wechat code2session failed: %s", exc)
        raise WechatUnavailable() from exc

    errcode = int(payload.get("errcode") or 0)
    if errcode:
        logger.info("wechat code2session errcode=%s errmsg=%s", errcode, payload.get("errmsg"))
        if errcode in INVALID_CODE_ERRCODES:
            raise WechatInvalidCode()
        if errcode in RATE_LIMIT_ERRCODES:
            raise WechatRateLimited(headers={"Retry-After": "60"})
        raise WechatUnavailable()
    if not payload.get("openid"):
        raise WechatUnavailable()
    return WechatSession(
        openid=payload["openid"],
        session_key=payload.get("session_key", ""),
        unionid=payload.get("unionid") or None,
    )

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


# --- Subscribe messages (订阅消息) -----------------------------------------------------------
# POST {base}/cgi-bin/stable_token {"grant_type": "client_credential", appid, secret} →
# {"access_token", "expires_in"}: the stable token (unlike /cgi-bin/token, fetching it does
# not void the one other processes hold). POST {base}/cgi-bin/message/subscribe/send
# ?access_token=… {touser, template_id, page, data: {keyword: {"value": …}},
# miniprogram_state, lang} → {"errcode": 0}; 43101 the user did not subscribe (or used up the
# one message a subscription allows), 40001/42001 the token is invalid or expired, 47003 a
# value does not fit its keyword. No library does this part of the mini-program server API
# for Python that we would rather depend on (wechatpy's is for official accounts), so the
# two calls are written here.

TOKEN_CACHE_KEY = "wechat:stable_token"  # noqa: S105 - a cache key, not a secret
TOKEN_ERRCODES = {40001, 42001}
NOT_SUBSCRIBED = 43101
# What a keyword's value may hold (WeChat's rules by the keyword's kind).
KEYWORD_LIMITS = {"thing": 20, "character_string": 32, "phrase": 5, "name": 10, "amount": 16}


def _post(path: str, payload: dict, params: dict | None = None) -> dict:
    try:
        response = requests.post(
            settings.WECHAT_API_BASE.rstrip("/") + path,
            params=params,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"},
            timeout=settings.WECHAT_API_TIMEOUT,
        )
        response.raise_for_status()
        return json.loads(response.text)
    except (requests.RequestException, ValueError) as exc:
        logger.warning("wechat %s failed: %s", path, exc)
        raise WechatUnavailable() from exc


def access_token(*, fresh: bool = False) -> str:
    """The mini-program's access token, from the cache while it lasts (5 minutes spare)."""
    from django.core.cache import cache

    if not fresh and (token := cache.get(TOKEN_CACHE_KEY)):
        return token
    payload = _post(
        "/cgi-bin/stable_token",
        {
            "grant_type": "client_credential",
            "appid": settings.WECHAT_MINIPROGRAM_APPID,
            "secret": settings.WECHAT_MINIPROGRAM_SECRET,
            "force_refresh": fresh,
        },
    )
    if payload.get("errcode") or not payload.get("access_token"):
        logger.error("wechat stable_token errcode=%s", payload.get("errcode"))
        raise WechatUnavailable()
    cache.set(TOKEN_CACHE_KEY, payload["access_token"], max(int(payload["expires_in"]) - 300, 60))
    return payload["access_token"]


def keyword_value(keyword: str, value: str) -> str:
    """``value`` cut to what the keyword's kind holds (thing1: 20 characters …)."""
    kind = keyword.rstrip("0123456789")
    limit = KEYWORD_LIMITS.get(kind)
    value = str(value)
    return value if limit is None or len(value) <= limit else value[: limit - 1] + "…"


def subscribe_message_send(*, openid: str, template_id: str, data: dict, page: str = "") -> bool:
    """Send one subscribe message; True if WeChat took it, False if the shopper has not
    subscribed (nothing to retry). An unreachable WeChat raises WechatUnavailable."""
    if not settings.WECHAT_MINIPROGRAM_APPID or not settings.WECHAT_MINIPROGRAM_SECRET:
        return False
    body = {
        "touser": openid,
        "template_id": template_id,
        "page": page,
        "data": {k: {"value": keyword_value(k, v)} for k, v in data.items()},
        "miniprogram_state": settings.WECHAT_MINIPROGRAM_STATE,
        "lang": "zh_CN",
    }
    for fresh in (False, True):
        answer = _post(
            "/cgi-bin/message/subscribe/send",
            body,
            params={"access_token": access_token(fresh=fresh)},
        )
        errcode = int(answer.get("errcode") or 0)
        if errcode in TOKEN_ERRCODES and not fresh:
            continue  # the token went stale early: once more with a fresh one
        if errcode == 0:
            return True
        if errcode == NOT_SUBSCRIBED:
            return False
        logger.warning(
            "wechat subscribe message errcode=%s errmsg=%s", errcode, answer.get("errmsg")
        )
        return False
    return False

"""The payment providers, by name. Which ones shoppers may choose is PAYMENTS_PROVIDERS."""

from __future__ import annotations

from django.conf import settings

from payments.errors import UnknownProvider
from payments.providers.base import PaymentProvider


def _registry() -> dict[str, type[PaymentProvider]]:
    from payments.providers.alipay import AlipayProvider
    from payments.providers.sandbox import SandboxProvider
    from payments.providers.wechatpay import WechatPayProvider

    return {"sandbox": SandboxProvider, "wechatpay": WechatPayProvider, "alipay": AlipayProvider}


def enabled_providers() -> list[str]:
    known = _registry()
    return [name for name in settings.PAYMENTS_PROVIDERS if name in known]


def get_provider(name: str) -> PaymentProvider:
    provider = _registry().get(name)
    if provider is None:
        raise UnknownProvider()
    return provider()


def provider_problems(name: str) -> str:
    """Why ``name`` cannot be used now, in one line ("" when it can): unknown, not among
    PAYMENTS_PROVIDERS, or missing settings or key files."""
    provider = _registry().get(name)
    if provider is None:
        return f"no such provider (known: {', '.join(sorted(_registry()))})"
    if name not in settings.PAYMENTS_PROVIDERS:
        return "not enabled (add it to PAYMENTS_PROVIDERS)"
    problems = provider.configuration_problems()
    return " ".join(problems)

"""System checks: every payment method shoppers are offered is configured and its key files
can be read, so a deploy fails at start rather than at a shopper's first payment."""

from django.core import checks


@checks.register(checks.Tags.compatibility)
def providers_configured(app_configs=None, **kwargs):
    from django.conf import settings

    from payments.providers import _registry

    known = _registry()
    problems = []
    for name in settings.PAYMENTS_PROVIDERS:
        provider = known.get(name)
        if provider is None:
            problems.append(
                checks.Error(
                    f"PAYMENTS_PROVIDERS names an unknown provider: {name!r}.", id="payments.E001"
                )
            )
            continue
        for problem in provider.configuration_problems():
            problems.append(checks.Error(f"{name}: {problem}", id="payments.E002"))
    return problems

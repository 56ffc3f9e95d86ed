from payments.models import Provider
from payments.providers import enabled_providers


def payment_methods(request):
    """The methods an order page offers (evaluated only where a template asks)."""

    def methods() -> list[tuple[str, str]]:
        labels = dict(Provider.choices)
        return [(name, labels[name]) for name in enabled_providers()]

    return {"payment_methods": methods}

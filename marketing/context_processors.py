from django.utils.functional import SimpleLazyObject


def points_badge(request):
    """The shopper's usable points for the header's account menu, read only when a page
    shows them (one small query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def balance() -> int:
        from marketing.selectors import points_balance

        return points_balance(user)[0]

    return {"points_balance": SimpleLazyObject(balance)}

import functools

from orders.selectors import message_unread_count


def messages_badge(request):
    """The header's unread-messages badge; counted only when a template shows it."""

    @functools.cache  # the header shows it twice; one query
    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return message_unread_count(user=user)

    return {"unread_messages": count}

from django.conf import settings


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the configured proxy header's first hop."""
    header = settings.CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get(header, "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.META.get("REMOTE_ADDR", "") or "unknown"

"""Media in development (DEBUG): served like nginx serves it in production, where the
prefixes in MEDIA_PRIVATE_PREFIXES (refund photos) are internal locations, shown only
through the view that checks who asks. Django's ``static()`` helper would serve every file
under MEDIA_ROOT to anyone with its URL."""

from __future__ import annotations

import posixpath

from django.conf import settings
from django.http import Http404
from django.views.static import serve


def public_media(request, path: str):
    # As serve() reads it: "products/../aftersales/x.jpg" is a refund photo too.
    normalized = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    if any(normalized.startswith(prefix) for prefix in settings.MEDIA_PRIVATE_PREFIXES):
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)

"""Where refund photos live, and how they are handed out: never as a public media URL.

A refund photo can show a face, a parcel label, an address. The page and the API link to
``payments:aftersale_photo``, which checks the viewer (the order's shopper, or staff who
may see after-sales requests) and then hands the file out:

- on S3-compatible storage, as a redirect to a URL signed for a few minutes (the photos are
  written private, whatever the bucket's default);
- on local storage behind nginx (``MEDIA_ACCEL_REDIRECT=true``), as ``X-Accel-Redirect`` to
  the internal ``/media/aftersales/`` location, which answers 404 to anyone asking directly;
- otherwise (embedded mode, tests) streamed by Django.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage

SIGNED_URL_SECONDS = 300


def aftersale_photo_storage():
    """The media storage, made private and signed when it is S3 (the same bucket and names,
    so photos stored before stay where they are)."""
    backend = settings.STORAGES["default"]["BACKEND"]
    if backend != "storages.backends.s3.S3Storage":
        return default_storage
    from storages.backends.s3 import S3Storage

    options = {
        **settings.STORAGES["default"].get("OPTIONS", {}),
        "querystring_auth": True,
        "querystring_expire": SIGNED_URL_SECONDS,
        "default_acl": "private",
        "custom_domain": None,  # a CDN domain would drop the signature
    }
    return S3Storage(**options)


def is_local(storage) -> bool:
    try:
        storage.path("x")
    except NotImplementedError:
        return False
    return True


__all__ = ["aftersale_photo_storage", "is_local"]

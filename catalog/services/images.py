"""Product images: verified with Pillow, thumbnailed, stored through the storage API."""

from __future__ import annotations

import io
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from catalog.cache import catalog_changed
from catalog.models import Product, ProductImage
from config.oncommit import after_commit

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
THUMBNAIL_SIZE = (400, 400)


def image_validate(file, *, limit: int | None = None, formats=None) -> str:
    """Check an upload is a real image of one of ``formats`` (default: JPEG, PNG, GIF,
    WebP) within ``limit`` bytes (default CATALOG_IMAGE_MAX_BYTES); return its format."""
    limit = limit or settings.CATALOG_IMAGE_MAX_BYTES
    formats = formats or ALLOWED_IMAGE_FORMATS
    accepted = ", ".join(sorted(formats))
    if file.size > limit:
        raise ValidationError(
            _("The image is %(size).1f MB; the limit is %(limit).1f MB.")
            % {"size": file.size / 1024 / 1024, "limit": limit / 1024 / 1024}
        )
    try:
        file.seek(0)
        with Image.open(file) as img:
            image_format = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("The file is not a valid image. Upload one of: %(formats)s.") % {"formats": accepted}
        ) from exc
    finally:
        file.seek(0)
    if image_format not in formats:
        raise ValidationError(
            _("%(format)s images are not accepted. Upload one of: %(formats)s.")
            % {"format": image_format, "formats": accepted}
        )
    return image_format


def _thumbnail(file) -> ContentFile:
    file.seek(0)
    with Image.open(file) as img:
        img = ImageOps.exif_transpose(img)
        img.thumbnail(THUMBNAIL_SIZE)
        if img.mode not in ("RGB", "RGBA"):
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        buffer = io.BytesIO()
        img.save(buffer, format="WEBP", quality=82)
    file.seek(0)
    return ContentFile(buffer.getvalue())


@transaction.atomic
def product_image_add(*, product: Product, file, alt: str = "", sort_order: int | None = None):
    """Validate an uploaded image, store it and its thumbnail through the storage API."""
    image_validate(file)
    if sort_order is None:
        sort_order = (product.images.aggregate(m=Max("sort_order"))["m"] or 0) + 1
    image = ProductImage(product=product, alt=alt, sort_order=sort_order)
    name = os.path.basename(getattr(file, "name", "") or "image")
    image.image.save(name, file, save=False)
    image.thumbnail.save(os.path.splitext(name)[0] + ".webp", _thumbnail(file), save=False)
    image.save()
    catalog_changed()
    return image


@transaction.atomic
def product_image_delete(*, image: ProductImage) -> None:
    files = [image.image, image.thumbnail]
    image.delete()
    after_commit(lambda: [f.delete(save=False) for f in files if f])
    catalog_changed()


@transaction.atomic
def product_image_update(*, image: ProductImage, alt: str, sort_order: int) -> ProductImage:
    """Change an image's alt text and position; shoppers see it on the next request."""
    image.alt, image.sort_order = (alt or "").strip()[:200], sort_order or 0
    image.save(update_fields=["alt", "sort_order"])
    catalog_changed()
    return image

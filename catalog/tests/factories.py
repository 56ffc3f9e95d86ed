"""Catalog test data, built through the services so derived fields are right."""

import io
from decimal import Decimal
from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog import services
from catalog.models import ProductStatus

_seq = count(1)


def make_category(name=None, *, parent=None, **extra):
    n = next(_seq)
    return services.category_create(
        name=name or f"Category {n}", slug=extra.pop("slug", f"cat-{n}"), parent=parent, **extra
    )


def make_product(
    *,
    category=None,
    name=None,
    skus=None,
    status=ProductStatus.ON_SALE,
    spec=None,
    **data,
):
    """A product; by default on sale with one SKU of price 100.00 and stock 10."""
    n = next(_seq)
    spec = spec if spec is not None else [{"name": "colour", "values": ["red", "blue"]}]
    if skus is None:
        skus = [{"attributes": {spec[0]["name"]: spec[0]["values"][0]}} if spec else {}]
    sku_rows = []
    for index, sku in enumerate(skus):
        row = {"code": f"SKU-{n}-{index}", "price": Decimal("100.00"), "stock": 10, **sku}
        row.setdefault("attributes", {})
        sku_rows.append(row)
    return services.product_create(
        data={
            "name": name or f"Product {n}",
            "slug": data.pop("slug", f"product-{n}"),
            "category": category or make_category(),
            "status": status,
            "spec": spec,
            **data,
        },
        skus=sku_rows,
    )


def image_upload(name="photo.png", fmt="PNG", size=(64, 64), colour=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")

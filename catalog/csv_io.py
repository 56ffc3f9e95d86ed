"""CSV export and import of products with their SKUs: one row per SKU.

Import matches products by slug and SKUs by code, creates or updates them through the
services, and is all-or-nothing: any bad row rolls the whole file back, and the error names
the row.

Texts: ``product_name``, ``subtitle`` and ``description`` are the Chinese ones;
``product_name_en``, ``subtitle_en`` and ``description_en`` the English ones. Either
language may be empty (the shop shows the other), not both names.

Stock columns (stock changes only through the stock ledger, never by overwriting):
- ``stock``: for a new SKU, its opening stock. For an existing SKU, a counted value: it is
  applied only if the SKU's stock still equals ``stock_exported`` (the value the export
  showed); if sales moved it since, the row is refused with the current value.
- ``stock_exported``: written by the export; leave it as it is.
- ``stock_change``: a signed quantity to add or remove (``50`` received, ``-2`` damaged),
  whatever the stock is now. Use either a new ``stock`` or ``stock_change`` in one row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog import services
from catalog.errors import InsufficientStock, StockMoved
from catalog.models import Category, Product, ProductStatus, Sku, StockReason
from config.csvexport import FORMULA_STARTS
from config.uploads import decode_csv

COLUMNS = [
    "product_slug",
    "product_name",
    "subtitle",
    "category_slug",
    "brand",
    "status",
    "is_hot",
    "is_recommended",
    "spec",
    "description",
    "sku_code",
    "sku_attributes",
    "price",
    "list_price",
    "stock",
    "stock_exported",
    "stock_change",
    "low_stock_threshold",
    "sku_active",
    # English beside the Chinese of product_name, subtitle and description (each optional).
    "product_name_en",
    "subtitle_en",
    "description_en",
]
# The header a merchant reads, in their language (lazy: read when a file is made); the import
# takes either language's label or the column's own name.
COLUMN_LABELS = {
    "product_slug": gettext_lazy("product slug"),
    "product_name": gettext_lazy("product name (Chinese)"),
    "subtitle": gettext_lazy("subtitle (Chinese)"),
    "category_slug": gettext_lazy("category slug"),
    "brand": gettext_lazy("brand"),
    "status": gettext_lazy("status (draft/on_sale/off_sale)"),
    "is_hot": gettext_lazy("hot (1/0)"),
    "is_recommended": gettext_lazy("recommended (1/0)"),
    "spec": gettext_lazy("spec (JSON)"),
    "description": gettext_lazy("description (Chinese)"),
    "sku_code": gettext_lazy("SKU code"),
    "sku_attributes": gettext_lazy("SKU attributes (JSON)"),
    "price": gettext_lazy("price"),
    "list_price": gettext_lazy("list price"),
    "stock": gettext_lazy("stock"),
    "stock_exported": gettext_lazy("stock when exported"),
    "stock_change": gettext_lazy("stock change (+/-)"),
    "low_stock_threshold": gettext_lazy("low-stock threshold"),
    "sku_active": gettext_lazy("SKU on sale (1/0)"),
    "product_name_en": gettext_lazy("product name (English)"),
    "subtitle_en": gettext_lazy("subtitle (English)"),
    "description_en": gettext_lazy("description (English)"),
}
MAX_ROWS = 20_000
TEXT_COLUMNS = {
    "product_name": "name_zh_hans",
    "product_name_en": "name_en",
    "subtitle": "subtitle_zh_hans",
    "subtitle_en": "subtitle_en",
    "description": "description_zh_hans",
    "description_en": "description_en",
}


def products_export_rows(*, queryset) -> Iterator[list]:
    """The header, then one row per SKU of the products in ``queryset`` (lazily, in chunks)."""
    yield header_row()
    products = queryset.select_related("category", "brand").prefetch_related("skus")
    for product in products.order_by("pk").iterator(chunk_size=500):
        base = [
            product.slug,
            product.name_zh_hans or "",
            product.subtitle_zh_hans or "",
            product.category.slug,
            product.brand.name if product.brand else "",
            product.status,
            int(product.is_hot),
            int(product.is_recommended),
            json.dumps(product.spec, ensure_ascii=False),
            product.description_zh_hans or "",
        ]
        english = [product.name_en or "", product.subtitle_en or "", product.description_en or ""]
        for sku in sorted(product.skus.all(), key=lambda s: s.pk):
            yield (
                [
                    *base,
                    sku.code,
                    json.dumps(sku.attributes, ensure_ascii=False),
                    sku.price,
                    sku.list_price if sku.list_price is not None else "",
                    sku.stock,
                    sku.stock,
                    "",
                    sku.low_stock_threshold,
                    int(sku.is_active),
                    *english,
                ]
            )


def header_row() -> list[str]:
    """The columns' labels in the active language."""
    return [str(COLUMN_LABELS[column]) for column in COLUMNS]


def template_rows() -> Iterator[list]:
    """The import template: the header and one example product with two SKUs."""
    yield header_row()
    example = {
        "product_slug": "tea-longjing-250g",
        "product_name": "明前龙井 250g",
        "category_slug": "tea",
        "brand": "茶香",
        "status": "draft",
        "is_hot": 0,
        "is_recommended": 0,
        "spec": '[{"name": "规格", "values": ["250g", "500g"]}]',
        "price": "268.00",
        "list_price": "298.00",
        "stock": 50,
        "low_stock_threshold": 5,
        "sku_active": 1,
        "product_name_en": "Pre-Qingming Longjing 250g",
    }
    for code, size in (("LJ-250", "250g"), ("LJ-500", "500g")):
        row = {**example, "sku_code": code, "sku_attributes": f'{{"规格": "{size}"}}'}
        yield [row.get(column, "") for column in COLUMNS]


def _header_lookup() -> dict[str, str]:
    """Every name a column may go by: its own, and its label in each language."""
    from django.conf import settings
    from django.utils import translation

    lookup = {column: column for column in COLUMNS}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            lookup.update({str(label): column for column, label in COLUMN_LABELS.items()})
    return lookup


def _decode(raw: bytes) -> str:
    return decode_csv(raw)


def _bool(value: str) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "y"}


def _json(value: str, field: str, default):
    if not str(value).strip():
        return default
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValidationError({field: [_("Not valid JSON.")]}) from exc


def _decimal(value: str, field: str, *, required: bool) -> Decimal | None:
    if not str(value).strip():
        if required:
            raise ValidationError({field: [_("This field is required.")]})
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValidationError({field: [_("Enter a number.")]}) from exc


def _int(value: str, field: str, default, *, signed: bool = False):
    text = str(value or "").strip()
    if not text:
        return default
    if not text.lstrip("+-").isascii() or not text.lstrip("+-").isdigit() or len(text) > 10:
        raise ValidationError({field: [_("Enter a whole number.")]})
    number = int(text)
    if number < 0 and not signed:
        raise ValidationError({field: [_("Must not be negative.")]})
    return number


def _unescape(value):
    """Undo the export's formula guard ('=x written as text) so a round trip is exact."""
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


def _read(stream) -> list[dict]:
    raw = stream.read()
    if isinstance(raw, bytes):
        raw = _decode(raw)
    lookup = _header_lookup()
    header = next(csv.reader(io.StringIO(raw)), [])
    fieldnames = [lookup.get(name.strip(), name.strip()) for name in header]
    reader = csv.DictReader(io.StringIO(raw), fieldnames=fieldnames)
    next(reader, None)  # the header itself
    reader = ({k: _unescape(v) for k, v in row.items()} for row in reader)
    missing = [
        c
        for c in ("product_slug", "product_name", "category_slug", "sku_code", "price")
        if c not in fieldnames
    ]
    if missing:
        names = ", ".join(str(COLUMN_LABELS[column]) for column in missing)
        raise ValidationError(_("Missing columns: %(cols)s.") % {"cols": names})
    rows = list(reader)
    if not rows:
        raise ValidationError(_("The file has no rows."))
    if len(rows) > MAX_ROWS:
        raise ValidationError(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
    return rows


@transaction.atomic
def products_import(*, stream, actor=None) -> dict[str, int]:
    """Create or update products and SKUs from CSV; all rows or none."""
    rows = _read(stream)
    reference = timezone.localtime().strftime("import %Y-%m-%d %H:%M:%S")
    errors: list[str] = []
    created = updated = 0
    done_products: dict[str, Product] = {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            with transaction.atomic():
                slug = row["product_slug"].strip()
                product = done_products.get(slug)
                if product is None:
                    product, is_new = _import_product(row)
                    done_products[slug] = product
                    created, updated = created + is_new, updated + (not is_new)
                _import_sku(product, row, actor=actor, reference=reference)
        except ValidationError as exc:
            details = (
                "; ".join(f"{f}: {' '.join(m)}" for f, m in exc.message_dict.items())
                if hasattr(exc, "error_dict")
                else " ".join(exc.messages)
            )
            errors.append(_("Row %(row)d: %(details)s") % {"row": number, "details": details})
    if errors:
        raise ValidationError(errors)
    return {"created": created, "updated": updated}


def _import_product(row: dict) -> tuple[Product, bool]:
    category = Category.objects.filter(slug=row["category_slug"].strip()).first()
    if category is None:
        raise ValidationError({"category_slug": [_("Unknown category.")]})
    status = (row.get("status") or ProductStatus.DRAFT).strip()
    if status not in ProductStatus.values:
        raise ValidationError({"status": [_("Use draft, on_sale or off_sale.")]})
    brand_name = (row.get("brand") or "").strip()
    # The Chinese texts in product_name, subtitle and description, English beside them; a
    # file without a column leaves that text as it is.
    texts = {
        field: (row.get(column) or "").strip()
        for column, field in TEXT_COLUMNS.items()
        if column in row
    }
    data = {
        **texts,
        "slug": row["product_slug"].strip(),
        "category": category,
        "brand": services.brand_get_or_create(name=brand_name) if brand_name else None,
        "status": ProductStatus.DRAFT,  # set after the SKUs exist
        "is_hot": _bool(row.get("is_hot", "")),
        "is_recommended": _bool(row.get("is_recommended", "")),
        "spec": _json(row.get("spec", ""), "spec", []),
    }
    product = Product.objects.filter(slug=data["slug"]).first()
    if product is None:
        product = services.product_create(data=data)
        is_new = True
    else:
        data.pop("status")
        product = services.product_update(product=product, data=data)
        is_new = False
    product._import_status = status
    return product, is_new


def _import_sku(product: Product, row: dict, *, actor, reference: str) -> None:
    code = row["sku_code"].strip()
    data = {
        "code": code,
        "attributes": _json(row.get("sku_attributes", ""), "sku_attributes", {}),
        "price": _decimal(row["price"], "price", required=True),
        "list_price": _decimal(row.get("list_price", ""), "list_price", required=False),
        "low_stock_threshold": _int(row.get("low_stock_threshold", ""), "low_stock_threshold", 5),
        "is_active": _bool(row.get("sku_active", "1") or "1"),
    }
    stock = _int(row.get("stock", ""), "stock", None)
    sku = Sku.objects.filter(code=code).first()
    if sku is not None and sku.product_id != product.pk:
        raise ValidationError({"sku_code": [_("This code belongs to another product.")]})
    if sku is None:
        services.sku_create(
            product=product,
            data={**data, "stock": stock or 0},
            stock_reason=StockReason.IMPORT,
            actor=actor,
        )
    else:
        services.sku_update(sku=sku, data=data)
        _import_stock(sku, row, stock=stock, actor=actor, reference=reference)
    status = getattr(product, "_import_status", None)
    if status and product.status != status:
        changed = services.product_set_status(product_ids=[product.pk], status=status)
        if not changed:  # on sale needs an active SKU (this row's, or an earlier one's)
            product.status = status
            services.product_sellable_check(product=product)
        product.status = status


def _import_stock(sku: Sku, row: dict, *, stock, actor, reference: str) -> None:
    """Apply an existing SKU's stock columns through the ledger (see the module docstring)."""
    change = _int(row.get("stock_change", ""), "stock_change", 0, signed=True)
    seen = _int(row.get("stock_exported", ""), "stock_exported", None)
    counted = stock is not None and stock != (seen if seen is not None else sku.stock)
    if change and counted:
        raise ValidationError(
            {"stock": [_("Give either a new stock or a stock_change, not both.")]}
        )
    try:
        if change:
            services.stock_move_many(
                quantities={sku.pk: change},
                reason=StockReason.IMPORT,
                actor=actor,
                reference=reference,
            )
        elif counted:
            if seen is None:
                raise ValidationError(
                    {
                        "stock": [
                            _(
                                "To count stock, keep the stock_exported column from the "
                                "export (or use stock_change)."
                            )
                        ]
                    }
                )
            services.sku_stock_count(
                sku_id=sku.pk,
                counted=stock,
                expected=seen,
                actor=actor,
                reason=StockReason.IMPORT,
                reference=reference,
            )
    except (InsufficientStock, StockMoved) as exc:
        raise ValidationError({"stock": [exc.message]}) from exc

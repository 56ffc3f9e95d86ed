"""Writes of the catalog: categories, brands, products and SKUs (stock: ``stock.py``).

Every write validates, saves, keeps the product's derived fields (price range, search
vector) in step, and invalidates the catalog cache after commit. The admin, the API, the CSV
import and the demo data all come through here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Max, Min, ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

from catalog import search
from catalog.cache import catalog_changed
from catalog.models import (
    Brand,
    Category,
    Product,
    ProductStatus,
    Sku,
    StockMovement,
    StockReason,
    spec_translation_suffixes,
)
from catalog.services.stock import sku_stock_opening

LANGS = [language.replace("-", "_") for language in AVAILABLE_LANGUAGES]  # zh_hans, en
PRODUCT_FIELDS = (
    "name",
    "slug",
    "subtitle",
    "description",
    "category",
    "brand",
    "status",
    "is_hot",
    "is_recommended",
    "spec",
    "shipping_template",
    # Each language's column (django-modeltranslation); "name" above sets the active one's.
    *(
        build_localized_fieldname(field, language)
        for field in ("name", "subtitle", "description")
        for language in AVAILABLE_LANGUAGES
    ),
)
# What a SKU edit may change. Stock is not among them: it changes only through the stock
# ledger (catalog.services.stock), so an edit form can never write back a stale count.
SKU_FIELDS = (
    "code",
    "attributes",
    "price",
    "list_price",
    "weight",
    "low_stock_threshold",
    "is_active",
)


# --- Spec and attributes -------------------------------------------------------------------


def spec_normalize(spec) -> list[dict]:
    """Validate a spec definition: ``[{"name": str, "values": [str, ...]}, ...]``, each axis
    optionally with ``name_en`` and ``values_en`` (one per value) for the English pages."""
    if spec in (None, "", []):
        return []
    message = _(
        'The specification must be a list like [{"name": "colour", "values": ["red", "blue"]}].'
    )
    if not isinstance(spec, list):
        raise ValidationError({"spec": [message]})
    normalized, names = [], set()
    for axis in spec:
        if not isinstance(axis, dict) or not isinstance(axis.get("values"), list):
            raise ValidationError({"spec": [message]})
        name = str(axis.get("name", "")).strip()
        values = [str(v).strip() for v in axis["values"]]
        if not name or not values or any(not v for v in values):
            raise ValidationError({"spec": [_("Every spec axis needs a name and values.")]})
        if name in names or len(set(values)) != len(values):
            raise ValidationError(
                {"spec": [_("Spec axis names and the values of one axis must be unique.")]}
            )
        names.add(name)
        normalized.append({"name": name, "values": values, **_axis_translations(axis, values)})
    for suffix in spec_translation_suffixes():
        labels = [axis.get(f"name_{suffix}", axis["name"]) for axis in normalized]
        if len(set(labels)) != len(labels):
            raise ValidationError(
                {"spec": [_("Spec axis names and the values of one axis must be unique.")]}
            )
    return normalized


def _axis_translations(axis: dict, values: list[str]) -> dict:
    """An axis's ``name_<lang>`` and ``values_<lang>`` (one per value), where given."""
    found = {}
    for suffix in spec_translation_suffixes():
        name = axis.get(f"name_{suffix}")
        translated = axis.get(f"values_{suffix}")
        if name not in (None, ""):
            if not isinstance(name, str) or not name.strip():
                raise ValidationError({"spec": [_("Every spec axis needs a name and values.")]})
            found[f"name_{suffix}"] = name.strip()
        if translated not in (None, []):
            if (
                not isinstance(translated, list)
                or len(translated) != len(values)
                or any(not isinstance(v, str) or not v.strip() for v in translated)
            ):
                raise ValidationError(
                    {"spec": [_("A translation of an axis's values must give one for each value.")]}
                )
            translated = [v.strip() for v in translated]
            if len(set(translated)) != len(translated):
                raise ValidationError(
                    {"spec": [_("Spec axis names and the values of one axis must be unique.")]}
                )
            found[f"values_{suffix}"] = translated
    return found


def sku_attributes_normalize(*, spec: list[dict], attributes) -> dict:
    """Check SKU attributes against the product's spec; return them in spec order."""
    attributes = attributes or {}
    if not isinstance(attributes, dict):
        raise ValidationError({"attributes": [_('Attributes must be like {"colour": "red"}.')]})
    expected = [axis["name"] for axis in spec]
    if set(attributes) != set(expected):
        raise ValidationError(
            {
                "attributes": [
                    _("Attributes must name exactly these spec axes: %(axes)s.")
                    % {"axes": ", ".join(expected) or _("none")}
                ]
            }
        )
    normalized = {}
    for axis in spec:
        value = str(attributes[axis["name"]]).strip()
        if value not in axis["values"]:
            raise ValidationError(
                {
                    "attributes": [
                        _("%(value)s is not a value of %(axis)s (allowed: %(allowed)s).")
                        % {
                            "value": value,
                            "axis": axis["name"],
                            "allowed": ", ".join(axis["values"]),
                        }
                    ]
                }
            )
        normalized[axis["name"]] = value
    return normalized


# --- Categories and brands -----------------------------------------------------------------


def _category_path(category: Category) -> tuple[str, int]:
    if category.parent_id is None:
        return category.slug, 0
    parent = Category.objects.get(pk=category.parent_id)
    return f"{parent.path}/{category.slug}", parent.depth + 1


@transaction.atomic
def category_save(*, category: Category) -> Category:
    """Validate and save a category; keeps ``path``/``depth`` of it and its descendants."""
    if not category.slug:
        category.slug = slugify(category.name, allow_unicode=True)
    if category.pk and category.parent_id:
        parent_path = Category.objects.values_list("path", flat=True).get(pk=category.parent_id)
        old_path = Category.objects.values_list("path", flat=True).get(pk=category.pk)
        if parent_path == old_path or parent_path.startswith(old_path + "/"):
            raise ValidationError({"parent": [_("A category cannot be inside itself.")]})
    category.full_clean(exclude=["path", "depth"])
    old = Category.objects.filter(pk=category.pk).values("path", "depth").first()
    category.path, category.depth = _category_path(category)
    category.save()
    if old and old["path"] != category.path:
        for child in Category.objects.filter(path__startswith=old["path"] + "/").order_by("path"):
            child.path = category.path + child.path[len(old["path"]) :]
            child.depth = child.path.count("/")
            child.save(update_fields=["path", "depth"])
    catalog_changed()
    return category


def category_create(*, name: str, slug: str = "", parent: Category | None = None, **extra):
    return category_save(category=Category(name=name, slug=slug, parent=parent, **extra))


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Delete an empty category; one that still holds products or subcategories stays."""
    try:
        category.delete()
    except ProtectedError as exc:
        raise ValidationError(
            _("%(name)s still holds products or subcategories; move them first.")
            % {"name": category.name}
        ) from exc
    catalog_changed()


def brand_get_or_create(*, name: str) -> Brand:
    brand, created = Brand.objects.get_or_create(name=name.strip())
    if created:
        catalog_changed()
    return brand


@transaction.atomic
def brand_save(*, brand: Brand) -> Brand:
    """Validate and save a brand; product cards show its name, so lists refresh."""
    brand.name = (brand.name or "").strip()
    brand.full_clean()
    brand.save()
    catalog_changed()
    return brand


@transaction.atomic
def brand_delete(*, brand: Brand) -> None:
    """Delete a brand; its products keep selling without one."""
    brand.delete()
    catalog_changed()


# --- Products ------------------------------------------------------------------------------


def product_sync(*, product_id: int) -> None:
    """Recompute the product's price range and search vector from its current rows."""
    prices = Sku.objects.filter(product_id=product_id, is_active=True).aggregate(
        low=Min("price"), high=Max("price")
    )
    updates = {"min_price": prices["low"], "max_price": prices["high"]}
    if connection.vendor == "postgresql":
        row = Product.objects.values(
            *(f"{f}_{lang}" for f in ("name", "subtitle", "description") for lang in LANGS)
        ).get(pk=product_id)
        updates["search_vector"] = search.document(
            names=[row[f"name_{lang}"] for lang in LANGS],
            subtitles=[row[f"subtitle_{lang}"] for lang in LANGS],
            descriptions=[row[f"description_{lang}"] for lang in LANGS],
            english=[row["name_en"], row["subtitle_en"], row["description_en"]],
        )
    Product.objects.filter(pk=product_id).update(**updates)
    catalog_changed()


def _product_validate(product: Product, *, check_skus: bool = True) -> None:
    if not product.slug:
        product.slug = slugify(product.name, allow_unicode=True)[:200]
    product.spec = spec_normalize(product.spec)
    product.full_clean(exclude=["search_vector", "min_price", "max_price"])
    if product.pk and check_skus:
        for sku in Sku.objects.filter(product=product):
            try:
                sku_attributes_normalize(spec=product.spec, attributes=sku.attributes)
            except ValidationError as exc:
                raise ValidationError(
                    {
                        "spec": [
                            _("SKU %(code)s no longer fits this specification.")
                            % {"code": sku.code}
                        ]
                    }
                ) from exc


@transaction.atomic
def product_save(*, product: Product, check_skus: bool = True) -> Product:
    """Validate and save a product's own fields (not its SKUs).

    ``check_skus=False`` is for a caller that rewrites the SKUs in the same transaction
    (the admin's inline formset), where the stored SKUs may fit only the old spec.
    """
    _product_validate(product, check_skus=check_skus)
    if check_skus:
        product_sellable_check(product=product)
    if product.pk is None:
        product.save()
    else:
        # Only the merchant's fields: sales counts move after payments, and the price
        # range and search vector are product_sync's; an edit must not write them back.
        product.save(update_fields=[*PRODUCT_FIELDS, "updated_at"])
    product_sync(product_id=product.pk)
    return product


@transaction.atomic
def product_create(*, data: dict, skus: list[dict] | tuple = ()) -> Product:
    """Create a product with its SKUs in one transaction; nothing is saved on any error."""
    product = Product(**{k: v for k, v in data.items() if k in PRODUCT_FIELDS})
    _product_validate(product)
    product.save()
    errors = {}
    for index, sku_data in enumerate(skus):
        try:
            sku_create(product=product, data=sku_data, sync=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"skus.{index}.{field}"] = messages
    if errors:
        raise ValidationError(errors)
    product_sellable_check(product=product)
    product_sync(product_id=product.pk)  # once, with every SKU in place
    return product


def product_sellable_check(*, product: Product) -> None:
    """A product on sale has a SKU a shopper can buy (an active one), whichever path put it
    on sale: the form, the bulk action, the import or the API of the services."""
    if product.status != ProductStatus.ON_SALE:
        return
    if product.pk is None or not Sku.objects.filter(product=product, is_active=True).exists():
        raise ValidationError(
            {"status": [_("A product goes on sale with at least one active SKU.")]}
        )


@transaction.atomic
def product_update(*, product: Product, data: dict) -> Product:
    for field in PRODUCT_FIELDS:
        if field in data:
            setattr(product, field, data[field])
    return product_save(product=product)


@transaction.atomic
def product_set_status(*, product_ids, status: str) -> int:
    """Put products on sale or take them off; a product with no active SKU cannot go on sale."""
    if status not in ProductStatus.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    products = Product.objects.filter(pk__in=product_ids)
    if status == ProductStatus.ON_SALE:
        products = products.filter(skus__is_active=True).distinct()
    count = Product.objects.filter(pk__in=products.values("pk")).update(status=status)
    catalog_changed()
    return count


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Delete a product that was never sold, with its SKUs, images and their stock ledger.

    Deleting is for mistakes; a product with sales keeps its history (and its ledger) and
    is taken off sale instead.
    """
    from catalog.services.images import product_image_delete

    _refuse_if_sold(Sku.objects.filter(product=product), product.name)
    for image in product.images.all():
        product_image_delete(image=image)
    product.delete()
    catalog_changed()


# Movements that make a SKU part of the shop's history: orders, and flash sales (whose
# events and orders point at the SKU).
HISTORY_REASONS = [
    StockReason.ORDER,
    StockReason.CANCEL,
    StockReason.TIMEOUT,
    StockReason.EVENT_ALLOCATION,
]


def _refuse_if_sold(skus, name: str) -> None:
    sold = StockMovement.objects.filter(sku__in=skus, reason__in=HISTORY_REASONS)
    if sold.exists():
        raise ValidationError(
            _(
                "%(name)s has sales or flash-sale history, which stays: take it off sale "
                "instead (Status: off sale)."
            )
            % {"name": name}
        )


def product_delete_check(*, product: Product) -> None:
    """Raise the reason a product cannot be deleted (it was sold or in a flash sale)."""
    _refuse_if_sold(Sku.objects.filter(product=product), product.name)


def product_sales_add(*, quantities: dict[int, int]) -> None:
    """Add sold units to products' sales counts, in product-id order, each in autocommit.

    Called after the paying transaction committed, never inside it: a product's row is hot
    under a flash sale, and holding its lock for the whole payment would serialize (and,
    in mixed orders, deadlock) payments.
    """
    for product_id in sorted(quantities):
        Product.objects.filter(pk=product_id).update(
            sales_count=F("sales_count") + quantities[product_id]
        )
    if quantities:
        catalog_changed()


@transaction.atomic
def product_set_flags(*, product_ids, **flags) -> int:
    allowed = {k: bool(v) for k, v in flags.items() if k in {"is_hot", "is_recommended"}}
    count = Product.objects.filter(pk__in=product_ids).update(**allowed)
    catalog_changed()
    return count


# --- SKUs and stock ------------------------------------------------------------------------


def _sku_validate(sku: Sku, product: Product) -> None:
    sku.code = (sku.code or "").strip()
    sku.attributes = sku_attributes_normalize(spec=product.spec, attributes=sku.attributes)
    sku.full_clean(exclude=["product"], validate_constraints=False)
    clash = Sku.objects.filter(product=product, attributes=sku.attributes).exclude(pk=sku.pk)
    if clash.exists():
        raise ValidationError({"attributes": [_("Another SKU already has these attributes.")]})
    if sku.list_price is not None and sku.list_price < sku.price:
        raise ValidationError({"list_price": [_("The list price cannot be below the price.")]})


@transaction.atomic
def sku_create(
    *,
    product: Product,
    data: dict,
    sync: bool = True,
    stock_reason: str = StockReason.OPENING,
    actor=None,
) -> Sku:
    """Add a SKU with its opening stock (``data["stock"]``), recorded in the ledger.

    ``sync=False`` when the caller syncs the product once after a batch.
    """
    sku = Sku(product=product, **{k: v for k, v in data.items() if k in SKU_FIELDS})
    sku.stock = data.get("stock") or 0
    _sku_validate(sku, product)
    sku.save()
    sku_stock_opening(sku=sku, reason=stock_reason, actor=actor)
    if sync:
        product_sync(product_id=product.pk)
    return sku


@transaction.atomic
def sku_update(*, sku: Sku, data: dict) -> Sku:
    """Change a SKU's own fields (never its stock) and save only the fields that changed."""
    for field in SKU_FIELDS:
        if field in data:
            setattr(sku, field, data[field])
    _sku_validate(sku, sku.product)
    # Compared with the stored row, not the instance: a form may have set its fields already.
    stored = Sku.objects.filter(pk=sku.pk).values(*SKU_FIELDS).first() or {}
    changed = [f for f in SKU_FIELDS if f in data and stored.get(f) != getattr(sku, f)]
    if changed:
        sku.save(update_fields=[*changed, "updated_at"])
        product_sync(product_id=sku.product_id)
    return sku


@transaction.atomic
def sku_delete(*, sku: Sku) -> None:
    """Delete a SKU that was never sold (with its ledger); a sold one is deactivated instead."""
    product_id = sku.product_id
    _refuse_if_sold(Sku.objects.filter(pk=sku.pk), sku.code)
    sku.delete()
    product_sync(product_id=product_id)

"""Output shapes of the catalog, shared by the API and the pages (and cached as built)."""

import nh3
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Brand, Category, Product, ProductImage, Sku, spec_axis_labels

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "img",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}


def sanitize_html(html: str) -> str:
    """Merchant HTML made safe to show: scripts, handlers and unknown tags are removed."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )


def _file_url(field) -> str | None:
    return field.url if field else None


class BrandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Brand
        fields = ["id", "name"]


class CategoryRefSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "url"]


class OfferTagSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The promotion's name.")
    text = serializers.CharField(help_text="Its tiers, e.g. 满¥199减¥30.")


class OfferCouponSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The template to claim (coupons/centre/{id}/claim).")
    name = serializers.CharField()
    terms = serializers.CharField()


class OfferSerializer(serializers.Serializer):
    """Promotions and coupons on a product now (marketing), exact to the second."""

    skus = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2),
        help_text="SKU id → its limited-time price.",
    )
    sale_min_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, help_text="The lowest of those."
    )
    ends_at = serializers.DateTimeField(allow_null=True, help_text="When the first one ends.")
    tags = OfferTagSerializer(many=True, help_text="满减 / 满折 the product counts toward.")
    coupons = OfferCouponSerializer(many=True, help_text="Coupons to claim that apply to it.")


class ProductCardSerializer(serializers.ModelSerializer):
    """A product in a list: no stock (lists are cached for minutes; stock is not). The
    offers come from the serializer's context (``offers``: product id → offer)."""

    url = serializers.CharField(source="get_absolute_url")
    image = serializers.SerializerMethodField()
    brand = BrandSerializer(allow_null=True)
    category = CategoryRefSerializer()
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    offer = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "slug",
            "subtitle",
            "url",
            "image",
            "brand",
            "category",
            "min_price",
            "max_price",
            "sales_count",
            "is_hot",
            "is_recommended",
            "offer",
        ]

    @extend_schema_field(OfferSerializer(allow_null=True))
    def get_offer(self, product) -> dict | None:
        return self.context.get("offers", {}).get(product.pk)

    def get_image(self, product) -> str | None:
        # images are prefetched; take the first in sort order without a query.
        images = list(product.images.all())
        return _file_url(images[0].thumbnail or images[0].image) if images else None


class SkuSerializer(serializers.ModelSerializer):
    attributes = serializers.SerializerMethodField(
        help_text="Axis → value in the spec's own names (the keys to match SKUs by)."
    )
    attributes_display = serializers.SerializerMethodField(
        help_text="The same in the request's language, for showing."
    )
    sale_price = serializers.SerializerMethodField()

    class Meta:
        model = Sku
        fields = [
            "id",
            "code",
            "attributes",
            "attributes_display",
            "price",
            "list_price",
            "sale_price",
            "stock",
            "is_active",
        ]

    @extend_schema_field(
        serializers.DecimalField(
            max_digits=12,
            decimal_places=2,
            allow_null=True,
            help_text="Its limited-time price now, if one runs (what the cart charges).",
        )
    )
    def get_sale_price(self, sku) -> str | None:
        return self.context.get("sale", {}).get(str(sku.pk))

    def get_attributes(self, sku) -> dict[str, str]:
        return sku.ordered_attributes()

    def get_attributes_display(self, sku) -> dict[str, str]:
        return sku.display_attributes()


class ProductImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "url", "thumbnail", "alt"]

    def get_url(self, image) -> str:
        return image.image.url

    def get_thumbnail(self, image) -> str | None:
        return _file_url(image.thumbnail)


class SpecAxisSerializer(serializers.Serializer):
    name = serializers.CharField()
    values = serializers.ListField(child=serializers.CharField())
    label = serializers.SerializerMethodField(help_text="The name in the request's language.")
    value_labels = serializers.SerializerMethodField(
        help_text="The values in the request's language, in the order of ``values``."
    )

    def get_label(self, axis) -> str:
        return spec_axis_labels(axis)[0]

    def get_value_labels(self, axis) -> list[str]:
        return spec_axis_labels(axis)[1]


class ProductDetailSerializer(ProductCardSerializer):
    description = serializers.SerializerMethodField()
    spec = SpecAxisSerializer(many=True)
    skus = serializers.SerializerMethodField()
    images = ProductImageSerializer(many=True)
    breadcrumbs = serializers.SerializerMethodField()

    class Meta(ProductCardSerializer.Meta):
        fields = [
            *ProductCardSerializer.Meta.fields,
            "description",
            "spec",
            "skus",
            "images",
            "breadcrumbs",
            "updated_at",
        ]

    def get_description(self, product) -> str:
        return sanitize_html(product.description)

    def get_skus(self, product) -> list[dict]:
        active = [sku for sku in product.skus.all() if sku.is_active]
        offer = self.context.get("offers", {}).get(product.pk) or {}
        return SkuSerializer(active, many=True, context={"sale": offer.get("skus", {})}).data

    def get_breadcrumbs(self, product) -> list[dict]:
        return self.context["breadcrumbs"]


class CategoryNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    url = serializers.CharField()
    image = serializers.CharField(allow_null=True)
    children = serializers.ListField(child=serializers.DictField())

"""Output shapes of the catalog, shared by the API and the pages (and cached as built)."""

import nh3
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


class ProductCardSerializer(serializers.ModelSerializer):
    """A product in a list: no stock (lists are cached for minutes; stock is not)."""

    url = serializers.CharField(source="get_absolute_url")
    image = serializers.SerializerMethodField()
    brand = BrandSerializer(allow_null=True)
    category = CategoryRefSerializer()
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)

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
        ]

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

    class Meta:
        model = Sku
        fields = [
            "id",
            "code",
            "attributes",
            "attributes_display",
            "price",
            "list_price",
            "stock",
            "is_active",
        ]

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
        return SkuSerializer(active, many=True).data

    def get_breadcrumbs(self, product) -> list[dict]:
        return self.context["breadcrumbs"]


class CategoryNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    url = serializers.CharField()
    image = serializers.CharField(allow_null=True)
    children = serializers.ListField(child=serializers.DictField())

"""sitemap.xml: on-sale products and active categories (django.contrib.sitemaps)."""

from django.contrib.sitemaps import Sitemap

from catalog.models import Category, Product, ProductStatus


class ProductSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8
    limit = 5000

    def items(self):
        return (
            Product.objects.filter(status=ProductStatus.ON_SALE, category__is_active=True)
            .only("slug", "updated_at")
            .order_by("pk")
        )

    def lastmod(self, product):
        return product.updated_at


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return Category.objects.filter(is_active=True).only("slug", "updated_at").order_by("path")

    def lastmod(self, category):
        return category.updated_at


SITEMAPS = {"products": ProductSitemap, "categories": CategorySitemap}

"""Query-string filters for product lists (API and pages): validated, then applied."""

import django_filters
from django import forms
from django.db.models import Case, DecimalField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from catalog import hooks, search
from catalog.models import Category, Product, Sku

SORTS = {
    "relevance": None,
    "price": ("shown_price", "-sales_count", "-pk"),
    "-price": (F("shown_price").desc(nulls_last=True), "-sales_count", "-pk"),
    "sales": ("-sales_count", "-pk"),
    "newest": ("-created_at", "-pk"),
}
SORT_CHOICES = [
    ("relevance", _("Relevance")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
    ("sales", _("Best selling")),
    ("newest", _("Newest")),
]


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Search"))
    category = django_filters.CharFilter(
        method="filter_category", max_length=100, label=_("Category slug")
    )
    brand = django_filters.NumberFilter(field_name="brand_id", min_value=1, label=_("Brand id"))
    min_price = django_filters.NumberFilter(
        method="filter_price", min_value=0, label=_("Lowest price")
    )
    max_price = django_filters.NumberFilter(
        method="filter_price", min_value=0, label=_("Highest price")
    )
    in_stock = django_filters.BooleanFilter(
        method="filter_in_stock", widget=forms.CheckboxInput, label=_("In stock only")
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_noop", empty_label=None, label=_("Sort")
    )

    class Meta:
        model = Product
        fields = []

    def is_valid(self):
        valid = super().is_valid()
        data = self.form.cleaned_data if valid else {}
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            self.form.add_error("max_price", _("The highest price must not be below the lowest."))
            return False
        self._category = None
        if data.get("category"):
            from catalog.selectors import category_index  # selectors import this module

            self._category = category_index().get(data["category"])
            if self._category is None:
                self.form.add_error("category", _("Unknown category."))
                return False
        return valid

    def filter_price(self, queryset, name, value):
        lookup = "gte" if name == "min_price" else "lte"
        return with_shown_price(queryset).filter(**{f"shown_price__{lookup}": value})

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_q(self, queryset, name, value):
        return search.search(queryset, value)

    def filter_category(self, queryset, name, value):
        category = self._category  # found by is_valid, from the cached index
        subtree = Category.objects.filter(
            Q(pk=category["id"]) | Q(path__startswith=category["path"] + "/"), is_active=True
        )
        return queryset.filter(category__in=subtree)

    def filter_in_stock(self, queryset, name, value):
        if not value:
            return queryset
        stocked = Sku.objects.filter(product=OuterRef("pk"), is_active=True, stock__gt=0)
        return queryset.filter(Exists(stocked))

    @property
    def qs(self):
        queryset = super().qs
        data = self.form.cleaned_data
        sort = data.get("sort") or ("relevance" if data.get("q") else "newest")
        if sort == "relevance":
            if "rank" in queryset.query.annotations:  # a query with words, on PostgreSQL
                return queryset.order_by(F("rank").desc(nulls_last=True), "-sales_count", "-pk")
            sort = "sales" if data.get("q") else "newest"
        if sort in ("price", "-price"):
            queryset = with_shown_price(queryset)
        return queryset.order_by(*SORTS[sort])


def with_shown_price(queryset):
    """The products annotated with ``shown_price``: the price their cards show, the
    limited-time one where it is below the usual lowest (catalog.hooks.sale_floors), so that
    "price: low to high" and a price range agree with what the shopper reads."""
    if "shown_price" in queryset.query.annotations:
        return queryset
    money = DecimalField(max_digits=12, decimal_places=2)
    by_price: dict = {}
    for product_id, price in hooks.sale_floors().items():
        by_price.setdefault(price, []).append(product_id)
    if not by_price:
        return queryset.annotate(shown_price=F("min_price"))
    # Cast: SQLite passes a Decimal as text, which would sort after every number.
    cases = [
        When(pk__in=ids, then=Cast(Value(str(price)), money)) for price, ids in by_price.items()
    ]
    return queryset.annotate(shown_price=Case(*cases, default=F("min_price"), output_field=money))

import csv
import io
import json

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from catalog import csv_io
from catalog.models import Product, ProductStatus, Sku
from catalog.tests.factories import image_upload, make_category, make_product

pytestmark = pytest.mark.django_db


def _inline(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{k}": v for k, v in row.items()})
    return data


def _product_form(category, **overrides):
    return {
        "name_zh_hans": "后台衬衫",
        "name_en": "Admin Shirt",
        "slug": "admin-shirt",
        "subtitle_zh_hans": "在后台创建",
        "subtitle_en": "Made in the admin",
        "category": str(category.pk),
        "brand": "",
        "status": ProductStatus.ON_SALE,
        "is_hot": "on",
        "spec": json.dumps([{"name": "size", "values": ["S", "M"]}]),
        "description_zh_hans": "<p>柔软</p>",
        "description_en": "<p>Soft</p>",
        "_save": "Save",
        **overrides,
    }


def test_merchant_adds_a_product_with_two_skus_and_an_image(merchant_client):
    category = make_category("Tops", slug="tops")
    data = {
        **_product_form(category),
        **_inline(
            "skus",
            [
                {
                    "code": "SHIRT-S",
                    "attributes": '{"size": "S"}',
                    "price": "59.00",
                    "stock": "10",
                    "low_stock_threshold": "2",
                    "is_active": "on",
                },
                {
                    "code": "SHIRT-M",
                    "attributes": '{"size": "M"}',
                    "price": "69.00",
                    "stock": "0",
                    "low_stock_threshold": "2",
                    "is_active": "on",
                },
            ],
        ),
        **_inline(
            "images", [{"image": image_upload("shirt.png"), "alt": "Shirt", "sort_order": "1"}]
        ),
    }
    response = merchant_client.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    product = Product.objects.get(slug="admin-shirt")
    assert sorted(product.skus.values_list("code", "price")) == [
        ("SHIRT-M", 69),
        ("SHIRT-S", 59),
    ]
    assert (product.min_price, product.max_price) == (59, 69)
    image = product.images.get()
    assert image.alt == "Shirt"
    assert image.thumbnail.name.endswith(".webp")
    # The shop shows it straight away.
    assert merchant_client.get("/product/admin-shirt/").status_code == 200


def test_sku_rows_are_checked_against_the_spec_and_nothing_is_saved(merchant_client):
    category = make_category()
    data = {
        **_product_form(category),
        **_inline(
            "skus",
            [
                {
                    "code": "BAD-1",
                    "attributes": '{"size": "XXL"}',
                    "price": "10",
                    "stock": "1",
                    "low_stock_threshold": "1",
                    "is_active": "on",
                },
                {
                    "code": "BAD-2",
                    "attributes": '{"size": "S"}',
                    "price": "10",
                    "stock": "-4",
                    "low_stock_threshold": "1",
                    "is_active": "on",
                },
            ],
        ),
        **_inline("images", []),
    }
    response = merchant_client.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "XXL is not a value of size (allowed: S, M)." in html
    assert "Ensure this value is greater than or equal to 0." in html
    assert not Product.objects.filter(slug="admin-shirt").exists()


def test_invalid_spec_and_fake_image_are_form_errors(merchant_client):
    category = make_category()
    fake = io.BytesIO(b"plain text")
    fake.name = "x.png"
    data = {
        **_product_form(category, spec='{"size": "S"}'),
        **_inline("skus", []),
        **_inline("images", [{"image": fake, "alt": "", "sort_order": "0"}]),
    }
    html = merchant_client.post(reverse("admin:catalog_product_add"), data).content.decode()
    assert "The specification must be a list like" in html
    assert "Upload a valid image." in html
    assert not Product.objects.exists()


def test_bulk_actions(merchant_client):
    first, second = make_product(status=ProductStatus.DRAFT), make_product()
    url = reverse("admin:catalog_product_changelist")
    merchant_client.post(url, {"action": "put_on_sale", "_selected_action": [first.pk]})
    merchant_client.post(url, {"action": "take_off_sale", "_selected_action": [second.pk]})
    merchant_client.post(url, {"action": "mark_hot", "_selected_action": [first.pk, second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (ProductStatus.ON_SALE, ProductStatus.OFF_SALE)
    assert first.is_hot and second.is_hot


def test_low_stock_view_and_stock_edit_refuses_negative(merchant_client):
    low = make_product(skus=[{"attributes": {"colour": "red"}, "stock": 1}]).skus.get()
    make_product(skus=[{"attributes": {"colour": "red"}, "stock": 99}])
    url = reverse("admin:catalog_sku_changelist")
    listing = merchant_client.get(url, {"stock": "low"})
    assert [sku.pk for sku in listing.context["cl"].result_list] == [low.pk]

    response = merchant_client.post(
        reverse("admin:catalog_sku_change", args=[low.pk]),
        {
            "code": low.code,
            "attributes": '{"colour": "red"}',
            "price": "100",
            "stock": "-5",
            "low_stock_threshold": "5",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in response.content.decode()
    low.refresh_from_db()
    assert low.stock == 1


def test_category_admin_lists_the_tree(merchant_client):
    root = make_category("Home", slug="home")
    make_category("Kitchen", slug="kitchen", parent=root)
    make_category("Audio", slug="audio")
    response = merchant_client.get(reverse("admin:catalog_category_changelist"))
    assert [c.slug for c in response.context["cl"].result_list] == ["audio", "home", "kitchen"]
    assert "└ Kitchen" in response.content.decode()


def test_csv_export_import_round_trip(merchant_client):
    product = make_product(
        name="Round Trip", slug="round-trip", skus=[{"attributes": {"colour": "red"}, "price": 12}]
    )
    exported = merchant_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "export_csv", "_selected_action": [product.pk]},
    )
    assert exported["Content-Type"].startswith("text/csv")
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(csv_io.header_row())  # in the merchant's language
    assert text.splitlines()[0].startswith("product slug,product name (Chinese),")
    changed = text.replace("Round Trip", "Round Trip v2").replace(",12.00,", ",15.00,")
    new_row = changed.splitlines()[1].replace("SKU-", "NEW-").replace('""red""', '""blue""')
    upload = io.BytesIO((changed + new_row + "\n").encode())
    upload.name = "products.csv"
    response = merchant_client.post(reverse("admin:catalog_product_import_csv"), {"file": upload})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "Round Trip v2"
    assert sorted(product.skus.values_list("price", flat=True)) == [15, 15]
    assert product.skus.count() == 2


def test_csv_import_with_a_bad_row_saves_nothing(merchant_client):
    make_category("Tea", slug="tea")
    rows = [
        ",".join(csv_io.COLUMNS),
        "good-tea,Good Tea,,tea,,on_sale,0,0,,,GT-1,,20,,5,,,5,1",
        "bad-tea,Bad Tea,,tea,,on_sale,0,0,,,BT-1,,-3,,5,,,5,1",
    ]
    upload = io.BytesIO("\n".join(rows).encode())
    upload.name = "products.csv"
    response = merchant_client.post(reverse("admin:catalog_product_import_csv"), {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("Row 3: price: Ensure this value is greater than or equal to 0.01.") == 1
    assert not Product.objects.filter(slug__in=["good-tea", "bad-tea"]).exists()
    assert not Sku.objects.filter(code="GT-1").exists()


def test_staff_outside_the_merchants_group_cannot_manage_the_catalog(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:catalog_product_changelist")).status_code == 403
    assert client.get(reverse("admin:catalog_product_import_csv")).status_code == 403


def test_merchant_edits_a_sku_price_and_deletes_an_image(merchant_client):
    from catalog import services

    product = make_product(
        name="Editable", slug="editable", skus=[{"attributes": {"colour": "red"}, "price": 30}]
    )
    image = services.product_image_add(product=product, file=image_upload())
    sku = product.skus.get()
    url = reverse("admin:catalog_product_change", args=[product.pk])
    assert merchant_client.get(url).status_code == 200
    data = {
        **_product_form(
            product.category, name="Editable", slug="editable", spec=json.dumps(product.spec)
        ),
        **_inline(
            "skus",
            [
                {
                    "id": str(sku.pk),
                    "product": str(product.pk),
                    "code": sku.code,
                    "attributes": '{"colour": "red"}',
                    "price": "25.00",
                    "stock": "7",
                    "stock_seen": "10",
                    "low_stock_threshold": "5",
                    "is_active": "on",
                },
            ],
            initial=1,
        ),
        **_inline(
            "images",
            [
                {
                    "id": str(image.pk),
                    "product": str(product.pk),
                    "alt": "",
                    "sort_order": "1",
                    "DELETE": "on",
                },
            ],
            initial=1,
        ),
    }
    response = merchant_client.post(url, data)
    assert response.status_code == 302
    product.refresh_from_db()
    sku.refresh_from_db()
    assert (sku.price, sku.stock, product.min_price) == (25, 7, 25)
    assert product.images.count() == 0
    from django.contrib.admin.models import LogEntry

    history = LogEntry.objects.latest("pk").get_change_message()
    assert f"Price and Stock for SKU “{sku.code} red”" in history
    assert "Deleted product image" in history


def test_replacing_an_image_file_makes_a_new_thumbnail(merchant_client):
    from catalog import services

    product = make_product(slug="swap")
    old = services.product_image_add(product=product, file=image_upload("old.png"))
    sku = product.skus.get()
    data = {
        **_product_form(product.category, slug="swap", spec=json.dumps(product.spec)),
        **_inline(
            "skus",
            [
                {
                    "id": str(sku.pk),
                    "product": str(product.pk),
                    "code": sku.code,
                    "attributes": '{"colour": "red"}',
                    "price": "100.00",
                    "stock": "10",
                    "stock_seen": "10",
                    "low_stock_threshold": "5",
                    "is_active": "on",
                },
            ],
            initial=1,
        ),
        **_inline(
            "images",
            [
                {
                    "id": str(old.pk),
                    "product": str(product.pk),
                    "image": image_upload("new.png"),
                    "alt": "new",
                    "sort_order": "1",
                },
            ],
            initial=1,
        ),
    }
    response = merchant_client.post(
        reverse("admin:catalog_product_change", args=[product.pk]), data
    )
    assert response.status_code == 302
    image = product.images.get()
    assert image.pk != old.pk
    assert image.image.name.endswith("new.png")
    assert image.thumbnail.name.endswith("new.webp")
    assert image.alt == "new"


def test_catalog_admin_writes_refresh_what_shoppers_see(
    merchant_client, django_capture_on_commit_callbacks
):
    from catalog import services
    from catalog.cache import catalog_version
    from catalog.models import Brand, Category

    brand = Brand.objects.create(name="Acme")
    product = make_product(name="Gadget", slug="gadget", brand=brand)
    image = services.product_image_add(product=product, file=image_upload())
    empty = make_category("Empty", slug="empty")

    def bumps(action) -> bool:
        before = catalog_version()
        with django_capture_on_commit_callbacks(execute=True):
            action()
        return catalog_version() > before

    change = reverse("admin:catalog_brand_change", args=[brand.pk])
    assert bumps(lambda: merchant_client.post(change, {"name": "Acme Pro"}))
    assert Brand.objects.get(pk=brand.pk).name == "Acme Pro"
    assert bumps(lambda: services.product_image_update(image=image, alt="front view", sort_order=3))
    assert bumps(
        lambda: merchant_client.post(
            reverse("admin:catalog_category_delete", args=[empty.pk]), {"post": "yes"}
        )
    )
    assert not Category.objects.filter(pk=empty.pk).exists()
    assert bumps(
        lambda: merchant_client.post(
            reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"}
        )
    )
    assert not Product.objects.filter(pk=product.pk).exists()
    assert bumps(
        lambda: merchant_client.post(
            reverse("admin:catalog_brand_delete", args=[brand.pk]), {"post": "yes"}
        )
    )


def test_product_list_total_stock_is_right_with_the_low_stock_filter(merchant_client):
    product = make_product(
        skus=[
            {"attributes": {"colour": "red"}, "stock": 1, "low_stock_threshold": 5},
            {"attributes": {"colour": "blue"}, "stock": 2, "low_stock_threshold": 5},
        ]
    )
    url = reverse("admin:catalog_product_changelist")
    for params in ({}, {"stock": "low"}):
        listing = merchant_client.get(url, params)
        rows = {p.pk: p.stock_total for p in listing.context["cl"].result_list}
        assert rows == {product.pk: 3}


def test_product_list_prices_have_separators(merchant_client):
    make_product(skus=[{"attributes": {"colour": "red"}, "price": "30800"}])
    html = merchant_client.get(reverse("admin:catalog_product_changelist")).content.decode()
    assert "¥30,800.00" in html


def test_csv_carries_both_languages_and_a_file_without_english_keeps_it(merchant_client):
    product = make_product(
        name="Silk Pillowcase", name_zh_hans="真丝枕套", slug="pillowcase", subtitle_en="22 momme"
    )
    exported = merchant_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "export_csv", "_selected_action": [product.pk]},
    )
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), fieldnames=csv_io.COLUMNS))[1:]
    assert (rows[0]["product_name"], rows[0]["product_name_en"]) == ("真丝枕套", "Silk Pillowcase")
    assert (rows[0]["subtitle"], rows[0]["subtitle_en"]) == ("", "22 momme")
    # An older file with only the Chinese columns changes the Chinese name alone.
    columns = [c for c in csv_io.COLUMNS if not c.endswith("_en")]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerow({**rows[0], "product_name": "桑蚕丝枕套"})
    upload = io.BytesIO(buffer.getvalue().encode())
    upload.name = "products.csv"
    assert (
        merchant_client.post(
            reverse("admin:catalog_product_import_csv"), {"file": upload}
        ).status_code
        == 302
    )
    product.refresh_from_db()
    assert (product.name_zh_hans, product.name_en) == ("桑蚕丝枕套", "Silk Pillowcase")
    assert product.subtitle_en == "22 momme"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_the_template_filled_in_excel_on_chinese_windows_imports(merchant_client, encoding):
    """The template downloads with Chinese headers; saved by Excel as "CSV (逗号分隔)" it
    is GBK, and imports as it is, as UTF-8 with or without a BOM does."""
    make_category("茶叶", slug="tea")
    template = merchant_client.get(
        reverse("admin:catalog_product_import_template"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    text = b"".join(template.streaming_content).decode("utf-8-sig")
    header = text.splitlines()[0]
    assert header.startswith("商品标识,商品名称（中文）,")
    upload = io.BytesIO(text.encode(encoding))
    upload.name = "模板.csv"
    response = merchant_client.post(
        reverse("admin:catalog_product_import_csv"),
        {"file": upload},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 302, response.content.decode()
    product = Product.objects.get(slug="tea-longjing-250g")
    assert (product.name_zh_hans, product.name_en) == (
        "明前龙井 250g",
        "Pre-Qingming Longjing 250g",
    )
    assert sorted(product.skus.values_list("code", "stock")) == [("LJ-250", 50), ("LJ-500", 50)]


def test_a_file_in_another_encoding_is_one_clear_error(merchant_client):
    upload = io.BytesIO("商品".encode("utf-16"))
    upload.name = "products.csv"
    response = merchant_client.post(reverse("admin:catalog_product_import_csv"), {"file": upload})
    html = response.content.decode()
    assert html.count("The file is neither UTF-8 nor GBK text.") == 1


@pytest.mark.parametrize("skus", [[], [{"is_active": ""}]])
def test_the_form_puts_nothing_on_sale_without_an_active_sku(merchant_client, skus):
    category = make_category()
    rows = [
        {
            "code": "SHIRT-S",
            "attributes": '{"size": "S"}',
            "price": "59.00",
            "stock": "10",
            "low_stock_threshold": "2",
            **row,
        }
        for row in skus
    ]
    data = {**_product_form(category), **_inline("skus", rows), **_inline("images", [])}
    response = merchant_client.post(reverse("admin:catalog_product_add"), data, follow=True)
    assert "A product goes on sale with at least one active SKU." in response.content.decode()
    assert not Product.objects.filter(slug="admin-shirt").exists()
    # As a draft it is fine, and the bulk action then refuses it the same way.
    merchant_client.post(
        reverse("admin:catalog_product_add"),
        {**data, "status": ProductStatus.DRAFT},
    )
    product = Product.objects.get(slug="admin-shirt")
    merchant_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "put_on_sale", "_selected_action": [product.pk]},
    )
    assert Product.objects.get(pk=product.pk).status == ProductStatus.DRAFT


def test_an_import_row_on_sale_without_an_active_sku_is_refused(merchant_client):
    make_category("Tea", slug="tea")
    rows = [
        ",".join(csv_io.COLUMNS),
        "lone-tea,Lone Tea,,tea,,on_sale,0,0,,,LT-1,,20,,5,,,5,0",
    ]
    upload = io.BytesIO("\n".join(rows).encode())
    upload.name = "products.csv"
    response = merchant_client.post(reverse("admin:catalog_product_import_csv"), {"file": upload})
    html = response.content.decode()
    assert "Row 2: status: A product goes on sale with at least one active SKU." in html
    assert not Product.objects.filter(slug="lone-tea").exists()


def test_the_sku_matrix_from_axes_typed_with_a_chinese_input_method(merchant_client):
    """颜色 × 尺码 typed as text sets the spec; rows whose JSON has full-width punctuation
    (as an input method types it) are read as JSON."""
    category = make_category()
    combos = [("黑色", "S"), ("黑色", "M"), ("白色", "S"), ("白色", "M")]
    rows = [
        {
            "code": f"TEE-{index}",
            "attributes": f"{{“颜色”：“{colour}”，“尺码”：“{size}”}}",
            "price": "59.00",
            "list_price": "79.00",
            "stock": "5",
            "low_stock_threshold": "1",
            "is_active": "on",
        }
        for index, (colour, size) in enumerate(combos)
    ]
    data = {
        **_product_form(category, spec=""),
        "spec_axes": "颜色：黑色，白色\n尺码: S、M",
        **_inline("skus", rows),
        **_inline("images", []),
    }
    response = merchant_client.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    product = Product.objects.get(slug="admin-shirt")
    assert product.spec == [
        {"name": "颜色", "values": ["黑色", "白色"]},
        {"name": "尺码", "values": ["S", "M"]},
    ]
    assert {
        (a["颜色"], a["尺码"]) for a in product.skus.values_list("attributes", flat=True)
    } == set(combos)
    page = merchant_client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    assert "颜色：黑色，白色\n尺码：S，M" in page.content.decode()
    assert "js/admin-sku-matrix.js" in page.content.decode()


@pytest.mark.parametrize("typed", ["颜色 黑色", "：黑色", "颜色："])
def test_spec_axes_that_are_not_name_colon_values_say_which_line(typed):
    from django.core.exceptions import ValidationError

    from catalog.spec_text import spec_from_text

    with pytest.raises(ValidationError) as caught:
        spec_from_text(f"尺码：S，M\n{typed}")
    assert "Line 2:" in caught.value.messages[0]

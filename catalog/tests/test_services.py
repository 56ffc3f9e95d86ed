import socket
from decimal import Decimal

import pytest
import requests
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from catalog import services
from catalog.cache import catalog_version
from catalog.errors import InsufficientStock
from catalog.models import Category, Product, ProductStatus, Sku, StockMovement
from catalog.tests.factories import image_upload, make_category, make_product
from config.testing import run_concurrently

pytestmark = pytest.mark.django_db

SPEC = [
    {"name": "colour", "values": ["red", "blue"]},
    {"name": "size", "values": ["S", "M", "L"]},
]


# --- products and SKUs ---------------------------------------------------------------------


def test_create_product_with_skus_sets_price_range_and_search_vector():
    product = make_product(
        name="Trail Runner",
        spec=SPEC,
        skus=[
            {"attributes": {"size": "M", "colour": "red"}, "price": Decimal("299.00")},
            {"attributes": {"colour": "blue", "size": "L"}, "price": Decimal("349.50")},
        ],
    )
    product.refresh_from_db()
    assert (product.min_price, product.max_price) == (Decimal("299.00"), Decimal("349.50"))
    # Attributes come back in spec order whatever order they were given (or stored) in.
    assert list(product.skus.order_by("pk")[0].ordered_attributes()) == ["colour", "size"]
    assert product.skus.order_by("pk")[0].attributes_label == "red / M"
    assert connection.vendor == "postgresql"
    assert Product.objects.filter(pk=product.pk, search_vector="trail").exists()


def test_update_product_and_sku_keep_derived_fields():
    product = make_product(name="Old name")
    sku = product.skus.get()
    services.sku_update(sku=sku, data={"price": Decimal("80.00")})
    services.product_update(product=product, data={"name": "Kettle deluxe"})
    product.refresh_from_db()
    assert product.min_price == Decimal("80.00")
    assert Product.objects.filter(pk=product.pk, search_vector="kettle").exists()


def test_bad_sku_rolls_back_the_whole_product():
    category = make_category()
    with pytest.raises(ValidationError) as caught:
        services.product_create(
            data={"name": "Half", "slug": "half", "category": category, "spec": SPEC},
            skus=[
                {"code": "OK-1", "price": 10, "attributes": {"colour": "red", "size": "S"}},
                {"code": "BAD-1", "price": 10, "attributes": {"colour": "green", "size": "S"}},
            ],
        )
    assert caught.value.message_dict == {
        "skus.1.attributes": ["green is not a value of colour (allowed: red, blue)."]
    }
    assert not Product.objects.filter(slug="half").exists()
    assert not Sku.objects.filter(code="OK-1").exists()


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"colour": "red"}, "Attributes must name exactly these spec axes: colour, size."),
        (
            {"colour": "red", "size": "M", "fit": "slim"},
            "Attributes must name exactly these spec axes: colour, size.",
        ),
        ({"colour": "red", "size": "XL"}, "XL is not a value of size (allowed: S, M, L)."),
        ("red", 'Attributes must be like {"colour": "red"}.'),
    ],
)
def test_sku_attributes_are_validated_against_the_spec(attributes, message):
    product = make_product(spec=SPEC, skus=[{"attributes": {"colour": "red", "size": "S"}}])
    with pytest.raises(ValidationError) as caught:
        services.sku_create(
            product=product, data={"code": "X", "price": 5, "attributes": attributes}
        )
    assert caught.value.message_dict == {"attributes": [message]}


def test_two_skus_cannot_share_attributes():
    product = make_product(spec=SPEC, skus=[{"attributes": {"colour": "red", "size": "S"}}])
    with pytest.raises(ValidationError) as caught:
        services.sku_create(
            product=product,
            data={"code": "DUP", "price": 5, "attributes": {"size": "S", "colour": "red"}},
        )
    assert caught.value.message_dict == {
        "attributes": ["Another SKU already has these attributes."]
    }


@pytest.mark.parametrize(
    "spec",
    [
        "colour",
        [{"name": "colour"}],
        [{"name": "", "values": ["red"]}],
        [{"name": "colour", "values": ["red", "red"]}],
        [{"name": "a", "values": ["1"]}, {"name": "a", "values": ["2"]}],
        # Translations: one per value, no blanks, and unique in their language too.
        [{"name": "颜色", "values": ["黑", "白"], "values_en": ["Black"]}],
        [{"name": "颜色", "values": ["黑", "白"], "values_en": ["Black", " "]}],
        [{"name": "颜色", "values": ["黑", "白"], "values_en": ["Black", "Black"]}],
        [{"name": "颜色", "values": ["黑"], "name_en": 5}],
        [
            {"name": "颜色", "values": ["黑"], "name_en": "Colour"},
            {"name": "色调", "values": ["冷"], "name_en": "Colour"},
        ],
    ],
)
def test_invalid_spec_is_rejected(spec):
    with pytest.raises(ValidationError) as caught:
        services.product_create(
            data={"name": "P", "slug": "p-spec", "category": make_category(), "spec": spec}
        )
    assert list(caught.value.message_dict) == ["spec"]


def test_changing_spec_is_refused_while_skus_do_not_fit():
    product = make_product(spec=SPEC, skus=[{"attributes": {"colour": "red", "size": "S"}}])
    code = product.skus.get().code
    with pytest.raises(ValidationError) as caught:
        services.product_update(product=product, data={"spec": [SPEC[0]]})
    assert caught.value.message_dict == {"spec": [f"SKU {code} no longer fits this specification."]}


def test_price_must_be_positive_and_list_price_not_below_price():
    product = make_product()
    sku = product.skus.get()
    with pytest.raises(ValidationError) as caught:
        services.sku_update(sku=sku, data={"price": Decimal("0")})
    assert "price" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.sku_update(sku=sku, data={"price": Decimal("10"), "list_price": Decimal("9")})
    assert caught.value.message_dict == {
        "list_price": ["The list price cannot be below the price."]
    }


def test_product_without_active_sku_cannot_go_on_sale():
    empty = make_product(skus=[], status=ProductStatus.DRAFT)
    ready = make_product(status=ProductStatus.DRAFT)
    changed = services.product_set_status(
        product_ids=[empty.pk, ready.pk], status=ProductStatus.ON_SALE
    )
    assert changed == 1
    assert Product.objects.get(pk=ready.pk).status == ProductStatus.ON_SALE
    assert Product.objects.get(pk=empty.pk).status == ProductStatus.DRAFT


def test_every_write_bumps_the_cache_version(django_capture_on_commit_callbacks):
    before = catalog_version()
    with django_capture_on_commit_callbacks(execute=True):
        make_product()
    assert catalog_version() > before


# --- stock ---------------------------------------------------------------------------------


def test_stock_can_never_go_negative():
    sku = make_product().skus.get()  # stock 10
    services.sku_stock_adjust(sku_id=sku.pk, delta=-10)
    with pytest.raises(InsufficientStock):
        services.sku_stock_adjust(sku_id=sku.pk, delta=-1)
    with pytest.raises(ValidationError):
        services.sku_stock_count(sku_id=sku.pk, counted=-3, expected=0)
    sku.refresh_from_db()
    assert sku.stock == 0


def test_database_rejects_negative_stock_even_through_a_direct_update():
    sku = make_product().skus.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Sku.objects.filter(pk=sku.pk).update(stock=-1)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_sku SET stock = stock - 11 WHERE id = %s", [sku.pk])


@pytest.mark.django_db(transaction=True)
def test_concurrent_stock_takes_never_oversell():
    sku = make_product(skus=[{"attributes": {"colour": "red"}, "stock": 5}]).skus.get()
    outcomes = run_concurrently(lambda: services.sku_stock_adjust(sku_id=sku.pk, delta=-1), 20)
    sku.refresh_from_db()
    moved = sorted(o.stock_after for o in outcomes if isinstance(o, StockMovement))
    assert moved == [0, 1, 2, 3, 4]
    assert sum(isinstance(o, InsufficientStock) for o in outcomes) == 15
    assert sku.stock == 0
    assert services.stock_audit() == []


# --- categories ----------------------------------------------------------------------------


def test_category_paths_follow_moves_and_cycles_are_refused():
    home = make_category("Home", slug="home")
    kitchen = make_category("Kitchen", slug="kitchen", parent=home)
    knives = make_category("Knives", slug="knives", parent=kitchen)
    assert (knives.path, knives.depth) == ("home/kitchen/knives", 2)

    outdoor = make_category("Outdoor", slug="outdoor")
    kitchen.parent = outdoor
    services.category_save(category=kitchen)
    knives.refresh_from_db()
    assert (knives.path, knives.depth) == ("outdoor/kitchen/knives", 2)

    outdoor.parent = knives
    with pytest.raises(ValidationError) as caught:
        services.category_save(category=outdoor)
    assert caught.value.message_dict == {"parent": ["A category cannot be inside itself."]}
    assert Category.objects.get(pk=outdoor.pk).parent_id is None


# --- images --------------------------------------------------------------------------------


def test_png_named_jpg_is_accepted_and_gets_a_thumbnail():
    product = make_product()
    upload = image_upload(name="photo.jpg", fmt="PNG", size=(900, 600))
    image = services.product_image_add(product=product, file=upload, alt="Front")
    assert image.image.name.endswith("photo.jpg")
    assert image.thumbnail.name.endswith(".webp")
    from PIL import Image

    with image.thumbnail.open("rb") as thumb, Image.open(thumb) as img:
        assert img.format == "WEBP"
        assert max(img.size) == 400


def test_text_file_named_png_is_rejected_with_a_clear_message():
    product = make_product()
    fake = SimpleUploadedFile("evil.png", b"#!/bin/sh\necho not an image\n", "image/png")
    with pytest.raises(ValidationError) as caught:
        services.product_image_add(product=product, file=fake)
    assert caught.value.messages == [
        "The file is not a valid image. Upload one of: GIF, JPEG, PNG, WEBP."
    ]
    assert product.images.count() == 0


def test_oversize_image_is_rejected(settings):
    settings.CATALOG_IMAGE_MAX_BYTES = 1000
    product = make_product()
    big = image_upload(size=(400, 400))
    big.size = 5 * 1024 * 1024
    with pytest.raises(ValidationError) as caught:
        services.product_image_add(product=product, file=big)
    assert caught.value.messages == ["The image is 5.0 MB; the limit is 0.0 MB."]


def test_bmp_image_is_refused_by_format():
    product = make_product()
    with pytest.raises(ValidationError) as caught:
        services.product_image_add(product=product, file=image_upload("a.bmp", fmt="BMP"))
    assert caught.value.messages == [
        "BMP images are not accepted. Upload one of: GIF, JPEG, PNG, WEBP."
    ]


@pytest.fixture
def s3(settings):
    """moto's S3 in server mode on 127.0.0.1, with media storage pointed at it."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **credentials).create_bucket(
        Bucket="kuaimai-media"
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "kuaimai-media",
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield endpoint
    server.stop()


def test_image_upload_to_s3_and_read_back_by_url(s3):
    product = make_product()
    upload = image_upload(name="s3.png", size=(120, 80))
    original = upload.read()
    upload.seek(0)
    image = services.product_image_add(product=product, file=upload)
    assert image.image.url.startswith(s3 + "/kuaimai-media/products/")
    fetched = requests.get(image.image.url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == original
    thumb = requests.get(image.thumbnail.url, timeout=10)
    assert thumb.status_code == 200
    assert thumb.content[:4] == b"RIFF"  # a WebP file


def test_a_product_edit_never_writes_back_a_stale_sales_count():
    product = make_product()
    stale = Product.objects.get(pk=product.pk)  # the merchant's form loaded it
    services.product_sales_add(quantities={product.pk: 3})  # a payment meanwhile
    stale.name = "Renamed"
    services.product_save(product=stale)
    product.refresh_from_db()
    assert (product.name, product.sales_count) == ("Renamed", 3)


def test_a_spec_keeps_its_english_and_the_skus_read_in_the_active_language():
    from django.utils import translation

    spec = [
        {
            "name": "颜色",
            "values": ["黑色", "白色"],
            "name_en": " Colour ",
            "values_en": ["Black", "White"],
        },
        {"name": "尺码", "values": ["S", "M"]},  # no English: shown as it is
    ]
    product = make_product(spec=spec, skus=[{"attributes": {"尺码": "M", "颜色": "白色"}}])
    assert product.spec[0] == {
        "name": "颜色",
        "values": ["黑色", "白色"],
        "name_en": "Colour",
        "values_en": ["Black", "White"],
    }
    sku = product.skus.get()
    assert sku.ordered_attributes() == {"颜色": "白色", "尺码": "M"}  # the keys stay
    with translation.override("en"):
        assert sku.display_attributes() == {"Colour": "White", "尺码": "M"}
        assert sku.attributes_label == "White / M"
    with translation.override("zh-hans"):
        assert sku.display_attributes() == {"颜色": "白色", "尺码": "M"}
        assert sku.attributes_label == "白色 / M"


def test_the_demo_catalog_has_sixty_products_whose_pictures_fit_their_names():
    from PIL import Image, ImageDraw

    from catalog.demo import _fitted
    from catalog.demo_data import MORE_PRODUCTS, PRODUCTS

    products = [p for leaf in (*PRODUCTS.values(), *MORE_PRODUCTS.values()) for p in leaf]
    names = [p[1] for p in products]
    assert len(names) >= 60 and len(set(names)) == len(names)
    assert len({p[0] for p in products}) == len(products)  # the Chinese names too
    draw = ImageDraw.Draw(Image.new("RGB", (600, 600)))
    for name in names:
        lines, size = _fitted(draw, name, 520)
        assert 1 <= len(lines) <= 3 and " ".join(lines) == name, name
        assert all(draw.textlength(line, font_size=size) <= 520 for line in lines), name

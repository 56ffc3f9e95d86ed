"""Demo catalog in Chinese with English alongside: 4 top categories with 9 subcategories,
61 products of made-up brands with real-sounding names, sensible prices and their SKUs, and
images drawn with Pillow. Idempotent: existing categories and products (by slug) are kept."""

import io
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.text import slugify
from PIL import Image, ImageDraw

from catalog import services
from catalog.demo_data import CATEGORIES, MORE_CATEGORIES, MORE_PRODUCTS, PRODUCTS
from catalog.models import Category, Product, ProductStatus

PALETTE = [
    (228, 57, 60),
    (37, 99, 235),
    (22, 163, 74),
    (234, 88, 12),
    (124, 58, 237),
    (13, 148, 136),
    (202, 138, 4),
    (219, 39, 119),
]


def _fitted(draw, text: str, width: int) -> tuple[list[str], int]:
    """The name in at most three lines that fit ``width``, at the largest size that does."""
    for size in (40, 34, 28, 24):
        lines, line = [], ""
        for word in text.split():
            candidate = f"{line} {word}".strip()
            if draw.textlength(candidate, font_size=size) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
        if len(lines) <= 3 and all(draw.textlength(x, font_size=size) <= width for x in lines):
            return lines, size
    return lines[:3], 24


def _image(name: str, colour: tuple, index: int) -> SimpleUploadedFile:
    img = Image.new("RGB", (600, 600), colour)
    draw = ImageDraw.Draw(img)
    draw.ellipse((150, 150, 450, 450), fill=tuple(min(255, c + 60) for c in colour))
    lines, size = _fitted(draw, name, 520)
    for number, line in enumerate(lines):
        draw.text((40, 40 + number * int(size * 1.25)), line, fill="white", font_size=size)
    draw.text((40, 540), f"#{index}", fill="white", font_size=28)
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(f"demo-{index}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _category(name: str, name_en: str, slug: str, **extra) -> Category:
    return Category.objects.filter(slug=slug).first() or services.category_create(
        name=name, name_en=name_en, slug=slug, **extra
    )


def _categories() -> dict[str, Category]:
    found = {}
    for index, (name, name_en, slug, children) in enumerate(CATEGORIES):
        parent = found[slug] = _category(name, name_en, slug, sort_order=index)
        for child_index, (child, child_en, child_slug) in enumerate(children):
            found[child_slug] = _category(
                child, child_en, child_slug, parent=parent, sort_order=child_index
            )
    for parent_slug, child, child_en, child_slug in MORE_CATEGORIES:
        found[child_slug] = _category(
            child, child_en, child_slug, parent=found[parent_slug], sort_order=9
        )
    return found


def _price_step(axis: dict) -> int:
    """What one step along an axis adds to the price (bigger storage, bigger bed)."""
    return {"存储": 500, "尺寸": 100, "规格": 0}.get(axis["name"], 0)


def _skus(slug: str, spec: list[dict], base: int, rng: random.Random) -> list[dict]:
    combos: list[tuple[dict, int]] = [({}, 0)]
    for axis in spec:
        step = _price_step(axis)
        combos = [
            ({**attrs, axis["name"]: value}, extra + i * step)
            for attrs, extra in combos
            for i, value in enumerate(axis["values"])
        ]
    skus = []
    for n, (attributes, extra) in enumerate(combos):
        if spec and spec[0]["name"] == "规格" and n:  # 250 g of tea: 2.5 × the 100 g price
            extra = int(base * 1.5)
        price = Decimal(base + extra)
        skus.append(
            {
                "code": f"{slug.upper()}-{n + 1}",
                "attributes": attributes,
                "price": price,
                "list_price": (price * Decimal("1.25")).quantize(Decimal("1")) - 1,
                "stock": rng.choice([0, 3, 8, 20, 50, 120]) if n else rng.randint(20, 200),
            }
        )
    return skus


def _description(name: str, subtitle: str, category: str, *, chinese: bool) -> str:
    if chinese:
        return (
            f"<p><strong>{name}</strong>：{subtitle}。</p>"
            f"<ul><li>分类：{category}</li><li>48 小时内发货，全国包邮满 99 元</li>"
            "<li>支持 7 天无理由退货</li></ul>"
        )
    return (
        f"<p><strong>{name}</strong>: {subtitle}.</p>"
        f"<ul><li>Category: {category}</li><li>Ships within 48 hours, free over ¥99</li>"
        "<li>7-day no-reason returns</li></ul>"
    )


def seed(stdout, *, images: bool = True) -> None:
    """Written in Chinese with English alongside, whatever language the command runs in."""
    with translation.override("zh-hans"):
        created = _seed(images=images)
    _bulky()
    stdout.write(f"catalog: {created} products created, {Product.objects.count()} in all")


def _seed(*, images: bool) -> int:
    rng = random.Random(20261121)  # the same shop every time
    categories = _categories()
    created = index = 0
    listed = [*PRODUCTS.items(), *MORE_PRODUCTS.items()]
    for leaf, products in listed:
        category = categories[leaf]
        for name, name_en, subtitle, subtitle_en, brand, price, spec in products:
            index += 1
            slug = slugify(name_en)
            if Product.objects.filter(slug=slug).exists():
                continue
            status = ProductStatus.ON_SALE
            if index in (22, 27):
                status = ProductStatus.DRAFT
            elif index == 31:
                status = ProductStatus.OFF_SALE
            product = services.product_create(
                data={
                    "name": name,
                    "name_en": name_en,
                    "slug": slug,
                    "subtitle": subtitle,
                    "subtitle_en": subtitle_en,
                    "description": _description(
                        name, subtitle, category.name_zh_hans, chinese=True
                    ),
                    "description_en": _description(
                        name_en, subtitle_en, category.name_en, chinese=False
                    ),
                    "category": category,
                    "brand": services.brand_get_or_create(name=brand),
                    "status": status,
                    "is_hot": index % 4 == 1,
                    "is_recommended": index % 5 == 3,
                    "spec": spec,
                },
                skus=_skus(slug, spec, price, rng),
            )
            Product.objects.filter(pk=product.pk).update(sales_count=rng.randint(0, 5000))
            colour = PALETTE[index % len(PALETTE)]
            pictures = rng.randint(1, 2)  # drawn even when skipped: the same shop either way
            for image_index in range(pictures if images else 0):
                services.product_image_add(
                    product=product,
                    # Pillow's built-in font has no CJK glyphs: the picture carries the
                    # English name, the alt text the Chinese one.
                    file=_image(name_en, colour if not image_index else colour[::-1], index),
                    alt=name,
                )
            created += 1
    return created


# Bulky goods ship by weight (the delivery demo's template), each SKU weighing this (kg).
BULKY = {
    "homely-white-goose-down-duvet": "2.600",
    "homely-winter-down-duvet": "2.200",
    "homely-flannel-blanket": "1.300",
}


def _bulky() -> None:
    from delivery.demo import BULKY as TEMPLATE
    from delivery.models import ShippingTemplate

    template = ShippingTemplate.objects.filter(name=TEMPLATE).first()
    if template is None:
        return
    for slug, weight in BULKY.items():
        product = Product.objects.filter(slug=slug, shipping_template__isnull=True).first()
        if product is None:
            continue
        Product.objects.filter(pk=product.pk).update(shipping_template=template)
        product.skus.update(weight=Decimal(weight))

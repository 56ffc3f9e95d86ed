"""Demo catalog: 4 top categories with 7 subcategories, 60 products with 1–6 SKUs each and
images drawn with Pillow. Idempotent: existing categories and products (by slug) are kept."""

import io
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from catalog import services
from catalog.models import Category, Product, ProductStatus

CATEGORIES = [
    ("Electronics", "electronics", [("Phones", "phones"), ("Audio", "audio")]),
    ("Home & Kitchen", "home", [("Kitchen", "kitchen"), ("Bedding", "bedding")]),
    ("Fashion", "fashion", [("Tops", "tops"), ("Shoes", "shoes")]),
    ("Food & Drink", "food", [("Tea", "tea")]),
]

# leaf slug -> (product nouns, spec, price range, brands)
LEAVES = {
    "phones": (
        ["Smartphone", "Phone Pro", "Phone Lite", "Rugged Phone", "Foldable Phone"],
        [
            {"name": "colour", "values": ["black", "silver", "blue"]},
            {"name": "storage", "values": ["128GB", "256GB"]},
        ],
        (1299, 6999),
        ["Xingchen", "Lumo"],
    ),
    "audio": (
        ["Wireless Earbuds", "Noise-cancelling Headphones", "Bluetooth Speaker", "Soundbar"],
        [{"name": "colour", "values": ["black", "white"]}],
        (99, 1999),
        ["Lumo", "Tingting"],
    ),
    "kitchen": (
        ["Rice Cooker", "Electric Kettle", "Wok", "Chef Knife", "Air Fryer"],
        [{"name": "size", "values": ["small", "large"]}],
        (59, 899),
        ["Chuzi", "Homely"],
    ),
    "bedding": (
        ["Silk Pillowcase", "Duvet", "Cotton Sheet Set", "Memory Foam Pillow"],
        [{"name": "size", "values": ["single", "double", "king"]}],
        (79, 1299),
        ["Homely"],
    ),
    "tops": (
        ["Linen Shirt", "Cotton T-shirt", "Hoodie", "Down Jacket", "Knit Sweater"],
        [
            {"name": "colour", "values": ["white", "navy", "red"]},
            {"name": "size", "values": ["S", "M", "L"]},
        ],
        (49, 999),
        ["Yunyi", "Fengshang"],
    ),
    "shoes": (
        ["Running Shoes", "Canvas Sneakers", "Leather Boots"],
        [{"name": "size", "values": ["39", "40", "41", "42", "43", "44"]}],
        (129, 1199),
        ["Fengshang"],
    ),
    "tea": (
        ["Longjing Green Tea", "Pu'er Tea Cake", "Oolong Tea", "Jasmine Tea"],
        [{"name": "weight", "values": ["100g", "250g"]}],
        (38, 688),
        ["Chaxiang"],
    ),
}

ADJECTIVES = ["Classic", "Smart", "Ultra", "Eco", "Deluxe", "Mini", "Max", "Air", "Plus"]
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
PRODUCT_COUNT = 60


def _image(name: str, colour: tuple, index: int) -> SimpleUploadedFile:
    img = Image.new("RGB", (600, 600), colour)
    draw = ImageDraw.Draw(img)
    draw.ellipse((150, 150, 450, 450), fill=tuple(min(255, c + 60) for c in colour))
    draw.text((40, 40), name[:40], fill="white", font_size=36)
    draw.text((40, 540), f"#{index}", fill="white", font_size=28)
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(f"demo-{index}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _categories() -> dict[str, Category]:
    found = {}
    for index, (name, slug, children) in enumerate(CATEGORIES):
        parent = Category.objects.filter(slug=slug).first() or services.category_create(
            name=name, slug=slug, sort_order=index
        )
        found[slug] = parent
        for child_index, (child_name, child_slug) in enumerate(children):
            found[child_slug] = Category.objects.filter(
                slug=child_slug
            ).first() or services.category_create(
                name=child_name, slug=child_slug, parent=parent, sort_order=child_index
            )
    return found


def _sku_combinations(spec: list[dict], rng: random.Random) -> list[dict]:
    combos = [{}]
    for axis in spec:
        combos = [{**combo, axis["name"]: value} for combo in combos for value in axis["values"]]
    rng.shuffle(combos)
    return combos[: rng.randint(1, min(6, len(combos)))]


def seed(stdout) -> None:
    rng = random.Random(20261121)  # the same shop every time
    categories = _categories()
    leaves = list(LEAVES)
    created = 0
    for index in range(PRODUCT_COUNT):
        leaf = leaves[index % len(leaves)]
        nouns, spec, (low, high), brands = LEAVES[leaf]
        noun = nouns[(index // len(leaves)) % len(nouns)]
        name = f"{ADJECTIVES[index % len(ADJECTIVES)]} {noun} {index + 1:02d}"
        slug = f"demo-{leaf}-{index + 1:02d}"
        if Product.objects.filter(slug=slug).exists():
            continue
        # Spec axes trimmed at random, so products differ in their SKU axes.
        product_spec = spec[: rng.randint(1, len(spec))]
        base = Decimal(rng.randint(low, high))
        skus = []
        for n, attributes in enumerate(_sku_combinations(product_spec, rng)):
            price = base + Decimal(n * rng.choice([0, 10, 50]))
            skus.append(
                {
                    "code": f"{slug.upper()}-{n + 1}",
                    "attributes": attributes,
                    "price": price,
                    "list_price": (price * Decimal("1.2")).quantize(Decimal("1")),
                    "stock": rng.choice([0, 3, 8, 20, 50, 120]) if n else rng.randint(5, 200),
                }
            )
        status = ProductStatus.ON_SALE
        if index in (7, 33):
            status = ProductStatus.DRAFT
        elif index == 50:
            status = ProductStatus.OFF_SALE
        product = services.product_create(
            data={
                "name": name,
                "slug": slug,
                "subtitle": f"{rng.choice(brands)} · {noun.lower()} for everyday life",
                "description": (
                    f"<p>The <strong>{name}</strong> is part of the Kuaimai demo catalog.</p>"
                    f"<ul><li>Category: {categories[leaf].name}</li>"
                    "<li>Ships within 48 hours</li><li>7-day no-reason returns</li></ul>"
                ),
                "category": categories[leaf],
                "brand": services.brand_get_or_create(name=rng.choice(brands)),
                "status": status,
                "is_hot": index % 5 == 0,
                "is_recommended": index % 7 == 3,
                "spec": product_spec,
            },
            skus=skus,
        )
        Product.objects.filter(pk=product.pk).update(sales_count=rng.randint(0, 5000))
        colour = PALETTE[index % len(PALETTE)]
        for image_index in range(rng.randint(1, 2)):
            services.product_image_add(
                product=product,
                file=_image(name, colour if not image_index else colour[::-1], index + 1),
                alt=name,
            )
        created += 1
    stdout.write(f"catalog: {created} products created, {Product.objects.count()} in all")

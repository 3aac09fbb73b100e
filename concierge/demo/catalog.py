"""A realistic demo catalog: deterministic, idempotent, and written in bulk."""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from concierge.catalog.models import Category, Price, PriceList, Product, Promotion, Sku
from concierge.catalog.search import index_products
from concierge.customers.models import Segment
from concierge.orders.models import HoldRule
from concierge.stores.models import PickupLocation, ShippingMethod, ShippingRate, Store, TaxRate

CATEGORIES = {
    "Footwear": (["Trail Runner", "Road Racer", "Hiking Boot", "Camp Sandal", "Winter Boot", "Court Sneaker"],
                 {"Size": ["7", "8", "9", "10", "11"]}),
    "Outerwear": (["Rain Shell", "Down Parka", "Fleece Jacket", "Wind Breaker", "Insulated Vest"],
                  {"Size": ["S", "M", "L", "XL"], "Color": ["Slate", "Forest", "Ember"]}),
    "Packs": (["Day Pack", "Trek Pack", "Hydration Pack", "Duffel Bag", "Sling Bag"],
              {"Capacity": ["18 L", "28 L", "40 L"]}),
    "Camping": (["Ultralight Tent", "Sleeping Bag", "Camp Stove", "Trekking Poles", "Headlamp", "Camp Chair"], {}),
    "Apparel": (["Merino Tee", "Trail Shorts", "Sun Hoodie", "Hiking Pants", "Wool Socks", "Base Layer"],
                {"Size": ["S", "M", "L"]}),
    "Guides": (["Trail Guide eBook", "Map Pack Download", "Navigation Course", "Photo Field Guide"],
               {"Format": ["PDF", "EPUB"]}),
}  # fmt: skip
ADJECTIVES = ["Alpine", "Summit", "Ridge", "Canyon", "Coastal", "Granite", "Aurora", "Cascade"]


def seed_catalog(stores: dict[str, Store], *, products_per_name: int = 8) -> int:
    """Categories, products with options, prices in both stores, a segment and its promotion."""
    if Product.objects.exists():
        return 0
    rng = random.Random(42)
    us, ca = stores["us"], stores["ca"]
    with transaction.atomic():
        about = "Customers who spent over $1,000 last year."
        gold, _ = Segment.objects.get_or_create(code="gold", defaults={"name": "Gold members", "description": about})
        lists = {
            "us": PriceList.objects.create(name="Northwind US prices", store=us, currency="USD"),
            "ca": PriceList.objects.create(name="Northwind Canada prices", store=ca, currency="CAD"),
            # The US store also sells in euros, to the organizations that buy in them (seed 003).
            "eur": PriceList.objects.create(name="Northwind euro prices", store=us, currency="EUR"),
            "gold": PriceList.objects.create(
                name="Gold member prices", store=us, currency="USD", segment=gold, priority=10
            ),
        }
        products, prices, code = [], [], 1000
        for category_name, (names, options) in CATEGORIES.items():
            category = Category.objects.create(name=category_name, slug=slugify(category_name))
            digital = category_name == "Guides"
            for name in names:
                for adjective in rng.sample(ADJECTIVES, products_per_name):
                    title = f"{adjective} {name}"
                    about = f"The {title}: built for long days outside, tested on the {adjective.lower()} trails."
                    product = Product.objects.create(
                        name=title,
                        slug=slugify(title),
                        category=category,
                        image_hue=rng.randrange(360),
                        description=about,
                    )
                    base = Decimal(rng.randrange(12, 240)) + Decimal("0.95")
                    combos: list[dict[str, str]] = [{}]
                    for option, values in options.items():
                        combos = [dict(c, **{option: v}) for c in combos for v in values]
                    for combo in combos[:6]:
                        code += 1
                        sku = Sku.objects.create(
                            product=product, code=f"NW-{code}", name=" / ".join(combo.values()) or "Standard",
                            options=combo, kind=Sku.Kind.DIGITAL if digital else Sku.Kind.SHIPPABLE,
                            track_stock=not digital, stock_on_hand=0 if digital else rng.randrange(0, 60) or 25,
                        )  # fmt: skip
                        prices.append(Price(price_list=lists["us"], sku=sku, amount=base))
                        prices.append(
                            Price(
                                price_list=lists["ca"],
                                sku=sku,
                                amount=(base * Decimal("1.36")).quantize(Decimal("0.01")),
                            )
                        )
                        prices.append(
                            Price(
                                price_list=lists["eur"],
                                sku=sku,
                                amount=(base * Decimal("0.92")).quantize(Decimal("0.01")),
                            )
                        )
                        prices.append(
                            Price(
                                price_list=lists["gold"],
                                sku=sku,
                                amount=(base * Decimal("0.95")).quantize(Decimal("0.01")),
                            )
                        )
                    products.append(product)
        Price.objects.bulk_create(prices, batch_size=2000)
        outerwear = Category.objects.get(slug="outerwear")
        Promotion.objects.create(name="Gold members: 15% off outerwear", store=us, kind="PERCENT_OFF", value=15,
                                 target="CATEGORY", category=outerwear, segment=gold)  # fmt: skip
        Promotion.objects.create(name="Packs week: $10 off every pack", store=us, kind="AMOUNT_OFF", value=10,
                                 target="CATEGORY", category=Category.objects.get(slug="packs"))  # fmt: skip
        index_products(
            Product.objects.filter(pk__in=[p.pk for p in products]).select_related("category").prefetch_related("skus")
        )
    return len(products)


def seed_store_setup(stores: dict[str, Store]) -> None:
    """Taxes, shipping methods, pickup locations and hold rules of the demo stores."""
    us, ca = stores["us"], stores["ca"]
    for store, country, rates in (
        (us, "US", {"TX": "0.0825", "WA": "0.1025", "": "0.0600"}),
        (ca, "CA", {"ON": "0.1300", "": "0.0500"}),
    ):
        for region, rate in rates.items():
            TaxRate.objects.get_or_create(store=store, country=country, region=region, defaults={"rate": Decimal(rate)})
        for order, (code, name, price, days) in enumerate(
            [
                ("standard", "Standard", "5.95", "3-5 business days"),
                ("express", "Express", "14.95", "1-2 business days"),
            ]
        ):
            defaults = {"name": name, "price": Decimal(price), "delivery_days": days, "sort_order": order}
            method, _ = ShippingMethod.objects.get_or_create(store=store, code=code, defaults=defaults)
            if store is us:  # the euro rates of the store that sells in euros too
                euros = (Decimal(price) * Decimal("0.92")).quantize(Decimal("0.01"))
                ShippingRate.objects.get_or_create(method=method, currency="EUR", defaults={"price": euros})
    locations = [(us, "Northwind Austin Downtown", "600 Congress Ave", "Austin", "TX", "78701", "US"),
                 (us, "Northwind Seattle Pike Place", "85 Pike St", "Seattle", "WA", "98101", "US"),
                 (ca, "Northwind Toronto King St", "220 King St W", "Toronto", "ON", "M5H 1K4", "CA")]  # fmt: skip
    for store, name, line1, city, region, postal, country in locations:
        PickupLocation.objects.get_or_create(store=store, name=name, defaults={"line1": line1, "city": city,
                                             "region": region, "postal_code": postal, "country": country})  # fmt: skip
    HoldRule.objects.get_or_create(
        name="Large order review", defaults={"kind": "TOTAL_ABOVE", "amount": Decimal("1500")}
    )
    HoldRule.objects.get_or_create(name="Ships abroad", defaults={"kind": "COUNTRIES_DIFFER"})

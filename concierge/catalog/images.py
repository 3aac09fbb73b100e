"""Product pictures drawn on the fly as SVG: no image files, no network, one look per product."""

from __future__ import annotations

from django.utils.html import escape

from concierge.catalog.models import Product

FONT = 'font-family="system-ui,sans-serif" text-anchor="middle"'


def product_svg(product: Product) -> str:
    hue = product.image_hue % 360
    initials = escape("".join(word[0] for word in product.name.split()[:2]).upper())
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" role="img"',
        f' aria-label="{escape(product.name)}">',
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">',
        f'<stop offset="0" stop-color="hsl({hue},62%,58%)"/>',
        f'<stop offset="1" stop-color="hsl({(hue + 40) % 360},58%,38%)"/>',
        "</linearGradient></defs>",
        '<rect width="400" height="300" fill="url(#g)"/>',
        '<circle cx="330" cy="60" r="90" fill="rgba(255,255,255,.12)"/>',
        '<circle cx="60" cy="260" r="70" fill="rgba(255,255,255,.10)"/>',
        f'<text x="200" y="170" {FONT} font-size="96" font-weight="700" fill="rgba(255,255,255,.92)">{initials}</text>',
        f'<text x="200" y="230" {FONT} font-size="20" fill="rgba(255,255,255,.85)">',
        f"{escape(product.category.name)}</text>",
        "</svg>",
    ]
    return "\n".join(parts)

"""A product poster for a leader to share: an SVG (750 × 1200) with the brand, the product's
name and price, the leader's recommendation and a QR code of the leader's tracked link, drawn
here from the QR matrix of ``segno`` (a maintained pure-Python QR encoder), so the poster is
one self-contained file with no script and no fonts to fetch."""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

import segno

WIDTH, HEIGHT = 750, 1200
QR_SIZE = 340
QUIET_MODULES = 4
FONT = "PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif"
LINE_CHARS = 13  # characters of a product name on one line at the name's size


def qr_path(data: str) -> tuple[str, int]:
    """The dark modules of ``data``'s QR code (error correction M) as one SVG path in module
    units, and the symbol's size in modules (without the quiet zone)."""
    code = segno.make(data, error="m", micro=False)
    parts = []
    for y, row in enumerate(code.matrix_iter(border=0)):
        for x, dark in enumerate(row):
            if dark:
                parts.append(f"M{x} {y}h1v1h-1z")
    width, _ = code.symbol_size(border=0)
    return "".join(parts), int(width)


def _lines(text: str, width: int, most: int = 3) -> list[str]:
    lines = [text[i : i + width] for i in range(0, len(text), width)] or [""]
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines


def product_poster(*, brand: str, name: str, price: Decimal, leader_name: str, url: str) -> str:
    """The poster's SVG text: ``url`` (the tracked link, absolute) is what the QR code holds."""
    path, modules = qr_path(url)
    scale = QR_SIZE / modules
    qr_x, qr_y = (WIDTH - QR_SIZE) // 2, 640
    quiet = round(QUIET_MODULES * scale)  # the white margin a scanner needs around the code
    name_lines = _lines(name, LINE_CHARS)
    names = "".join(
        f'<text x="{WIDTH // 2}" y="{300 + i * 66}" font-size="52" font-weight="700" '
        f'text-anchor="middle" fill="#1f2933">{escape(line)}</text>'
        for i, line in enumerate(name_lines)
    )
    price_y = 300 + len(name_lines) * 66 + 70
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" font-family="{FONT}" role="img" '
        f'aria-label="{escape(brand)} {escape(name)} 海报">'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff7f0"/>'
        f'<rect width="{WIDTH}" height="180" fill="#d9480f"/>'
        f'<text x="{WIDTH // 2}" y="112" font-size="60" font-weight="700" '
        f'text-anchor="middle" fill="#fff">{escape(brand)}</text>'
        f"{names}"
        f'<text x="{WIDTH // 2}" y="{price_y}" font-size="72" font-weight="700" '
        f'text-anchor="middle" fill="#d9480f">¥{price:.2f}</text>'
        f'<rect x="{qr_x - quiet}" y="{qr_y - quiet}" width="{QR_SIZE + 2 * quiet}" '
        f'height="{QR_SIZE + 2 * quiet}" rx="16" fill="#fff"/>'
        f'<g transform="translate({qr_x} {qr_y}) scale({scale:.4f})">'
        f'<path d="{path}" fill="#1f2933" shape-rendering="crispEdges"/></g>'
        f'<text x="{WIDTH // 2}" y="{qr_y + QR_SIZE + quiet + 56}" font-size="34" '
        f'text-anchor="middle" fill="#1f2933">{escape(leader_name)} 团长推荐 · 扫码下单</text>'
        f'<text x="{WIDTH // 2}" y="{qr_y + QR_SIZE + quiet + 104}" font-size="26" '
        f'text-anchor="middle" fill="#6b7785">次日送达自提点 · 下班顺路取</text>'
        "</svg>"
    )

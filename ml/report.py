"""A small SVG chart of lift by decile, for the training asset's report in the Dagster UI."""

from __future__ import annotations

import base64


def lift_chart_svg(lift_by_decile: list[float], width: int = 360, height: int = 180) -> str:
    """Bars for deciles 10 (left, most likely) to 1, with the lift = 1 line."""
    top = max([*lift_by_decile, 1.0]) * 1.15
    bar = (width - 40) / len(lift_by_decile)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="10">'
    ]
    for i, lift in enumerate(lift_by_decile):
        h = (height - 30) * lift / top
        x = 30 + i * bar
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{height - 20 - h:.1f}" width="{bar - 4:.1f}" '
            f'height="{h:.1f}" fill="#4f7cac"/>'
            f'<text x="{x + bar / 2:.1f}" y="{height - 6}" text-anchor="middle">'
            f"{len(lift_by_decile) - i}</text>"
            f'<text x="{x + bar / 2:.1f}" y="{height - 24 - h:.1f}" text-anchor="middle">'
            f"{lift:.1f}</text>"
        )
    one = height - 20 - (height - 30) / top
    parts.append(
        f'<line x1="30" x2="{width - 10}" y1="{one:.1f}" y2="{one:.1f}" stroke="#c0392b" '
        'stroke-dasharray="4"/><text x="2" y="12">lift by decile (10 = most likely)</text></svg>'
    )
    return "".join(parts)


def as_markdown_image(svg: str, alt: str = "chart") -> str:
    encoded = base64.b64encode(svg.encode()).decode()
    return f"![{alt}](data:image/svg+xml;base64,{encoded})"

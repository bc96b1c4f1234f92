"""Charts drawn on the server as SVG text: no script, no library, readable without colour
(every bar and point carries its value as text and a <title>).

Lengths on the chart are only drawing (floats for pixels); the figures written on it are the
engine's exact values, passed in as text.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

WIDTH = 720


def svg_open(height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
            f'width="100%" aria-label="{escape(title)}">')


def bar_chart(rows: list[tuple[str, Decimal | None, str]], title: str, unit: str = "%") -> str:
    """Horizontal bars: one per (label, value, value text). ``value`` None draws no bar."""
    bar_h, gap, left, right, top = 22, 8, 220, 90, 30
    height = top + len(rows) * (bar_h + gap) + 10
    top_value = max([float(v) for _, v, _ in rows if v is not None] + [1.0])
    span = WIDTH - left - right
    parts = [svg_open(height, title), f"<title>{escape(title)}</title>",
             f'<text x="0" y="18" class="chart-title">{escape(title)}</text>']
    for i, (label, value, text) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = 0.0 if value is None else span * float(value) / top_value
        parts.append(f'<g><title>{escape(label)}: {escape(text)} {escape(unit)}</title>'
                     f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" class="chart-label">{escape(label[:34])}</text>'
                     f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" class="bar"/>'
                     f'<text x="{left + w + 6:.1f}" y="{y + bar_h * 0.7:.1f}" class="chart-value">{escape(text)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(points: list[tuple[str, Decimal, str]], title: str, x_label: str, y_label: str,
               reference: tuple[str, Decimal, str] | None = None) -> str:
    """Totals of a sweep: one point per (x text, y value, y text), joined in order; ``reference``
    (label, value, text) is drawn as a dashed level line (the baseline)."""
    left, right, top, bottom = 110, 90, 40, 60
    height = 320
    w, h = WIDTH - left - right, height - top - bottom
    ys = [float(y) for _, y, _ in points]
    lo, hi = min(ys + ([float(reference[1])] if reference else [])), max(ys + ([float(reference[1])] if reference else []))
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.1
    lo, hi = lo - pad, hi + pad
    n = len(points)

    def px(i: int) -> float:
        return left + (w * i / (n - 1) if n > 1 else w / 2)

    def py(v: float) -> float:
        return top + h - h * (v - lo) / (hi - lo)

    parts = [svg_open(height, title), f"<title>{escape(title)}</title>",
             f'<text x="0" y="18" class="chart-title">{escape(title)}</text>',
             f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" class="axis"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + h}" class="axis"/>',
             f'<text x="{left + w / 2:.1f}" y="{height - 12}" text-anchor="middle" class="chart-label">{escape(x_label)}</text>',
             (f'<text x="14" y="{top + h / 2:.1f}" text-anchor="middle" class="chart-label" '
              f'transform="rotate(-90 14 {top + h / 2:.1f})">{escape(y_label)}</text>')]
    if reference is not None:
        ry = py(float(reference[1]))
        parts.append(f'<g><title>{escape(reference[0])}: {escape(reference[2])}</title>'
                     f'<line x1="{left}" y1="{ry:.1f}" x2="{left + w}" y2="{ry:.1f}" class="reference"/>'
                     f'<text x="{left + 6}" y="{ry - 6:.1f}" class="chart-label">{escape(reference[0])}: {escape(reference[2])}</text></g>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{px(i):.1f},{py(ys[i]):.1f}" for i in range(n))
    parts.append(f'<path d="{path}" class="line"/>')
    for i, (x, _y, text) in enumerate(points):
        parts.append(f'<g><title>{escape(x)}: {escape(text)}</title>'
                     f'<circle cx="{px(i):.1f}" cy="{py(ys[i]):.1f}" r="5" class="point"/>'
                     f'<text x="{px(i):.1f}" y="{py(ys[i]) - 10:.1f}" text-anchor="middle" class="chart-value">{escape(text)}</text>'
                     f'<text x="{px(i):.1f}" y="{top + h + 18}" text-anchor="middle" class="chart-label">{escape(x[:24])}</text></g>')
    parts.append("</svg>")
    return "".join(parts)

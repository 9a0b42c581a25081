"""Server-side SVG charts for the console: line charts, bars, histograms and scatter plots.

Plain SVG written here rather than a plotting library: the console needs four small chart kinds,
and matplotlib (tens of MB, about a second to import) or pygal (whose tooltips load a script from
a CDN unless told otherwise) would be heavier than the charts. Every chart works offline, has a
``<title>``/``<desc>`` for screen readers, and is readable without colour: each series has its own
marker shape and dash pattern, and the legend says which is which in words.

Every text that reaches a chart goes through :func:`markupsafe.escape`; the result is a
:class:`markupsafe.Markup` that Jinja2 templates insert as it is.
"""

from __future__ import annotations

import math
from typing import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 44
# colour-blind-safe palette (Okabe-Ito), paired with shapes and dashes so colour is never needed
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
SHAPES = ("circle", "square", "triangle", "diamond", "cross")


def _fmt(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = abs(value)
    if magnitude >= 1e5 or magnitude < 1e-3:
        return f"{value:.2e}"
    return f"{value:.4g}"


def _range(values: Sequence[float]) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.05
    return low - pad, high + pad


class _Frame:
    """Maps data coordinates to the plot area and draws axes with ticks."""

    def __init__(self, xs: Sequence[float], ys: Sequence[float], width=WIDTH, height=HEIGHT,
                 x_range=None, y_range=None):
        self.width, self.height = width, height
        self.x0, self.x1 = x_range or _range(xs)
        self.y0, self.y1 = y_range or _range(ys)

    def x(self, value: float) -> float:
        return LEFT + (value - self.x0) / (self.x1 - self.x0) * (self.width - LEFT - RIGHT)

    def y(self, value: float) -> float:
        return self.height - BOTTOM - (value - self.y0) / (self.y1 - self.y0) * (
            self.height - TOP - BOTTOM)

    def axes(self, x_label: str, y_label: str, x_ticks=True) -> list[str]:
        bottom, right = self.height - BOTTOM, self.width - RIGHT
        out = [f'<line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>',
               f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#333"/>']
        for i in range(5):
            value = self.y0 + (self.y1 - self.y0) * i / 4
            y = self.y(value)
            out.append(f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" '
                       f'stroke="#ddd"/><text x="{LEFT - 6}" y="{y + 4:.1f}" '
                       f'text-anchor="end" font-size="11">{_fmt(value)}</text>')
        if x_ticks:
            for i in range(5):
                value = self.x0 + (self.x1 - self.x0) * i / 4
                x = self.x(value)
                out.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" '
                           f'font-size="11">{_fmt(value)}</text>')
        out.append(f'<text x="{(LEFT + right) / 2:.1f}" y="{self.height - 8}" '
                   f'text-anchor="middle" font-size="12">{escape(x_label)}</text>')
        out.append(f'<text transform="translate(14 {(TOP + bottom) / 2:.1f}) rotate(-90)" '
                   f'text-anchor="middle" font-size="12">{escape(y_label)}</text>')
        return out


def _marker(shape: str, x: float, y: float, colour: str, size: float = 3.5) -> str:
    if shape == "square":
        return (f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" '
                f'height="{2 * size:.1f}" fill="{colour}"/>')
    if shape == "triangle":
        return (f'<polygon points="{x:.1f},{y - size * 1.2:.1f} {x - size:.1f},{y + size:.1f} '
                f'{x + size:.1f},{y + size:.1f}" fill="{colour}"/>')
    if shape == "diamond":
        return (f'<polygon points="{x:.1f},{y - size * 1.3:.1f} {x + size:.1f},{y:.1f} '
                f'{x:.1f},{y + size * 1.3:.1f} {x - size:.1f},{y:.1f}" fill="{colour}"/>')
    if shape == "cross":
        return (f'<path d="M{x - size:.1f},{y - size:.1f}L{x + size:.1f},{y + size:.1f}'
                f'M{x - size:.1f},{y + size:.1f}L{x + size:.1f},{y - size:.1f}" '
                f'stroke="{colour}" stroke-width="2"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" fill="{colour}"/>'


def _legend(names: Sequence[str], width: int, line: bool) -> list[str]:
    out, x, y = [], LEFT, 14
    for i, name in enumerate(names):
        if x + 30 + 7 * len(str(name)) > width and x > LEFT:     # wrap onto another row
            x, y = LEFT, y + 16
        colour, shape = COLOURS[i % len(COLOURS)], SHAPES[i % len(SHAPES)]
        if line:
            dash = DASHES[i % len(DASHES)]
            out.append(f'<line x1="{x}" y1="{y}" x2="{x + 22}" y2="{y}" stroke="{colour}" '
                       f'stroke-width="2" stroke-dasharray="{dash}"/>')
        out.append(_marker(shape, x + 11, y, colour))
        out.append(f'<text x="{x + 28}" y="{y + 4}" font-size="12">{escape(name)}</text>')
        x += 40 + 7 * len(str(name))
    return out


def _svg(title: str, body: list[str], width=WIDTH, height=HEIGHT, desc: str = "") -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">'
        f'<title>{escape(title)}</title><desc>{escape(desc or title)}</desc>'
        + "".join(body) + "</svg>")


def line_chart(title: str, series: dict[str, Sequence[float]], x_label: str = "epoch",
               y_label: str = "") -> Markup:
    """One line per series, x = position (0, 1, ...): e.g. train and validation loss per epoch."""
    xs = [i for values in series.values() for i in range(len(values))]
    ys = [v for values in series.values() for v in values]
    frame = _Frame(xs or [0, 1], ys, x_range=(0, max(1, max(xs, default=1))))
    body = frame.axes(x_label, y_label)
    for i, (name, values) in enumerate(series.items()):
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        points = [(frame.x(j), frame.y(v)) for j, v in enumerate(values) if math.isfinite(v)]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline class="series" points="{path}" fill="none" stroke="{colour}" '
                        f'stroke-width="2" stroke-dasharray="{dash}"/>')
        step = max(1, len(points) // 40)    # markers stay legible on long series
        for x, y in points[::step]:
            body.append(_marker(SHAPES[i % len(SHAPES)], x, y, colour))
    body += _legend(list(series), WIDTH, line=True)
    desc = "; ".join(f"{name}: {len(v)} points, last {_fmt(v[-1])}" for name, v in series.items()
                     if len(v))
    return _svg(title, body, desc=f"{title}. {desc}")


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], y_label: str = "",
              x_label: str = "") -> Markup:
    """Vertical bars from zero, labelled; negative bars are hatched so sign reads without colour."""
    values = [float(v) for v in values]
    low, high = _range(list(values) + [0.0])
    frame = _Frame([0, max(1, len(values))], values, x_range=(0, max(1, len(values))),
                   y_range=(low, high))
    body = ['<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="#D55E00"/>'
            '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern></defs>']
    body += frame.axes(x_label, y_label, x_ticks=False)
    zero = frame.y(0.0)
    slot = (frame.x(1) - frame.x(0))
    for i, value in enumerate(values):
        x, y = frame.x(i) + slot * 0.1, frame.y(value)
        fill = "#0072B2" if value >= 0 else "url(#hatch)"
        body.append(f'<rect class="bar" x="{x:.1f}" y="{min(y, zero):.1f}" width="{slot * 0.8:.1f}" '
                    f'height="{abs(zero - y):.1f}" fill="{fill}"><title>{escape(labels[i])}: '
                    f'{_fmt(value)}</title></rect>')
        if len(values) <= 30:
            body.append(f'<text x="{x + slot * 0.4:.1f}" y="{HEIGHT - BOTTOM + 14}" '
                        f'text-anchor="middle" font-size="10">{escape(labels[i])}</text>')
    desc = ", ".join(f"{labels[i]}={_fmt(v)}" for i, v in enumerate(values[:50]))
    return _svg(title, body, desc=f"{title}: {desc}")


def histogram(title: str, values: Sequence[float], bins: int = 30, x_label: str = "",
              markers: dict[str, float] | None = None) -> Markup:
    """A histogram of ``values`` with labelled vertical lines at ``markers`` (e.g. a threshold)."""
    finite = [float(v) for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    for value in (markers or {}).values():
        low, high = min(low, value), max(high, value)
    if high == low:
        low, high = low - 0.5, high + 0.5
    counts = [0] * bins
    for v in finite:
        counts[min(bins - 1, int((v - low) / (high - low) * bins))] += 1
    frame = _Frame([low, high], [0, max(counts, default=1)], x_range=(low, high),
                   y_range=(0, max(counts, default=1) * 1.05 or 1))
    body = frame.axes(x_label, "count")
    width = (high - low) / bins
    for i, count in enumerate(counts):
        x0, x1 = frame.x(low + i * width), frame.x(low + (i + 1) * width)
        y = frame.y(count)
        body.append(f'<rect class="bar" x="{x0:.1f}" y="{y:.1f}" width="{max(0.5, x1 - x0 - 1):.1f}" '
                    f'height="{frame.y(0) - y:.1f}" fill="#56B4E9" stroke="#0072B2"/>')
    for i, (name, value) in enumerate((markers or {}).items()):
        x = frame.x(value)
        body.append(f'<line class="marker" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" '
                    f'y2="{frame.y(0):.1f}" stroke="#000" stroke-width="2" stroke-dasharray="5 3"/>'
                    f'<text x="{x + 4:.1f}" y="{TOP + 12 + 14 * i}" font-size="12">'
                    f'{escape(name)} = {_fmt(value)}</text>')
    marks = "; ".join(f"{k} at {_fmt(v)}" for k, v in (markers or {}).items())
    return _svg(title, body, desc=f"{title}: {len(finite)} values from {_fmt(low)} to "
                                  f"{_fmt(high)}. {marks}")


def scatter(title: str, groups: dict[str, Sequence[tuple[float, float]]],
            highlights: dict[str, Sequence[tuple[float, float]]] | None = None,
            x_label: str = "", y_label: str = "") -> Markup:
    """Points by group (colour and shape per group); ``highlights`` drawn large and outlined
    (e.g. centroids), each labelled."""
    everything = [p for points in groups.values() for p in points] + \
        [p for points in (highlights or {}).values() for p in points]
    frame = _Frame([p[0] for p in everything], [p[1] for p in everything])
    body = frame.axes(x_label, y_label)
    for i, (name, points) in enumerate(groups.items()):
        colour, shape = COLOURS[i % len(COLOURS)], SHAPES[i % len(SHAPES)]
        body.append(f'<g class="group" opacity="0.7"><title>{escape(name)}</title>')
        body += [_marker(shape, frame.x(x), frame.y(y), colour, 2.5) for x, y in points]
        body.append("</g>")
    for name, points in (highlights or {}).items():
        for j, (x, y) in enumerate(points):
            body.append(f'<g class="highlight"><circle cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" '
                        f'r="8" fill="#fff" stroke="#000" stroke-width="2.5"/>'
                        f'<text x="{frame.x(x):.1f}" y="{frame.y(y) + 4:.1f}" font-size="10" '
                        f'text-anchor="middle" font-weight="bold">{j}</text>'
                        f'<title>{escape(name)} {j}</title></g>')
    body += _legend(list(groups), WIDTH, line=False)
    return _svg(title, body, desc=f"{title}: {len(everything)} points in {len(groups)} groups")

"""The data-quality report as one HTML page with inline SVG charts (no scripts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


def bars(items: dict[str, float], *, maximum: float = 100.0, unit: str = "%") -> dict[str, Any]:
    """Geometry of a horizontal bar chart, for the template to draw."""
    rows = []
    for i, (label, value) in enumerate(items.items()):
        width = 0.0 if maximum <= 0 else max(0.0, min(1.0, value / maximum)) * 300
        rows.append({"y": 24 * i, "label": label, "value": value, "width": round(width, 1)})
    return {"rows": rows, "height": 24 * len(rows) + 4, "unit": unit}


def render_html(doc: dict[str, Any]) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["bars"] = bars
    return env.get_template("quality.html.j2").render(doc=doc)

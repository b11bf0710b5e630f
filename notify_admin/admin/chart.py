"""Geometry of the dashboard's delivered-vs-failed bar chart.

Computed here and drawn by a template as plain SVG: no JavaScript, no CDN,
and every label goes through the template engine's escaping.
"""

import math

WIDTH = 700
HEIGHT = 220
LEFT = 40  # room for the y-axis labels
BOTTOM = 30  # room for the date labels
TOP = 10


def nice_ceiling(value):
    """The smallest 1, 2 or 5 x 10^n that is >= value (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover (the loop always returns)


def bar_chart(days):
    """``days``: ``[(date, delivered, failed)]`` -> shapes for the template."""
    top_value = nice_ceiling(max([max(d, f) for _day, d, f in days] or [0]))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(days), 1)
    bar = max(slot / 2 - 3, 1)

    def height(value):
        return round(plot_height * value / top_value, 1)

    groups = []
    for index, (day, delivered, failed) in enumerate(days):
        x = LEFT + index * slot + 2
        groups.append(
            {
                "day": day,
                "delivered": delivered,
                "failed": failed,
                "label_x": round(x + slot / 2 - 2, 1),
                # Every other date, counted back from the last day so it is labelled.
                "labelled": (len(days) - 1 - index) % 2 == 0,
                "bars": [
                    {
                        "kind": "delivered",
                        "value": delivered,
                        "x": round(x, 1),
                        "y": round(HEIGHT - BOTTOM - height(delivered), 1),
                        "height": height(delivered),
                    },
                    {
                        "kind": "failed",
                        "value": failed,
                        "x": round(x + bar + 1, 1),
                        "y": round(HEIGHT - BOTTOM - height(failed), 1),
                        "height": height(failed),
                    },
                ],
            }
        )
    # nice_ceiling gives 1, 2 or a multiple of 5: whole-number ticks either way.
    ticks = 5 if top_value % 5 == 0 else top_value
    gridlines = [
        {
            "value": top_value * i // ticks,
            "y": round(TOP + plot_height * (1 - i / ticks), 1),
        }
        for i in range(ticks + 1)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "baseline": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 16,
        "bar_width": round(bar, 1),
        "groups": groups,
        "gridlines": gridlines,
        "top_value": top_value,
    }

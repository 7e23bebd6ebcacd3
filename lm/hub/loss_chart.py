"""The loss curve as a picture: train and valid loss per epoch as two lines
on numeric axes, the best valid epoch marked. A self-contained SVG, used by
the Hub model card (``loss_curve.svg``) and the studio's Train and Model
card views."""

from __future__ import annotations

import html

COLOURS = {"train": "#0072B2", "valid": "#E69F00"}
TICKS = 5
FONT_SIZE = 20  # drawn 360 wide, the chart keeps its text at 16 px or more when a phone narrows it to 300
CHARACTER_WIDTH = 0.6 * FONT_SIZE  # a generous width of one sans-serif character, to keep labels inside the chart
LINE = FONT_SIZE + 4  # from one line of the legend to the next


def _ticks(low: float, high: float, count: int = TICKS) -> list[float]:
    return [low + (high - low) * index / (count - 1) for index in range(count)]


def loss_curve_svg(history: list[dict], best_epoch: int | None = None, width: int = 360, height: int = 280,
                   unit: str = "loss (nats/token)") -> str:
    """``history``: rows with ``epoch``, ``train_loss`` and ``valid_loss``.
    The picture narrows with the page (``max-width: 100%``), never widens it."""
    left, right, top, bottom = 4 + FONT_SIZE + 5 * CHARACTER_WIDTH, 2 * CHARACTER_WIDTH, 12, 2 * LINE + 4  # room for the labels
    series = {split: [(row["epoch"], row[f"{split}_loss"]) for row in history] for split in COLOURS}
    values = [loss for points in series.values() for _, loss in points] or [0.0, 1.0]
    low, high = min(values), max(values)
    high = high if high > low else low + 1.0
    first = history[0]["epoch"] if history else 1
    last = max(history[-1]["epoch"] if history else 2, first + 1)

    def x(epoch: float) -> float:
        return left + (width - left - right) * (epoch - first) / (last - first)

    def y(loss: float) -> float:
        return height - bottom - (height - top - bottom) * (loss - low) / (high - low)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" font-family="sans-serif" font-size="{FONT_SIZE}" class="lm-loss-chart" '
             'style="max-width:100%;height:auto">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    for value in _ticks(low, high):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#eee"/>'
                     f'<text class="lm-y-tick" data-value="{value:.4f}" x="{left - 4}" y="{y(value) + FONT_SIZE / 3:.1f}" '
                     f'text-anchor="end">{value:.2f}</text>')
    for epoch in sorted({round(value) for value in _ticks(first, last)}):
        parts.append(f'<text class="lm-x-tick" x="{x(epoch):.1f}" y="{height - bottom + LINE}" '
                     f'text-anchor="middle">{epoch}</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 4}" text-anchor="middle">epoch</text>'
                 f'<text x="{FONT_SIZE}" y="{(top + height - bottom) / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 {FONT_SIZE} {(top + height - bottom) / 2})">{html.escape(unit)}</text>')
    if best_epoch is not None and history:
        label, at = f"best epoch {best_epoch}", x(best_epoch)
        wide = CHARACTER_WIDTH * len(label)
        # Right of the line, beside the legend, where it fits; else below the legend, on the side with room.
        if at + 4 + wide <= width - right - CHARACTER_WIDTH * 6:
            place = f'x="{at + 4:.1f}" y="{top + FONT_SIZE}"'
        elif at - 4 - wide >= left:
            place = f'x="{at - 4:.1f}" y="{top + FONT_SIZE + LINE * len(COLOURS)}" text-anchor="end"'
        else:
            place = f'x="{min(at + 4, width - right - wide):.1f}" y="{top + FONT_SIZE + LINE * len(COLOURS)}"'
        parts.append(f'<line class="lm-best" x1="{at:.1f}" x2="{at:.1f}" y1="{top}" '
                     f'y2="{height - bottom}" stroke="#999" stroke-dasharray="4 3"/>'
                     f'<text class="lm-best-label" {place} fill="#555">{label}</text>')
    for index, (split, points) in enumerate(series.items()):
        path = " ".join(f"{x(epoch):.1f},{y(loss):.1f}" for epoch, loss in points)
        parts.append(f'<polyline class="lm-line" data-split="{split}" fill="none" stroke="{COLOURS[split]}" '
                     f'stroke-width="2" points="{path}"/>'
                     f'<text x="{width - right}" y="{top + FONT_SIZE + LINE * index}" text-anchor="end" '
                     f'fill="{COLOURS[split]}">{split}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"

"""The loss chart: numeric axes, one drawn line per split, the best epoch marked."""

import re

from lm.hub.loss_chart import loss_curve_svg


def test_the_loss_chart_draws_numeric_lines_and_marks_the_best_epoch():
    history = [{"epoch": epoch, "train_loss": 3.0 / epoch, "valid_loss": 2.0 + (epoch - 4) ** 2 / 10}
               for epoch in range(1, 11)]
    chart = loss_curve_svg(history, best_epoch=4)
    lines = re.findall(r'<polyline class="lm-line" data-split="(\w+)"[^>]* points="([^"]+)"', chart)
    assert [split for split, _ in lines] == ["train", "valid"]
    assert all(len(points.split()) == 10 for _, points in lines)
    ticks = [float(value) for value in re.findall(r'class="lm-y-tick" data-value="([0-9.]+)"', chart)]
    assert ticks == sorted(ticks) and ticks[0] == 0.3 and ticks[-1] == 5.6
    assert "best valid: epoch 4" in chart

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
    assert "best epoch 4" in chart


def test_the_best_epoch_label_stays_inside_the_chart_when_the_best_epoch_is_the_last():
    history = [{"epoch": epoch, "train_loss": 3.0 / epoch, "valid_loss": 2.0 / epoch} for epoch in range(1, 31)]
    early = re.search(r'<text class="lm-best-label" x="([0-9.]+)"[^>]*>', loss_curve_svg(history, best_epoch=3))
    last = re.search(r'<text class="lm-best-label" x="([0-9.]+)"[^>]*>', loss_curve_svg(history, best_epoch=30))
    assert "text-anchor" not in early.group(0)  # room on the right: the label follows the line
    assert 'text-anchor="end"' in last.group(0) and float(last.group(1)) < 360  # none: it ends at the line

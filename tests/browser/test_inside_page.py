"""The Inside view in headless Chromium (desktop and phone sizes): a heatmap
column per token, the text shaded by one of its rows, and a clicked unit
shades the text."""

from __future__ import annotations

import pytest

from tests.support.browser import studio_page


def look_inside(server: str, viewport: dict) -> None:
    with studio_page(server, viewport, "Inside") as page:
        page.get_by_role("button", name="Generate and look inside").click()
        heatmap = page.locator("#lm-heatmap .lm-heatmap")
        heatmap.wait_for(timeout=60_000)
        page.wait_for_function(
            "() => { const map = document.querySelector('#lm-heatmap .lm-heatmap');"
            " return map && Number(map.dataset.tokens) === 120; }", timeout=60_000)
        assert heatmap.locator("th.lm-token-label").count() == 120  # one column per generated token
        rows = heatmap.locator("tr[data-unit]")
        assert rows.count() == 16
        page.locator("#lm-unit-text .lm-unit-text").wait_for()
        shown = [rows.nth(row).get_attribute("data-unit") for row in range(16)]
        # before any click the text is shaded by the best-ranked unit, one of the rows (not by unit 0)
        assert page.locator("#lm-unit-text .lm-unit-text").get_attribute("data-unit") in shown
        assert page.get_by_label("Unit (click a heatmap row, or type its number)").input_value() == ""
        unit = rows.nth(3).get_attribute("data-unit")
        rows.nth(3).locator("th").click()
        page.wait_for_function(
            f"() => {{ const text = document.querySelector('#lm-unit-text .lm-unit-text');"
            f" return text && text.dataset.unit === '{unit}'; }}", timeout=30_000)
        shaded = page.locator("#lm-unit-text .lm-unit-text > span:not(.lm-prompt)")
        assert shaded.count() == 120
        assert page.locator("#lm-heatmap tr.lm-picked").get_attribute("data-unit") == unit


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_the_heatmap_has_a_column_per_token_and_a_clicked_unit_shades_the_text(studio_url, viewport):
    look_inside(studio_url, viewport)

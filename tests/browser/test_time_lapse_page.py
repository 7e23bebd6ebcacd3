"""The time-lapse in headless Chromium."""

from tests.support.browser import studio_page


def test_the_time_lapse_in_the_page(studio_url):
    """Human Numbers keeps four snapshots: five columns, each under its figure, none still drawing."""
    with studio_page(studio_url, {"width": 1280, "height": 800}, "Time-lapse") as page:
        panel = page.get_by_role("tabpanel").filter(has=page.locator("#lm-time-lapse"))
        panel.get_by_label("Model").click()
        page.get_by_role("option", name="human-numbers", exact=True).click()
        panel.get_by_label("Prompt").fill("one . two .")
        panel.get_by_role("button", name="Show the time-lapse").click()
        page.wait_for_function(
            "() => { const columns = [...document.querySelectorAll('#lm-time-lapse .lm-lapse-column')];"
            " return columns.length === 5 && columns.every(column =>"
            " column.querySelector('.lm-lapse-text').textContent !== '…'); }", timeout=60_000)
        titles = page.locator("#lm-time-lapse .lm-lapse-column h3").all_inner_texts()
        assert titles == ["epoch 1", "epoch 3", "epoch 12", "epoch 24", "final"]
        figures = page.locator("#lm-time-lapse .lm-lapse-figure").all_inner_texts()
        assert all("perplexity" in figure and "words of training" in figure for figure in figures)
        assert page.locator("#lm-time-lapse .lm-lapse-text").last.inner_text().startswith("one. two.")

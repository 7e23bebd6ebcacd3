"""The Train view as a class sees it: a live loss chart with numeric axes,
one drawn line per split and the best epoch marked; trained models that
belong to the browser that trained them, across reloads and restarts."""

from __future__ import annotations

from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS, open_tab
from tests.support.paths import CHECKPOINTS
from tests.support.studio_server import free_port, running_studio


def live_chart_draws_lines_on_a_numeric_axis(page) -> None:
    """The Train view's live chart while a run trains: both lines drawn, five numeric ticks, the best epoch
    marked and its label inside the chart."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('#lm-train-curve polyline.lm-line')]"
        ".filter(line => line.getAttribute('points').trim().split(' ').length >= 3).length === 2",
        timeout=90_000)
    ticks = [float(value) for value in page.locator("#lm-train-curve .lm-y-tick").all_text_contents()]
    assert len(ticks) == 5 and ticks == sorted(ticks) and ticks[0] < ticks[-1]
    assert page.locator("#lm-train-curve line.lm-best").count() == 1
    label, chart = page.locator("#lm-train-curve .lm-best-label").evaluate(
        "(label) => { const box = label.getBBox(), view = label.ownerSVGElement.viewBox.baseVal;"
        " return [[box.x, box.y, box.x + box.width, box.y + box.height], [view.width, view.height]]; }")
    assert 0 <= label[0] and label[2] <= chart[0] and 0 <= label[1] and label[3] <= chart[1], (label, chart)


def start_training(page, name: str) -> None:
    open_tab(page, "Train")
    page.get_by_label("Save as").fill(name)
    page.get_by_label("Time budget (minutes)").last.fill("0.25")
    page.get_by_role("button", name="Train", exact=True).click()


def models_of_this_browser(page) -> list[str]:
    page.get_by_text("Your trained models").click()
    page.get_by_label("Trained in this browser").click()
    names = page.get_by_role("option").all_text_contents()
    page.keyboard.press("Escape")
    return [name.strip(" ✓") for name in names]


def test_a_model_trains_with_a_live_chart_and_belongs_to_its_browser_across_a_reload_and_a_restart(tmp_path):
    """One training run serves both: its live chart, then whose model it is."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        alice, bob = (browser.new_context(viewport={"width": 1280, "height": 900}).new_page() for _ in range(2))
        with running_studio(port=port, LM_USER_MODELS=str(tmp_path)) as (url, _):
            alice.goto(url)
            start_training(alice, "ours")
            live_chart_draws_lines_on_a_numeric_axis(alice)
            alice.get_by_text("saved ours").first.wait_for(timeout=120_000)
            assert (tmp_path / "ours" / "model.safetensors").is_file() and not (CHECKPOINTS / "ours").exists()
            bob.goto(url)
            start_training(bob, "ours")
            bob.get_by_text("already exists and was trained in another browser").first.wait_for(timeout=15_000)
            alice.reload()
            open_tab(alice, "Train")
            assert models_of_this_browser(alice) == ["ours"]
        with running_studio(port=port, LM_USER_MODELS=str(tmp_path)) as (url, _):  # the server restarted
            bob.reload()
            open_tab(bob, "Train")
            assert models_of_this_browser(bob) == []
            alice.reload()
            open_tab(alice, "Train")
            assert models_of_this_browser(alice) == ["ours"]
            alice.get_by_label("Trained in this browser").fill("ours")
            alice.keyboard.press("Enter")
            alice.get_by_role("button", name="Delete").click()
            alice.get_by_text("deleted ours").first.wait_for(timeout=15_000)
        browser.close()
    assert not (tmp_path / "ours").exists()

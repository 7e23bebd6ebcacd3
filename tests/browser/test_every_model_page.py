"""Every model in headless Chromium: three columns, each saying how much is new, copied spans underlined;
the word-level Shakespeare model writes a passage of several lines."""

from tests.support.browser import studio_page


def test_every_model_in_the_page(studio_url):
    with studio_page(studio_url, {"width": 1280, "height": 800}, "Every model") as page:
        page.get_by_role("button", name="Run every model").click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('#lm-every-model .lm-novelty')]"
            ".filter(note => note.textContent.includes('% new')).length === 3", timeout=60_000)
        assert page.locator("#lm-every-model .lm-copied").count() > 0
        words = page.locator('#lm-every-model [data-model="tiny-shakespeare-words"] .lm-every-text').inner_text()
        assert len([line for line in words.split("\n") if line.strip()]) >= 3, words  # the prompt's line and two more

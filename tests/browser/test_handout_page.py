"""The handout button in headless Chromium: no empty file box before a
handout is asked for; then both files are offered."""

from tests.support.browser import studio_page


def test_the_handout_button_offers_both_files(studio_url):
    with studio_page(studio_url, {"width": 1280, "height": 900}, "Generate") as page:
        button = page.get_by_role("button", name="Download a handout")
        button.wait_for()
        assert not page.locator("#lm-handout").is_visible()
        button.click()
        page.locator("#lm-handout [aria-label='handout.html']").wait_for(timeout=60_000)
        assert page.locator("#lm-handout [aria-label='handout.md']").count() == 1
        assert page.locator("#lm-handout a[data-testid='download-link']").count() == 2

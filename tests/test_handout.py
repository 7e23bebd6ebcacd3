"""The handout re-creates what the class saw: its exported call draws the same texts."""

import subprocess
import sys

from conftest import REPO
from studio.forms import COMPARE
from studio.handlers import Studio
from studio.handout import Handout, library_call
from studio.settings import Settings


def test_the_exported_call_draws_the_same_texts(tmp_path):
    handout = Handout(Studio(Settings.from_environment(REPO, environment={})))
    fields = ("tiny-shakespeare", "ROMEO:\n", COMPARE, 0.8, "0.5, 1.2", 60, 7, 0, 1.0, True)
    comparison = handout.comparison(*fields)
    result = subprocess.run([sys.executable, "-c", library_call(comparison)], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(comparison.texts)
    markdown_file, html_file = handout.files(*fields)
    text = open(markdown_file, encoding="utf-8").read()
    assert "quantize_int8" in text and 'api_name="/generate"' in text and "seed 7" in text and "% new" in text
    page = open(html_file, encoding="utf-8").read()
    assert page.startswith("<!doctype html>") and "<script" not in page and "src=" not in page
    assert comparison.texts[0].splitlines()[0] in page


def test_the_handout_button_offers_both_files(studio_url):
    import pytest

    from browser import CHROMIUM, studio_page

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with studio_page(studio_url, {"width": 1280, "height": 900}, "Generate") as page:
        page.get_by_role("button", name="Download a handout").click()
        page.locator("#lm-handout [aria-label='handout.html']").wait_for(timeout=60_000)
        assert page.locator("#lm-handout [aria-label='handout.md']").count() == 1
        assert page.locator("#lm-handout a[data-testid='download-link']").count() == 2

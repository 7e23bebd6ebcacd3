"""``/inspect``, the Inside view's API, end to end: a real studio driven
through ``gradio_client``."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_inspect_returns_per_token_readings_for_the_chosen_units(studio_client):
    result = studio_client.predict(model="tiny-shakespeare", prompt="ROMEO:\n", temperature=0.8, max_new_tokens=40, seed=1,
                            units=8, api_name="/inspect")
    assert 1 <= len(result["pieces"]) <= 40 and len(result["units"]) == 8
    for signal in ("cell", "hidden", "input_gate", "forget_gate", "output_gate"):
        assert len(result["signals"][signal]) == len(result["pieces"])
        assert all(len(row) == 8 for row in result["signals"][signal])
    assert all(0.0 <= value <= 1.0 for row in result["signals"]["forget_gate"] for value in row)
    assert set(result["rankings"]) >= {"start of a line", "capital letter"} and result["notes"] == []
    big = studio_client.predict(model="tiny-shakespeare", prompt="A", temperature=1.0, max_new_tokens=2000, seed=0,
                         units=64, api_name="/inspect")
    assert "cut to 500 tokens (asked for 2000)" in big["notes"] and len(big["pieces"]) <= 500


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(model="nope"), "unknown model 'nope'"),
        (dict(temperature=9), "temperature must be in [0, 5], got 9"),
        (dict(units=0), "units must be in [1, 512] for this model, got 0"),
        (dict(max_new_tokens=0), "max_new_tokens must be an integer in [1, 2000], got 0"),
    ],
)
def test_bad_inspect_input_comes_back_as_a_clear_error(studio_client, arguments, message):
    request = dict(model="tiny-shakespeare", prompt="ROMEO:", temperature=0.8, max_new_tokens=5, seed=0, units=4)
    with pytest.raises(Exception) as caught:
        studio_client.predict(**{**request, **arguments}, api_name="/inspect")
    assert message in str(caught.value) and "Traceback" not in str(caught.value)
    assert len(studio_client.predict(**request, api_name="/inspect")["pieces"]) == 5


def test_the_unit_that_shades_the_text_is_a_row_of_the_heatmap():
    import re

    from studio.core import Studio
    from studio.settings import Settings
    from studio.tabs.inside import Inside
    from tests.support.paths import REPO

    inside = Inside(Studio(Settings.from_environment(REPO, environment={})))
    *_, (heatmap, text, _, _) = inside.stream_view("tiny-shakespeare", "ROMEO:\n", 0.8, 60, 0, 8, "start of a line",
                                                   "cell", None)
    rows = {int(unit) for unit in re.findall(r'<tr[^>]*data-unit="(\d+)"', heatmap)}
    shaded = int(re.search(r'class="lm-unit-text" data-unit="(\d+)"', text).group(1))
    assert len(rows) == 8 and shaded in rows

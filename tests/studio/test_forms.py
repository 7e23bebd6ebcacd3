"""The studio's forms: user input to ``lm`` objects, without Gradio."""

from __future__ import annotations

import pytest

from lm.sampling import SamplingSettings
from studio import forms
from studio.settings import TRAIN_PRESETS, UPLOAD, Settings
from tests.support.paths import REPO


def test_typed_temperatures_become_numbers():
    assert forms.parse_temperatures("0.5, 0.8;1.0  1.3") == [0.5, 0.8, 1.0, 1.3]
    assert forms.parse_temperatures([0, 1.5]) == [0, 1.5]
    with pytest.raises(ValueError, match="temperatures must be numbers separated by commas, got 'warm, 1'"):
        forms.parse_temperatures("warm, 1")


def test_the_page_fields_become_sampling_settings_with_off_values_as_none():
    settings = forms.page_sampling(forms.COMPARE, 0.8, "0.5, 1", 200.0, 7.0, 0, 1.0)
    assert settings == SamplingSettings((0.5, 1.0), 200, 7, None, None)
    assert isinstance(settings.max_new_tokens, int) and isinstance(settings.seed, int)
    single = forms.page_sampling(forms.SINGLE_SAMPLE, 1.25, "ignored", 5, 0, 3.0, 0.9)
    assert single == SamplingSettings((1.25,), 5, 0, 3, 0.9)


def test_the_api_passes_values_on_for_sampling_settings_to_check():
    assert forms.api_sampling([0.7], 30.0, 2.0, None, 0.8) == SamplingSettings((0.7,), 30, 2, None, 0.8)
    with pytest.raises(ValueError, match=r"top_k must be a positive integer or None, got 0"):
        forms.api_sampling([0.7], 30, 2, 0, None)  # the API has no "off" values: 0 is refused
    with pytest.raises(ValueError, match=r"max_new_tokens must be an integer in \[1, 2000\], got 2.5"):
        forms.api_sampling([0.7], 2.5, 2, None, None)


@pytest.mark.parametrize("temperatures, message", [
    ("9", "temperature must be in [0, 5], got 9.0"),
    (", ".join(["0.5"] * 7), "give between 1 and 6 temperatures, got 7"),
    ("", "give between 1 and 6 temperatures, got 0"),
])
def test_ranges_are_checked_by_sampling_settings_alone(temperatures, message):
    with pytest.raises(ValueError) as from_form:
        forms.page_sampling(forms.COMPARE, 0.8, temperatures)
    with pytest.raises(ValueError) as from_lm:
        SamplingSettings(forms.parse_temperatures(temperatures))
    assert str(from_form.value) == str(from_lm.value) == message


def test_the_train_form_becomes_a_train_config():
    settings = Settings.from_environment(REPO, environment={})
    request = forms.train_request("Human Numbers", None, "char", list(TRAIN_PRESETS)[0], 0.5, " My-Model ", settings)
    assert request.name == "my-model" and request.sample_prompt.startswith("one .")
    config = request.config
    assert (config.corpus, config.level, config.max_minutes, config.hidden_size) == ("human-numbers", "word", 0.5, 128)
    assert config.unknown_word_rate > 0  # word models learn how likely an unseen word is
    for changes, message in [
        (dict(name="tiny-shakespeare"), "'tiny-shakespeare' is a shipped model"),
        (dict(minutes=11), r"time budget must be in \(0, 10\] minutes, got 11"),
        (dict(preset="huge"), "model size must be one of"),
        (dict(corpus_choice="/etc/passwd"), "corpus must be one of"),
        (dict(corpus_choice=UPLOAD), "upload a .txt file to train on"),
    ]:
        fields = dict(corpus_choice="Human Numbers", upload=None, level="word", preset=list(TRAIN_PRESETS)[0],
                      minutes=1, name="fine", settings=settings)
        with pytest.raises(ValueError, match=message):
            forms.train_request(**{**fields, **changes})


def test_the_automatic_size_pasted_text_and_fine_tuning(tmp_path):
    from lm.training.planning import plan_run
    from studio.settings import AUTOMATIC, PASTE

    settings = Settings.from_environment(REPO, environment={})
    automatic = forms.train_request("Human Numbers", None, "word", AUTOMATIC, 1, "auto", settings)
    from studio.settings import TRAIN_SNAPSHOTS

    plan = {"corpus": "human-numbers", "text_file": None, "level": "word", "max_minutes": 1.0,
            "snapshots": TRAIN_SNAPSHOTS}
    assert automatic.plan == plan  # the training process probes and picks from it
    assert automatic.config == plan_run(plan, probe=False).config
    pasted = forms.train_request(PASTE, None, "char", AUTOMATIC, 1, "ours", settings, pasted="We wrote this.\n" * 20)
    assert pasted.config.level == "char" and open(pasted.config.text_file).read() == "We wrote this.\n" * 20
    for text, message in (("", "the pasted text is empty"), ("a" * 5_000_001, "the pasted text is 5,000,001 bytes")):
        with pytest.raises(ValueError, match=message):
            forms.train_request(PASTE, None, "char", AUTOMATIC, 1, "ours", settings, pasted=text)
    parent = str(REPO / "checkpoints" / "tiny-shakespeare")
    tuned = forms.train_request(PASTE, None, "word", AUTOMATIC, 1, "tuned", settings, "To be, or not.\n" * 30,
                                init_from=parent)
    assert tuned.config.init_from == parent and tuned.config.level == "char" and tuned.config.hidden_size == 512
    assert f"from {parent}" in tuned.command


def test_a_pasted_poem_is_read_in_lines_and_stanzas():
    from lm.tokenizer import EOS_ID, LINE_BREAK
    from lm.training.run import prepare
    from studio.settings import PASTE

    settings = Settings.from_environment(REPO, environment={})
    stanza = "The Owl and the Pussy-cat went to sea\r\nIn a beautiful pea-green boat,\nThey took some honey.\n\n"
    request = forms.train_request(PASTE, None, "word", list(TRAIN_PRESETS)[0], 1, "poem", settings,
                                  pasted=stanza * 40)
    prepared = prepare(request.config)
    tokenizer, ids = prepared.tokenizer, prepared.ids["train"].tolist()
    assert tokenizer.line_breaks and tokenizer.rule == "cased" and "Pussy-cat" in tokenizer.index
    assert ids.count(tokenizer.index[LINE_BREAK]) == 2 * ids.count(EOS_ID)  # two breaks inside each stanza, <eos> after it
    assert tokenizer.decode(ids).startswith(stanza.replace("\r\n", "\n"))

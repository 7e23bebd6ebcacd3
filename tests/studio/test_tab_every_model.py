"""Same prompt, every model, with copied spans marked."""

from __future__ import annotations

import html

import pytest

from lm.hub import load
from lm.lesson.novelty import NgramIndex
from studio.tabs.every_model import EveryModel
from studio.html.every_model import read_note
from studio.core import Studio
from studio.html.novelty import NO_INDEX, marked_text, novelty, novelty_note
from studio.settings import Settings
from tests.support.paths import REPO


def test_copied_spans_are_underlined_and_counted(word_tokenizer):
    index = NgramIndex.build(word_tokenizer.encode("the cat sat on the mat ."), 4)
    ids = word_tokenizer.encode("the cat sat on the dog ran")
    copied = novelty(index, [], ids)
    assert copied == [True] * 5 + [False] * 2
    assert novelty_note(copied) == "29 % new" and novelty_note(None) == NO_INDEX
    marked = marked_text(word_tokenizer, "", ids, copied)
    assert ('<span class="lm-copied" data-spoken="copied from the training text: " title="in the training text">'
            'the cat sat on the</span>') in marked
    assert read_note(["zebra"], "word") == "did not know 'zebra': read as <unk>"


def test_the_shipped_models_side_by_side_show_what_they_read_and_how_much_is_new():
    studio = Studio(Settings.from_environment(REPO, environment={}))
    view = EveryModel(studio)
    assert view.default_models() == ["tiny-shakespeare", "tiny-shakespeare-words", "human-numbers"]
    page = html.unescape(list(view.view(view.default_models(), "ROMEO:\n", 0.0, 40, 0))[-1])
    assert page.count('class="lm-every-column"') == 3
    assert "did not know 'romeo'" in page and "% new" in page and NO_INDEX not in page
    assert "tiny-shakespeare · char level" in page and "human-numbers · word level" in page
    with pytest.raises(Exception, match="tick between 1 and 6 models, got 7"):
        list(view.view(["tiny-shakespeare"] * 7, "a", 1.0, 5, 0))


def test_a_greedy_shakespeare_sample_is_mostly_copied():
    model, tokenizer = load(REPO / "checkpoints" / "tiny-shakespeare")
    from lm.sampling import generate

    prompt = tokenizer.encode("ROMEO:\n")
    sample = generate(model, tokenizer, "ROMEO:\n", temperatures=[0.0], max_new_tokens=200).samples[0]
    copied = novelty(NgramIndex.load(REPO / "checkpoints" / "tiny-shakespeare"), prompt, sample.token_ids)
    assert sum(copied) / len(copied) > 0.3  # greedy text repeats phrases the model read


def test_a_sample_that_drew_eos_ends_with_its_badge_and_one_cut_at_the_limit_does_not():
    studio = Studio(Settings.from_environment(REPO, environment={}))
    page = list(EveryModel(studio).view(["tiny-shakespeare", "tiny-shakespeare-words"], "ROMEO: Zebulon", 0.5, 30,
                                        0))[-1]
    character, word = page.split('data-model="tiny-shakespeare-words"')
    assert word.count('class="lm-eos"') == 1 and word.rstrip().endswith("&lt;eos&gt;</span></div></div></div>")
    assert 'class="lm-eos"' not in character  # 30 characters, cut at the limit

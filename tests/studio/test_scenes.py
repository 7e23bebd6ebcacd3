"""Presenter mode's scene file: its format and its errors."""

from __future__ import annotations

import pytest

from studio.scenes import parse_scenes, read_scenes
from tests.support.paths import REPO


def test_the_shipped_scenes_parse_and_bad_ones_are_named(tmp_path):
    scenes = read_scenes(REPO / "scenes.toml")
    assert len(scenes) >= 6 and scenes[0].kind == "generate" and scenes[0].settings["prompt"] == "ROMEO:\n"
    for text, message in (('[[scene]]\ntitle = "x"\nkind = "dance"', "scene 1: kind must be one of"),
                          ('[[scene]]\ntitle = "x"\nkind = "text"\nmodel = "m"', "a 'text' scene takes []"),
                          ("{not toml", "is not valid TOML"), ("", "holds no [[scene]] entries")):
        with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
            parse_scenes(text, "scenes.toml")
    (tmp_path / "broken.toml").write_text("{not toml")
    fallback = read_scenes(tmp_path / "broken.toml")
    assert len(fallback) == 1 and "could not be read" in fallback[0].say


def test_the_shipped_scenes_follow_the_lesson():
    """The order and settings of the lesson: a model that writes, what it sees, the sampler, temperature
    at 0.2, 0.8 and 2.0, watching it learn, copied or new, inside, and the class's own model (the Train tab)."""
    scenes = {scene.title: scene for scene in read_scenes(REPO / "scenes.toml")}
    titles = list(scenes)
    lesson = ["A model that writes", "What the model sees", "You are the sampler", "Temperature 0.2, 0.8 and 2.0",
              "Watching it learn", "Copied or new?", "Inside the LSTM", "Your own model"]
    assert [title for title in titles if title in lesson] == lesson, titles
    assert scenes["Temperature 0.2, 0.8 and 2.0"].settings["temperatures"] == [0.2, 0.8, 2.0]
    assert titles[-1] == "Your own model" and "Train tab" in scenes["Your own model"].say

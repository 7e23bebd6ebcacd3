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

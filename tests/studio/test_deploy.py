"""One-command deploy of the studio to a Space, against the loopback stand-in Hub."""

import re

import pytest

from studio.deploy import MAX_FILE_BYTES, deploy, files_to_send
from tests.support.paths import REPO

pytestmark = pytest.mark.usefixtures("online")


@pytest.mark.slow  # sends every file of the app and the checkpoints (about 5 s)
def test_the_studio_goes_to_a_gradio_space_without_tests(hub):
    url = deploy("class/studio", endpoint=hub.endpoint, token="hf_test")
    repo = hub.repos["class/studio"]
    assert repo.kind == "space" and repo.sdk == "gradio" and "commit" in url
    files = repo.commits[repo.refs["main"]]
    for name in ("app.py", "requirements.txt", "README.md", "scenes.toml", "studio/page.py", "studio/tabs/generate.py",
                 "lm/sampling.py", "lm/training/loop.py", "checkpoints/tiny-shakespeare/model.safetensors",
                 "checkpoints/human-numbers/vocab.json"):
        assert name in files, name
    assert not any(name.startswith(("tests/", "bench/", ".venv/")) for name in files)
    assert "requirements-dev.txt" not in files  # a Space installs the app, not the test tools
    linked = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", (REPO / "README.md").read_text(encoding="utf-8"))
    assert linked and all(target in files for target in linked), [t for t in linked if t not in files]
    assert files["app.py"] == (REPO / "app.py").read_bytes()
    assert all(len(data) <= MAX_FILE_BYTES for data in files.values())


def test_a_file_too_large_for_a_space_is_refused_before_anything_is_sent(hub, tmp_path):
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / "checkpoints" / "big").mkdir(parents=True)
    (tmp_path / "checkpoints" / "big" / "model.safetensors").write_bytes(b"0" * (MAX_FILE_BYTES + 1))
    assert [path.as_posix() for path in files_to_send(tmp_path)] == ["app.py", "checkpoints/big/model.safetensors"]
    with pytest.raises(ValueError, match="store the weights in 16-bit"):
        deploy("class/big", tmp_path, endpoint=hub.endpoint, token="hf_test")
    assert "class/big" not in hub.repos

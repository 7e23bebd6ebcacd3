"""A paused run's resume state on disk: the two files of one save load
together; files of different saves are refused by name; files written
before the pairing key was renamed still load."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from lm.training.resume import STATE_JSON, STATE_TENSORS, Progress, ResumeState, has_state, load_state, save_state


def saved(folder, step: int) -> ResumeState:
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    state = ResumeState({"seed": 0}, "python train.py", Progress(step=step), model.state_dict(),
                        optimizer.state_dict(), (torch.zeros(1, 2, 4), torch.ones(1, 2, 4)), {"cpu": torch.get_rng_state()})
    folder.mkdir(parents=True, exist_ok=True)
    save_state(folder, state)
    return state


def test_a_save_loads_back_as_it_was(tmp_path):
    state = saved(tmp_path, step=7)
    assert has_state(tmp_path)
    loaded = load_state(tmp_path)
    assert loaded.progress.step == 7 and loaded.command == "python train.py"
    assert all(torch.equal(loaded.model[name], value) for name, value in state.model.items())
    assert torch.equal(loaded.carried_state[1], state.carried_state[1])


def test_files_of_different_saves_are_refused(tmp_path):
    saved(tmp_path / "first", step=1)
    saved(tmp_path / "second", step=2)
    shutil.copy(tmp_path / "second" / STATE_TENSORS, tmp_path / "first" / STATE_TENSORS)
    with pytest.raises(ValueError, match="different saves"):
        load_state(tmp_path / "first")


def test_a_save_written_with_the_old_pairing_key_still_loads(tmp_path):
    saved(tmp_path, step=3)
    meta = json.loads((tmp_path / STATE_JSON).read_text())
    identity = meta.pop("save")
    (tmp_path / STATE_JSON).write_text(json.dumps({"snapshot": identity, **meta}))
    save_file(load_file(tmp_path / STATE_TENSORS), tmp_path / STATE_TENSORS, metadata={"snapshot": identity})
    assert load_state(tmp_path).progress.step == 3

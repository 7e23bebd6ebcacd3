import pytest
import torch

from lm.data import batchify, singletons, window_count, windows, with_unknown_words


def test_batchify_cuts_rows_in_reading_order():
    rows = batchify(list(range(24)), 4)
    assert rows.shape == (4, 6)
    assert rows[1].tolist() == [6, 7, 8, 9, 10, 11]


def test_batchify_drops_the_ragged_tail():
    assert batchify(list(range(26)), 4).shape == (4, 6)


def test_windows_shift_targets_by_one_and_cover_every_row_position():
    rows = batchify(torch.arange(24), 4)
    seen = list(windows(rows, 3))
    assert len(seen) == window_count(rows, 3) == 2
    position, inputs, targets = seen[0]
    assert position == 0 and inputs.shape == (4, 3)
    assert torch.equal(targets, inputs + 1)
    assert seen[1][1].shape == (4, 2)  # the last window is shorter


def test_too_short_stream_is_a_clear_error():
    with pytest.raises(ValueError, match="too short"):
        batchify([1, 2, 3], 4)


def test_singletons_marks_the_ids_seen_exactly_once():
    assert singletons(torch.tensor([2, 3, 3, 5]), 7).tolist() == [False, False, True, False, False, True, False]


def test_with_unknown_words_replaces_only_rare_ids_at_about_the_rate_and_repeatably():
    ids = torch.arange(4).repeat(5000)  # (20000,)
    rare = torch.tensor([False, False, True, True])
    replaced = with_unknown_words(ids, rare, 0.3, unknown_id=0, seed=7)
    assert torch.equal(replaced[ids < 2], ids[ids < 2])  # common ids untouched
    changed = (replaced != ids).float()
    assert changed[ids >= 2].mean().item() == pytest.approx(0.3, abs=0.02)
    assert set(replaced[replaced != ids].tolist()) == {0}
    assert torch.equal(with_unknown_words(ids, rare, 0.3, 0, seed=7), replaced)
    assert not torch.equal(with_unknown_words(ids, rare, 0.3, 0, seed=8), replaced)
    assert torch.equal(with_unknown_words(ids, rare, 0.0, 0, seed=7), ids)

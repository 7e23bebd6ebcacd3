import pytest
import torch

from lm.data import batchify, window_count, windows


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

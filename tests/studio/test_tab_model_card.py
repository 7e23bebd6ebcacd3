"""The model card as the studio shows it."""

from studio.html.card import shown_card
from tests.support.paths import CHECKPOINTS


def test_the_model_card_view_folds_the_epoch_table_away():
    card = shown_card((CHECKPOINTS / "human-numbers" / "README.md").read_text())
    assert not card.startswith("---") and "<details><summary>the table: one row per epoch (100 rows)" in card
    assert "| 32 |" in card.split("<details>")[1]  # the rows are still there, folded
    assert "What the valid loss does after epoch 30" in card

"""The Model card tab: the checkpoint's card (front matter dropped, the
per-epoch table folded away) under its loss per epoch as a chart. It is
filled whenever the Generate tab's model changes (``studio.page``)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from lm.hub.loss_chart import loss_curve_svg
from studio.core import Studio
from studio.html.card import shown_card


@dataclass
class ModelCardView:
    curve: gr.HTML
    text: gr.Markdown


def card_and_curve(studio: Studio, name: str) -> tuple[str, str]:
    """Model ``name``'s card text and its loss per epoch as a chart."""
    entry = studio.catalog.get(name)
    card_file = entry.folder / "README.md"
    card = card_file.read_text(encoding="utf-8") if card_file.is_file() else f"# {name}\n\nNo model card."
    return shown_card(card), loss_curve_svg(entry.metrics.get("history", []), entry.metrics.get("best_epoch"))


def model_card_tab() -> ModelCardView:
    """The Model card tab."""
    curve = gr.HTML(elem_id="lm-card-curve", label="Loss per epoch")
    text = gr.Markdown()
    return ModelCardView(curve, text)

"""What colour shows, said in words: an element with ``data-spoken``
carries its value (a token's probability, a unit's reading, "copied from
the training text") as generated text that is visually hidden, for a screen
reader (copying the text does not copy the words: generated content is not
part of a selection); and a legend's swatch, a square of colour beside the
words that say what it stands for. Colour is never the only carrier of a value."""

from __future__ import annotations

import html

# What keeps generated words out of sight yet in the accessibility tree.
HIDDEN = "position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap;"
STYLE = f"""
<style>
[data-spoken]::before{{content:attr(data-spoken);{HIDDEN}}}
.lm-swatch{{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:3px;vertical-align:-1px;}}
</style>
"""


def swatch(colour: str) -> str:
    """A small square of ``colour`` beside a legend's words."""
    return f'<span class="lm-swatch" style="background:{colour}"></span>'


def spoken(words: str) -> str:
    """The attribute that has a screen reader say ``words`` before the element's own text."""
    return f' data-spoken="{html.escape(words)} "'

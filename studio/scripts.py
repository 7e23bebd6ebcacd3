"""Scripts the page runs in the browser, with no round trip to the server:
the "guess the temperature" game over the Generate view's columns.

While the switch is on, the columns (``.lm-column`` inside ``#lm-columns``,
each with its label in ``data-label``) are shown in a shuffled order, by CSS
``order``, so the page's HTML and the columns' order in it stay as the server
sent them; their headings read "A", "B", "C" from left to right. "Reveal"
writes each label beside its letter. A new Generate shuffles again and hides
the labels again. The columns are redrawn many times a second while a sample
streams (Gradio patches the HTML in place: text back to the server's, our
``style`` removed), so a ``MutationObserver`` applies the game again
after every patch, before the browser paints."""

from __future__ import annotations

_GAME = """
const game = window.lmGuess = window.lmGuess || {on: false, revealed: false, order: []};
game.apply = () => {
  const columns = [...document.querySelectorAll('#lm-columns .lm-column')];
  if (game.on && game.order.length !== columns.length) {
    game.order = columns.map((_, index) => index);
    for (let index = game.order.length - 1; index > 0; index--) {
      const other = Math.floor(Math.random() * (index + 1));
      [game.order[index], game.order[other]] = [game.order[other], game.order[index]];
    }
  }
  columns.forEach((column, index) => {
    const heading = column.querySelector('h3');
    const letter = String.fromCharCode(65 + game.order[index]);
    const label = column.dataset.label;
    const text = !game.on ? label : game.revealed ? `${letter}: ${label}` : letter;
    const order = game.on ? String(game.order[index]) : '';
    if (heading && heading.textContent !== text) heading.textContent = text;
    if (column.style.order !== order) column.style.order = order;
  });
};
if (!game.observer && document.getElementById('lm-columns')) {
  game.observer = new MutationObserver(() => game.apply());
  game.observer.observe(document.getElementById('lm-columns'),
                        {childList: true, subtree: true, characterData: true, attributeFilter: ['style']});
}
"""

# The switch: on shuffles and hides the labels, off puts the columns back.
GUESS_SWITCH = "(on) => {" + _GAME + "game.on = on; game.revealed = false; game.order = []; game.apply(); }"
GUESS_REVEAL = "() => { const game = window.lmGuess; if (game && game.on) { game.revealed = true; game.apply(); } }"
# A new Generate: shuffle again, labels hidden again.
GUESS_NEW_RUN = ("() => { const game = window.lmGuess; "
                 "if (game && game.on) { game.revealed = false; game.order = []; game.apply(); } }")

"""What the tabs show, as HTML and Markdown: pure functions of their inputs
(and accumulators of what a stream yields), one module per tab, plus the
copied-or-new marks several tabs share (``novelty``). No I/O, no Gradio;
everything user-supplied is escaped."""

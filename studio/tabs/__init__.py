"""The studio's tabs, one module each: its layout (one function that holds
its components and wires their events) and its callbacks (a class over the
``Studio``), and the endpoint it serves, if any. Generate, You are the
sampler, Every model, Time-lapse, Inside, Score, Model card, Train and
Presenter (whose scenes run the other tabs' callbacks)."""

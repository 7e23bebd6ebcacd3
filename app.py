"""LSTM Studio, the Space entry point: pick a model, type a prompt, watch
samples stream side by side across temperatures; score text; read model
cards; train your own.

``python app.py`` (or ``gradio app.py`` to reload on edits) builds the studio
of this folder's ``checkpoints/`` and ``models.json`` as the environment sets
it (see ``studio.settings``) and serves it. The app itself is ``studio/``.
"""

import os
from pathlib import Path

# Before torch loads OpenMP: a thread that finishes its share of a parallel step sleeps instead of spinning for the
# next one. A sampler click is one small LSTM step; spinning cost the server more CPU than the step itself.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from lm.runtime import limit_allocator_arenas, map_large_blocks, return_freed_memory_every  # noqa: E402

KEPT_REQUEST_RECORDS = 100

limit_allocator_arenas()  # before the server's threads start: their freed memory stays where the next one finds it
map_large_blocks()  # models' weights and long texts' logits go back to the system whole when freed
return_freed_memory_every()  # and what requests freed goes back to the system, so memory stays level
# Monitoring is off, yet Gradio keeps a record (a dict) of each past request, 10,000 by default: an hour of a
# lesson's traffic, growing all along. A hundred is plenty.
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", str(KEPT_REQUEST_RECORDS))

from studio.core import Studio  # noqa: E402
from studio.page import CSS, build_demo  # noqa: E402

demo, routes = build_demo(Studio.from_environment(Path(__file__).resolve().parent))  # module-level: Spaces and reload mode look for it

if __name__ == "__main__":
    # The plain routes (the sampler's clicks) join Gradio's on the server that launch builds.
    demo.launch(css=CSS, enable_monitoring=False, show_error=True, footer_links=["api"], app_kwargs={"routes": routes})

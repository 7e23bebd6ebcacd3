"""The Hugging Face Hub: the only code that talks to it. Checkpoints
downloaded into the shared cache and loaded from a folder or a repo id
(``cache``), published with a generated model card (``publishing``, ``card``)
and the loss chart the card shows (``loss_chart``)."""

from lm.hub.cache import HubError, download, load
from lm.hub.publishing import push

__all__ = ["HubError", "download", "load", "push"]

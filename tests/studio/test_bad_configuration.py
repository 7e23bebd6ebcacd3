"""Bad configuration never stops the studio: the real server, started with a
malformed Hub model list, serves the shipped models and its log names the
file and the problem. (Unreadable and broken checkpoint folders:
``tests/studio/test_catalog.py``.)"""

from __future__ import annotations

import pytest
from gradio_client import Client

from tests.support.studio_server import running_studio

pytestmark = pytest.mark.slow


def test_a_malformed_model_list_is_logged_and_the_shipped_models_serve(tmp_path):
    broken = tmp_path / "models.json"
    broken.write_text("{not json")
    log = tmp_path / "studio.log"
    with running_studio(log=log, LM_HUB_MODELS=str(broken)) as (url, _):
        client = Client(url, verbose=False)
        texts = client.predict(model="tiny-shakespeare", prompt="ROMEO:", temperatures=[0.8], max_new_tokens=10,
                               seed=0, top_k=None, top_p=None, api_name="/generate")
        assert len(texts) == 1 and texts[0].startswith("ROMEO:") and len(texts[0]) > len("ROMEO:")
    logged = log.read_text()
    assert f"the Hub model list {broken} is ignored" in logged and "is not valid JSON" in logged, logged

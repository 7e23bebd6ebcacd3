"""The layers, checked in fresh interpreters: ``lm`` never pulls in the app,
and importing the app's modules reads no file and loads no model; only
building the studio does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.support.paths import REPO, module_name, sources

pytestmark = pytest.mark.slow


def modules(package: str) -> list[str]:
    """Every module of ``package``, subpackages included (``__main__`` left out: running it is a command)."""
    return sorted(module_name(path) for path in sources(package) if path.stem != "__main__")


LM_MODULES = modules("lm")
STUDIO_MODULES = modules("studio")


def run_python(code: str, **environment: str) -> dict:
    """Run ``code`` in a fresh interpreter at the repository root; it prints one JSON line."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                                              **environment})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_importing_lm_leaves_the_app_out():
    loaded = run_python(f"""
        import importlib, json, sys
        import lm
        after_lm = sorted(name for name in sys.modules if name.split(".")[0] in ("gradio", "studio"))
        for name in {LM_MODULES!r}:
            importlib.import_module(name)
        after_all = sorted(name for name in sys.modules if name.split(".")[0] in ("gradio", "studio"))
        print(json.dumps([after_lm, after_all]))
    """)
    assert loaded == [[], []]


def test_importing_the_studio_reads_no_file_and_building_it_does(tmp_path):
    """Every studio module is imported with ``LM_HUB_MODELS`` naming a broken
    list: the imports succeed and open nothing of the repository's but its
    source; only building the studio reads the list, and it starts anyway:
    the broken list is logged by name and offers no Hub models."""
    broken = tmp_path / "models.json"
    broken.write_text("{not json")
    report = run_python(f"""
        import json, os, sys
        opened = []
        def record(event, arguments):
            if event == "open" and isinstance(arguments[0], (str, bytes, os.PathLike)):
                opened.append(os.fsdecode(arguments[0]))
            elif (event in ("os.listdir", "os.scandir") and arguments
                  and isinstance(arguments[0], (str, bytes, os.PathLike))):  # a path, not an open folder's number
                opened.append(os.fsdecode(arguments[0]))
        sys.addaudithook(record)
        import importlib
        for name in {STUDIO_MODULES!r}:
            importlib.import_module(name)
        imported = list(opened)
        import logging
        logged = []
        class Keep(logging.Handler):
            def emit(self, record):
                logged.append(record.getMessage())
        logging.getLogger().addHandler(Keep())
        from studio.core import Studio
        names = Studio.from_environment({str(REPO)!r}).catalog.names()
        print(json.dumps({{"imported": imported, "logged": logged, "names": names}}))
    """, LM_HUB_MODELS=str(broken))
    repository = str(REPO) + "/"
    packages = {str(REPO), *(str(init.parent) for top in ("lm", "studio")
                             for init in (REPO / top).rglob("__init__.py"))}
    touched = [path for path in report["imported"] if path == str(broken) or (
        path.startswith(repository) and not path.startswith(repository + ".venv/")
        and not path.endswith((".py", ".pyc")) and path.rstrip("/") not in packages)]
    assert touched == []
    assert not any(path.endswith(".safetensors") for path in report["imported"])
    assert any(str(broken) in line and "not valid JSON" in line for line in report["logged"]), report["logged"]
    assert report["names"][:3] == ["tiny-shakespeare", "tiny-shakespeare-words", "human-numbers"]

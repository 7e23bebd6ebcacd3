"""The folder tree is the architecture: imports run one way between the
layers, no module is named like a function its package exports, and the
packages stay small enough to read (read from the source, nothing run)."""

from __future__ import annotations

import ast
import importlib

import pytest

from tests.support.paths import REPO, module_name, sources

# package -> the packages it must not import (the layers above it, or beside it the other way)
FORBIDDEN = {
    "lm": ("studio", "gradio"),
    "lm.hub": ("lm.training", "lm.lesson"),
    "lm.lesson": ("lm.training",),
    "studio.html": ("studio.core", "studio.page", "studio.tabs"),
    "studio.training": ("studio.core", "studio.page", "studio.tabs", "studio.html"),
    "studio.core": ("studio.page", "studio.tabs"),
    "studio.tabs": ("studio.page",),
}
CORE = ("lm.training", "lm.hub", "lm.lesson")  # what the core modules of lm (top level) must not import
MAX_TOP_LEVEL = {"lm": 14, "studio": 10}


def imported(path) -> set[str]:
    """The modules ``path`` imports at run time (imports under ``if TYPE_CHECKING:`` are left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checking_only = {id(node) for branch in ast.walk(tree) if isinstance(branch, ast.If)
                     and getattr(branch.test, "id", None) == "TYPE_CHECKING" for node in ast.walk(branch)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in checking_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", [*sources("lm"), *sources("studio")], ids=lambda path: module_name(path))
def test_imports_run_one_way(path):
    name = module_name(path)
    for layer, above in FORBIDDEN.items():
        if name == layer or name.startswith(layer + "."):
            bad = sorted(module for module in imported(path) for forbidden in above
                         if module == forbidden or module.startswith(forbidden + "."))
            assert not bad, f"{name} imports {bad}, a layer above it"
    if path.parent == REPO / "lm" and path.stem not in ("__init__", "__main__"):
        bad = sorted(module for module in imported(path) if module.startswith(CORE))
        assert not bad, f"the core module {name} imports {bad}"


@pytest.mark.parametrize("package", ["lm", "studio"])
def test_the_top_level_stays_small_and_every_subpackage_says_what_it_owns(package):
    top = [path for path in (REPO / package).glob("*.py") if path.stem not in ("__init__", "__main__")]
    assert len(top) <= MAX_TOP_LEVEL[package], sorted(path.name for path in top)
    for folder in [REPO / package, *(path for path in (REPO / package).iterdir() if (path / "__init__.py").is_file())]:
        docstring = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        assert docstring and len(docstring) > 80, f"{folder.name}/__init__.py must say what the package owns"


@pytest.mark.parametrize("path", [*sources("lm"), *sources("studio")], ids=lambda path: module_name(path))
def test_modules_and_functions_stay_readable(path):
    source = path.read_text(encoding="utf-8")
    assert source.count("\n") <= 300, f"{module_name(path)} has {source.count(chr(10))} lines; split it by concept"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.endswith("_tab"):
            length = node.end_lineno - node.lineno + 1
            assert length <= 60, f"{module_name(path)}.{node.name} is {length} lines (page layouts, *_tab, excepted)"


@pytest.mark.parametrize("package", ["lm", "lm.training", "lm.hub", "lm.lesson", "studio", "studio.tabs",
                                     "studio.html", "studio.training"])
def test_no_module_is_named_like_a_function_its_package_exports(package):
    exported = {name for name in getattr(importlib.import_module(package), "__all__", ())}
    folder = REPO.joinpath(*package.split("."))
    modules = {path.stem for path in folder.glob("*.py")} | {path.name for path in folder.iterdir() if path.is_dir()}
    assert not exported & modules, f"{package} exports {sorted(exported & modules)}, also the names of its modules"

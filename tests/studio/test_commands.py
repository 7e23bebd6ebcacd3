"""Every command the documentation shows runs: each ``python ...`` command
in README.md and docs/*.md, and every ``bench/*.py`` script, answers
``--help`` with its usage and exit status 0."""

from __future__ import annotations

import concurrent.futures
import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.support.paths import REPO

pytestmark = pytest.mark.slow

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
SUBCOMMAND = re.compile(r"[a-z][a-z0-9_-]*")


def shown_lines(text: str) -> list[str]:
    """The lines of ``text``'s code blocks and the contents of its inline
    code spans (a span may run over a line break within its paragraph)."""
    shown, prose, inside = [], [], False
    for line in text.splitlines():
        if FENCE.match(line):
            inside = not inside
            prose.append("")
        elif inside:
            shown.append(line.strip())
        else:
            prose.append(line)
    for paragraph in re.split(r"\n\s*\n", "\n".join(prose)):
        shown.extend(" ".join(span.split()) for _, span in INLINE.findall(paragraph))
    return shown


def arguments_before_help(command: str) -> tuple[str, ...] | None:
    """What follows ``python`` up to where ``--help`` goes: the script, or
    ``-m`` and the module (and its subcommand, for a package run as
    ``python -m package subcommand``); None for a command not to run."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    if len(words) < 2:
        return None
    if words[1] == "-m":
        if len(words) < 3:
            return None
        module = words[2]
        package = REPO.joinpath(*module.split("."))
        if (package / "__main__.py").is_file() and len(words) > 3 and SUBCOMMAND.fullmatch(words[3]):
            return ("-m", module, words[3])
        return ("-m", module)
    script = words[1]
    if script == "app.py":  # starts the studio and serves until stopped: it has no --help
        return None
    if script.startswith("tests/"):  # a test file run as a script (``--record`` rewrites the recorded outputs)
        return None
    return (script,)


def documented_commands() -> dict[tuple[str, ...], str]:
    """Arguments before ``--help`` -> where the command is shown."""
    commands = {}
    for document in DOCUMENTS:
        for line in shown_lines(document.read_text(encoding="utf-8")):
            if line.startswith("python "):
                arguments = arguments_before_help(line)
                if arguments is not None:
                    commands.setdefault(arguments, f"{document.relative_to(REPO)}: {line}")
    for script in sorted((REPO / "bench").glob("*.py")):
        commands.setdefault((script.relative_to(REPO).as_posix(),), "bench/")
    return commands


def help_of(arguments: tuple[str, ...]) -> subprocess.CompletedProcess:
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    return subprocess.run([sys.executable, *arguments, "--help"], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env=environment)


def test_every_documented_command_and_bench_script_prints_its_usage():
    commands = documented_commands()
    assert ("train.py",) in commands and any(arguments[0] == "-m" for arguments in commands), commands
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = dict(zip(commands, pool.map(help_of, commands)))
    failed = [f"python {' '.join(arguments)} --help ({commands[arguments]}): exit {result.returncode}\n"
              f"{result.stderr[-1500:]}"
              for arguments, result in results.items()
              if result.returncode != 0 or "usage:" not in result.stdout.lower()]
    assert failed == [], "\n\n".join(failed)

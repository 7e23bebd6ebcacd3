"""Deploy the studio to a Hugging Face Space in one command, through
``huggingface_hub`` (which sends large files the way the Hub wants them):

    python -m studio.deploy user/space [--private]

Uploads the app (``app.py``, ``studio/``, ``lm/``, ``requirements.txt``,
``README.md`` with its Space front matter, ``scenes.toml``, ``models.json``),
the shipped checkpoints, and the documents and pictures the README links to
(``docs/``, ``CHANGELOG.md``), so that the Space's page shows them; tests and
benchmarks stay home. A file over 10 MB is refused before anything is sent."""

from __future__ import annotations

import argparse
import fnmatch
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# fnmatch's * matches "/" too: "lm/*.py" takes the subpackages' modules, "checkpoints/*" every file of a checkpoint.
PATTERNS = ["app.py", "requirements.txt", "README.md", "CHANGELOG.md", "scenes.toml", "models.json", "lm/*.py",
            "studio/*.py", "checkpoints/*", "docs/*.md", "docs/*.png"]
MAX_FILE_BYTES = 10_000_000


def files_to_send(root: str | Path = ROOT) -> list[Path]:
    """The files a Space needs, relative to ``root``."""
    root = Path(root)
    found = [path.relative_to(root) for path in root.rglob("*") if path.is_file()]
    return sorted(path for path in found if any(fnmatch.fnmatch(path.as_posix(), pattern) for pattern in PATTERNS))


def deploy(space_id: str, root: str | Path = ROOT, private: bool = False, token: str | None = None,
           endpoint: str | None = None) -> str:
    """Create (or reuse) the Gradio Space ``space_id`` and commit the studio to it; returns the commit's URL."""
    from huggingface_hub import HfApi

    root = Path(root)
    files = files_to_send(root)
    large = [f"{path} ({(root / path).stat().st_size / 1e6:.1f} MB)" for path in files
             if (root / path).stat().st_size > MAX_FILE_BYTES]
    if large:
        raise ValueError(f"files over {MAX_FILE_BYTES / 1e6:g} MB cannot go to a Space: {', '.join(large)}; "
                         "store the weights in 16-bit (lm.checkpoints.store_half)")
    api = HfApi(endpoint=endpoint, token=token)
    api.create_repo(space_id, repo_type="space", space_sdk="gradio", private=private, exist_ok=True)
    commit = api.upload_folder(repo_id=space_id, repo_type="space", folder_path=root,
                               allow_patterns=[path.as_posix() for path in files],
                               commit_message="Deploy LSTM Studio")
    return str(commit)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m studio.deploy", description=__doc__.split("\n\n")[0])
    parser.add_argument("space_id", help="user/space on the Hub")
    parser.add_argument("--private", action="store_true", help="create the Space as private")
    args = parser.parse_args(argv)
    try:
        url = deploy(args.space_id, private=args.private)
    except ValueError as error:
        parser.exit(1, f"error: {error}\n")
    except Exception as error:  # the Hub's own errors: authentication, permissions, network
        parser.exit(1, f"error: deploying to {args.space_id} failed: {type(error).__name__}: {error}\n")
    print(f"deployed the studio -> {url}", file=sys.stdout)


if __name__ == "__main__":
    main()

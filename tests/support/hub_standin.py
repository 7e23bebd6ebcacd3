"""A stand-in for the Hugging Face Hub on a loopback port.

A real threaded HTTP server that speaks the endpoints ``huggingface_hub``
uses to download and upload a model repo: repo info by revision, the file
tree, ``resolve`` (HEAD and GET, with ``X-Repo-Commit``, ``ETag`` and
``Content-Length``), repo creation, pre-upload and commit. Repos live in
memory as commits of ``{path: bytes}``. Faults are switched on per test:
gated repos, 404s without ``X-Error-Code``, truncated bodies, slow answers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml


@dataclass
class Repo:
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    private: bool = False
    gated: bool = False
    kind: str = "model"  # or "space", "dataset"
    sdk: str | None = None  # a Space's SDK

    def commit(self, files: dict[str, bytes], branch: str = "main", message: str = "") -> str:
        parent = self.refs.get(branch, "")
        merged = dict(self.commits.get(parent, {}))
        merged.update(files)
        digest = hashlib.sha1((parent + message + json.dumps(sorted(merged))).encode())
        for path in sorted(merged):
            digest.update(merged[path])
        sha = digest.hexdigest()
        self.commits[sha] = merged
        self.refs[branch] = sha
        return sha

    def resolve(self, revision: str) -> str | None:
        if revision in self.refs:
            return self.refs[revision]
        return revision if revision in self.commits else None


@dataclass
class Faults:
    bare_404: bool = False  # 404s without X-Error-Code (a proxy, or not a Hub at all)
    truncate: int = 0  # bodies of files larger than this many bytes stop halfway (0 = off)
    truncations_left: int = 10**9  # how many truncated answers before serving in full
    delay_seconds: float = 0.0  # every answer waits this long first


class StandInHub:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.faults = Faults()
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> StandInHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def publish(self, repo_id: str, folder: Path, branch: str = "main", message: str = "") -> str:
        """Commit every file of ``folder`` to ``repo_id``; returns the commit sha."""
        files = {path.name: path.read_bytes() for path in sorted(Path(folder).iterdir()) if path.is_file()}
        return self.repos.setdefault(repo_id, Repo()).commit(files, branch, message)


def _handler_for(hub: StandInHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        # ----- answers ---------------------------------------------------------

        def send(self, status: int, body: bytes = b"", headers: dict | None = None, head: bool = False,
                 declared_length: int | None = None) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body) if declared_length is None else declared_length))
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def send_json(self, value, status: int = 200) -> None:
            self.send(status, json.dumps(value).encode(), {"Content-Type": "application/json"})

        def error(self, status: int, code: str, message: str, head: bool = False) -> None:
            headers = {"Content-Type": "application/json"}
            if hub.faults.bare_404:
                status = 404
            else:
                headers["X-Error-Code"] = code
                headers["X-Error-Message"] = message
            self.send(status, json.dumps({"error": message}).encode(), headers, head=head)

        # ----- routing ---------------------------------------------------------

        def route(self, method: str) -> None:
            hub.requests.append(f"{method} {self.path}")
            if hub.faults.delay_seconds:
                time.sleep(hub.faults.delay_seconds)
            path = unquote(urlparse(self.path).path)
            parts = [part for part in path.split("/") if part]
            if parts[:2] in (["api", "models"], ["api", "spaces"]) and len(parts) >= 4:
                repo_id, rest = "/".join(parts[2:4]), parts[4:]
                if method == "GET" and (not rest or rest[0] == "revision"):
                    return self.repo_info(repo_id, rest[1] if len(rest) > 1 else "main")
                if method == "GET" and rest and rest[0] == "tree":
                    return self.tree(repo_id, rest[1])
                if method == "POST" and rest and rest[0] == "preupload":
                    return self.preupload()
                if method == "POST" and rest and rest[0] == "commit":
                    return self.commit(repo_id, rest[1])
            if parts[:3] == ["api", "repos", "create"] and method == "POST":
                return self.create_repo()
            if parts[:2] == ["api", "validate-yaml"] and method == "POST":
                return self.validate_yaml()
            if len(parts) >= 5 and parts[2] == "resolve" and method in ("GET", "HEAD"):
                return self.resolve("/".join(parts[:2]), parts[3], "/".join(parts[4:]), head=method == "HEAD")
            self.error(404, "EntryNotFound", f"no route for {method} {path}")

        def do_GET(self) -> None:
            self.route("GET")

        def do_HEAD(self) -> None:
            self.route("HEAD")

        def do_POST(self) -> None:
            self.route("POST")

        def body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", 0)))

        # ----- endpoints -------------------------------------------------------

        def find(self, repo_id: str, revision: str, head: bool = False) -> tuple[Repo, str] | None:
            repo = hub.repos.get(repo_id)
            if repo is None or (repo.private and not self.headers.get("Authorization")):
                self.error(401 if repo is None else 404, "RepoNotFound", "Repository not found", head)
                return None
            sha = repo.resolve(revision)
            if sha is None:
                self.error(404, "RevisionNotFound", f"Invalid rev id: {revision}", head)
                return None
            return repo, sha

        def repo_info(self, repo_id: str, revision: str) -> None:
            found = self.find(repo_id, revision)
            if found:
                repo, sha = found
                self.send_json({
                    "id": repo_id, "modelId": repo_id, "sha": sha, "private": repo.private,
                    "gated": "auto" if repo.gated else False, "disabled": False, "tags": [],
                    "siblings": [{"rfilename": name, "size": len(data)} for name, data in sorted(repo.commits[sha].items())],
                })

        def tree(self, repo_id: str, revision: str) -> None:
            found = self.find(repo_id, revision)
            if found:
                repo, sha = found
                self.send_json([
                    {"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                    for name, data in sorted(repo.commits[sha].items())
                ])

        def resolve(self, repo_id: str, revision: str, filename: str, head: bool) -> None:
            found = self.find(repo_id, revision, head)
            if not found:
                return
            repo, sha = found
            if repo.gated and not self.headers.get("Authorization"):
                return self.error(403, "GatedRepo", "Access to this repo is restricted: accept its terms", head)
            if filename not in repo.commits[sha]:
                return self.error(404, "EntryNotFound", f"{filename} does not exist at {sha}", head)
            data = repo.commits[sha][filename]
            headers = {"X-Repo-Commit": sha, "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                       "Content-Type": "application/octet-stream", "Accept-Ranges": "none"}
            faults = hub.faults
            if not head and faults.truncate and len(data) > faults.truncate and faults.truncations_left > 0:
                faults.truncations_left -= 1
                self.send(200, data[: len(data) // 2], headers, declared_length=len(data))
                self.close_connection = True
                return
            self.send(200, data, headers, head=head, declared_length=len(data))

        def create_repo(self) -> None:
            request = json.loads(self.body() or b"{}")
            repo_id = f"{request.get('organization') or 'user'}/{request['name']}"
            if repo_id in hub.repos and not request.get("exist_ok"):
                pass  # the client passes exist_ok itself and accepts a 409
            repo = hub.repos.setdefault(repo_id, Repo())
            repo.kind = request.get("type") or "model"
            repo.sdk = request.get("sdk")
            repo.private = request.get("visibility") == "private" or bool(request.get("private"))
            if not repo.refs:
                repo.commit({".gitattributes": b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"}, message="initial")
            self.send_json({"url": f"{hub.endpoint}/{repo_id}", "name": repo_id})

        def validate_yaml(self) -> None:
            """The Hub checks a model card's front matter before a commit."""
            content = json.loads(self.body())["content"]
            match = re.match(r"\A---\n(.*?)\n---\n", content, flags=re.DOTALL)
            try:
                metadata = yaml.safe_load(match.group(1)) if match else {}
                problem = None if isinstance(metadata, dict) else "metadata must be a mapping"
            except yaml.YAMLError as error:
                problem = str(error)
            if problem:
                return self.send(400, json.dumps({"errors": [{"message": problem}]}).encode(),
                                 {"Content-Type": "application/json"})
            self.send_json({"errors": [], "warnings": []})

        def preupload(self) -> None:
            request = json.loads(self.body())
            self.send_json({"files": [
                {"path": entry["path"], "uploadMode": "regular", "shouldIgnore": False} for entry in request["files"]
            ]})

        def commit(self, repo_id: str, revision: str) -> None:
            repo = hub.repos.get(repo_id)
            if repo is None:
                return self.error(404, "RepoNotFound", "Repository not found")
            files, message = {}, ""
            for line in self.body().decode().splitlines():
                item = json.loads(line)
                if item["key"] == "header":
                    message = item["value"].get("summary", "")
                elif item["key"] == "file":
                    value = item["value"]
                    files[value["path"]] = base64.b64decode(value["content"])
            sha = repo.commit(files, revision, message)
            self.send_json({"commitUrl": f"{hub.endpoint}/{repo_id}/commit/{sha}", "commitOid": sha,
                            "pullRequestUrl": None})

    return Handler

"""The real API server (on a real moto server) reporting to the GitHub double.

``hub_factory(...)`` starts both for one test: a fresh account, a profiles file, the
server with ``[api.github]`` pointing at the double (served as a GitHub Enterprise
Server, ``/api/v3``), authenticated as a GitHub App (check runs) or with a token (commit
statuses). Every request eden sent must have passed the OpenAPI check: the fixture fails
the test otherwise.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import payloads
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from github_double import GitHubDouble
from moto_snapshot import fresh_seeded_account
from payloads import SECRET

from eden.api import ApiSettings, WebhookSettings, create_app
from eden.api.auth import issue_key
from eden.api.serving import ServerThread
from eden.api.webhooks import signature
from eden.config import write_profile
from eden.errors import AwsError
from eden.github.settings import GitHubSettings
from eden.sandbox.seed import SeedInfo, sandbox_clients, sandbox_profile_values
from eden.state import SqliteStore

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
REPO = payloads.REPO
HOOK = "/api/v1/webhooks/github"
TOKEN = "ghp_" + "t" * 36
_NUMBERS = itertools.count(10)


@pytest.fixture(scope="session")
def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Hub:
    """The server, its keys, the GitHub double, and moto, for one scenario."""

    client: httpx.Client
    read_key: str
    gh: GitHubDouble
    moto_url: str
    server: Any
    number: int  # this scenario's pull request (unique in the module's shared account)

    @property
    def branch(self) -> str:
        return f"changes-{self.number}"

    @property
    def host(self) -> str:
        return f"https://api-changes-{self.number}.dev.example.com"

    def sha(self, n: int) -> str:
        """Commit ``n`` of this scenario (unique in the account, so never pushed before)."""
        return f"{n:x}{self.number:06d}".ljust(40, "0")

    def pr(self, action: str, sha: str, **kw: Any) -> dict[str, Any]:
        """A pull_request delivery of this scenario's pull request."""
        kw.setdefault("number", self.number)
        kw.setdefault("branch", self.branch if kw["number"] == self.number else None)
        return payloads.pull_request(action, sha, **kw)

    def comment(self, body: str, **kw: Any) -> dict[str, Any]:
        kw.setdefault("number", self.number)
        return payloads.comment(body, **kw)

    @property
    def reader(self) -> dict[str, str]:
        return {"x-api-key": self.read_key}

    def push(self, sha: str) -> str:
        """CI pushed the image of ``sha`` (the template: {registry}/{repo}:{sha})."""
        ecr = sandbox_clients(self.moto_url).client("ecr")
        image = ecr.batch_get_image(repositoryName="api", imageIds=[{"imageTag": "v1"}])
        manifest = image["images"][0]["imageManifest"]
        try:
            ecr.put_image(repositoryName="hello-world", imageManifest=manifest, imageTag=sha)
        except AwsError as exc:  # pushed by an earlier scenario in this account
            assert exc.code == "ImageAlreadyExistsException", exc
        return f"{REGISTRY}/hello-world:{sha}"

    def send(
        self,
        payload: dict[str, Any],
        event: str = "pull_request",
        *,
        delivery: str | None = None,
        secret: str = SECRET,
    ) -> httpx.Response:
        """Delivers like GitHub; a pull_request delivery also updates the double's PR."""
        if event == "pull_request":
            self.gh.state.pulls[(REPO.lower(), payload["number"])] = payload["pull_request"]
        body = payloads_encode(payload)
        headers = {
            "content-type": "application/json",
            "user-agent": "GitHub-Hookshot/abc1234",
            "x-github-event": event,
            "x-github-delivery": delivery or str(uuid.uuid4()),
            "x-hub-signature-256": signature(secret, body),
        }
        return self.client.post(HOOK, content=body, headers=headers)

    def done(self, response: httpx.Response, timeout: float = 60.0) -> dict[str, Any]:
        """The operation a delivery started, once it (and its reports) finished."""
        assert response.status_code == 202, response.text
        href = response.json()["operation"]["href"]
        deadline = time.monotonic() + timeout
        while True:
            op: dict[str, Any] = self.client.get(href, headers=self.reader).json()
            if op["status"] in ("succeeded", "failed"):
                return op
            if time.monotonic() > deadline:
                raise AssertionError(f"operation still {op['status']} after {timeout}s: {op}")
            time.sleep(0.02)

    def env(self, name: str) -> httpx.Response:
        return self.client.get(f"/api/v1/environments/{name}", headers=self.reader)

    def operations(self) -> list[dict[str, Any]]:
        return list(self.client.get("/api/v1/operations", headers=self.reader).json()["operations"])


def payloads_encode(payload: dict[str, Any]) -> bytes:
    import json

    return json.dumps(payload, separators=(",", ":")).encode()


@contextmanager
def running_hub(
    tmp: Path,
    moto_url: str,
    values: dict[str, Any],
    app_key: rsa.RSAPrivateKey,
    *,
    auth: str = "app",
    trigger: str = "always",
    **github: Any,
) -> Iterator[Hub]:
    values = {**values, "state": f"sqlite:///{tmp / 'state.db'}"}
    with ExitStack() as stack:
        mp = stack.enter_context(pytest.MonkeyPatch.context())
        mp.delenv("EDEN_PROFILE", raising=False)
        mp.delenv("EDEN_CONFIG", raising=False)
        mp.setenv("XDG_CONFIG_HOME", str(tmp / "xdg-config"))
        mp.setenv("XDG_DATA_HOME", str(tmp / "xdg-data"))
        gh = stack.enter_context(
            GitHubDouble(
                token=TOKEN if auth == "token" else None, app_key=app_key if auth == "app" else None
            ).running()
        )
        pem = app_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        credentials = {"app_id": "4242", "private_key": pem} if auth == "app" else {"token": TOKEN}
        settings_github = GitHubSettings(
            api_url=gh.url,
            **{
                "repositories": {REPO.lower(): "sandbox"},
                "ready_timeout": 5.0,
                "max_wait": 3.0,
                "timeout": 5.0,
                "repair_seconds": 3600.0,
                "sweep_seconds": 3600.0,
                **credentials,
                **github,
            },
        )
        config = tmp / "eden.toml"
        write_profile(config, "sandbox", values, default=True)
        store = SqliteStore(tmp / "state.db")
        stack.callback(store.close)
        _, read_secret = issue_key(store, "reader", "read")
        settings = ApiSettings(
            config=config,
            store=store,
            github=settings_github,
            webhook=WebhookSettings(
                secret=SECRET,
                registry=REGISTRY,
                image_template="{registry}/{repo}:{sha}",
                allow_forks=True,
                trigger=trigger,
                label="preview",
            ),
        )
        app = create_app(settings)
        server = stack.enter_context(ServerThread(app))
        client = stack.enter_context(httpx.Client(base_url=server.url, timeout=60))
        yield Hub(client, read_secret, gh, moto_url, app, next(_NUMBERS))
        assert gh.violations == [], "eden sent requests GitHub's description rejects"


@pytest.fixture(scope="module")
def account(moto_url: str) -> dict[str, Any]:
    """One seeded account per module (seeding costs seconds); each scenario has its own
    pull request number and branch, its own state, server and GitHub double."""
    seeded: SeedInfo = fresh_seeded_account(moto_url)
    sandbox_clients(moto_url).client("ecr").create_repository(repositoryName="hello-world")
    return sandbox_profile_values(seeded, moto_url)


@pytest.fixture
def hub_factory(
    tmp_path: Path, account: dict[str, Any], moto_url: str, app_key: rsa.RSAPrivateKey
) -> Iterator[Callable[..., Hub]]:
    with ExitStack() as stack:

        def make(**kw: Any) -> Hub:
            return stack.enter_context(running_hub(tmp_path, moto_url, account, app_key, **kw))

        yield make


@pytest.fixture
def hub(hub_factory: Callable[..., Hub]) -> Hub:
    return hub_factory()

"""`eden vars` input errors, its listing, and `eden iam-policy --secrets`: no AWS is reached."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eden.cli import main
from eden.cli.vars_cmd import print_view
from eden.config import write_profile
from eden.envs import variables
from state_records import record

ACCOUNT = "123456789012"
LISTENER = (
    f"arn:aws:elasticloadbalancing:eu-west-1:{ACCOUNT}:listener/app/shared/50dc6c495c0c9188/"
    "f2f7dc8efc522ab2"
)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "eden.toml"
    values: dict[str, Any] = {
        "cluster": "main", "reference_service": "api", "listener_arn": LISTENER,
        "zone_id": "Z0123456789ABC", "state": f"sqlite:///{tmp_path / 'state.db'}",
        "deny_secrets": ["/prod/*"], "allow_secrets": ["/previews/*"],
    }  # fmt: skip
    write_profile(path, "dev", values)
    monkeypatch.setenv("EDEN_CONFIG", str(path))
    monkeypatch.delenv("EDEN_PROFILE", raising=False)
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_iam_policy_for_the_previews_execution_role(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "iam-policy", "--secrets")
    assert code == 0, err
    statements = {s["Sid"]: s for s in json.loads(out)["Statement"]}
    assert statements["EdenPreviewsReadParameters"]["Resource"] == (
        f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/previews/*"
    )
    assert "arn:aws:ssm:*:*:parameter/prod/*" in statements["EdenPreviewsNeverRead"]["Resource"]
    assert "attach it to the reference task definition's execution role" in err
    assert "set execution_role_arn in the profile to give them their own" in err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["vars", "set", "feature/x", "NOPE"], 2, "'NOPE' is not KEY=VALUE"),
        (["vars", "set", "feature/x", "--secret", "DB"], 2, "--secret 'DB' is not KEY=VALUE"),
        (["vars", "set", "feature/x", "A=1", "--secret", "A=/previews/a"], 2, "A given twice"),
        (["vars", "unset", "feature/x", "a-b"], 2, "variable name 'a-b' is not valid"),
        (["vars", "set", "feature/x", "=on"], 2, "'=on' is not KEY=VALUE"),
        (["vars", "set", "feature/x", "--secret", "DB="], 2,
         "secret DB: '' is neither an ARN nor an SSM parameter name"),
        (["vars", "set", "feature/x", "--secret", "DB=arn:aws:kms:eu-west-1:123456789012:key/k"],
         2, "is a kms ARN: ECS reads secrets from Secrets Manager"),
        (["vars", "set", "feature/x", "--secret", "DB=prod/db"], 2,
         "has a '/' but does not start with one"),
        # Checked before the environment is looked up: wrong whichever environment.
        (["vars", "set", "feature/x", "--secret", "DB=/prod/db"], 2,
         "secret DB: /prod/db is denied by profile dev (deny_secrets: /prod/*)"),
        (["vars", "set", "feature/x", "--secret", "DB=/staging/db"], 2,
         "not in profile dev's allow_secrets"),
        (["vars", "ls", "feature/x"], 4, "no environment 'feature/x' in profile dev"),
        (["vars", "set", "feature/x", "A=1"], 4, "no environment 'feature/x' in profile dev"),
    ],
)  # fmt: skip
def test_vars_refuses_with_what_to_do(
    config: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    got, out, _err = _run(capsys, *args, "-o", "json")
    assert got == code, out
    answer = json.loads(out)
    assert message in answer["message"]
    assert answer["hint"], answer  # every refusal says what to do


def test_the_listing_shows_every_column_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    env = record("feature-login")
    arn = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:previews/db-AbCdEf:password::"
    env.extra["vars"] = {
        "env": {"LOG_LEVEL": "debug", "API_TOKEN": "tok-123", "DB_URL": "postgres://a:pw@db/x"},
        "secrets": {"DB_PASSWORD": arn},
    }
    env.extra["env_overrides"] = {"MODE": "fast"}
    print_view(env.name, variables.view(env))
    assert capsys.readouterr().out.splitlines() == [
        "NAME         KIND    VALUE",
        "API_TOKEN    value   ****",
        "DB_PASSWORD  secret  " + arn,
        "DB_URL       value   postgres://a:****@db/x",
        "LOG_LEVEL    value   debug",
        "(**** hides values whose names look secret: --show-values shows them)",
        "the last deploy also had --env MODE=fast (for that deploy only)",
    ]
    env.extra["vars"], env.extra["env_overrides"] = {}, {}
    print_view(env.name, variables.view(env))
    assert capsys.readouterr().out == (
        "feature-login has no variables of its own (`eden vars set feature-login KEY=VALUE`)\n"
    )

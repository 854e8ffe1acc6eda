"""AwsClients share a botocore session when their settings fix everything it reads, and
nothing else: each set keeps its own clients and handlers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from eden.aws.clients import AwsClients, AwsSettings

# Nothing listens there; no call in these tests gets as far as the network.
FIXED = AwsSettings(
    region="eu-west-1",
    endpoint_url="http://127.0.0.1:9",
    access_key_id="k",
    secret_access_key="s",
)


class StoppedBy(Exception):
    pass


def _stop(name: str) -> Any:
    def handler(**_: Any) -> None:
        raise StoppedBy(name)

    return handler


def test_fixed_settings_share_one_session_and_keep_their_own_handlers() -> None:
    a, b = AwsClients(FIXED), AwsClients(FIXED)
    a.on("before-call.sts.GetCallerIdentity", _stop("a"))
    b.on("before-call.sts.GetCallerIdentity", _stop("b"))

    assert a.client("sts").meta is not b.client("sts").meta  # clients of their own
    assert a._get_session() is b._get_session()
    with pytest.raises(StoppedBy, match=r"^a$"):
        a.client("sts").get_caller_identity()
    with pytest.raises(StoppedBy, match=r"^b$"):
        b.client("sts").get_caller_identity()
    assert a.region == b.region == "eu-west-1"


def test_a_handler_added_to_one_set_after_its_clients_exist_stays_there() -> None:
    a, b = AwsClients(FIXED), AwsClients(FIXED)
    a.client("sts"), b.client("sts")
    b.on("before-call.sts.GetCallerIdentity", _stop("b"))
    a.on("before-call.sts.GetCallerIdentity", _stop("a"))
    with pytest.raises(StoppedBy, match=r"^a$"):
        a.client("sts").get_caller_identity()


def test_different_settings_or_keys_from_the_environment_get_sessions_of_their_own() -> None:
    other_region = AwsSettings(**{**FIXED.__dict__, "region": "us-east-1"})
    assert AwsClients(FIXED)._get_session() is not AwsClients(other_region)._get_session()
    # Keys left to the credential chain: read from the environment each time.
    chain = AwsSettings(region="eu-west-1", endpoint_url="http://127.0.0.1:9")
    assert AwsClients(chain)._get_session() is not AwsClients(chain)._get_session()
    no_region = AwsSettings(**{**FIXED.__dict__, "region": None})
    assert AwsClients(no_region)._get_session() is not AwsClients(no_region)._get_session()


def test_a_shared_session_still_turns_aws_errors_into_edens() -> None:
    """The mixin is registered once per session, and every client class gets it."""
    a, b = AwsClients(FIXED), AwsClients(FIXED)
    for clients in (a, b):
        client = clients.client("sts")
        assert type(client).__mro__[1].__name__ == "Translating"


def test_sets_on_one_shared_session_build_clients_from_many_threads_at_once() -> None:
    """botocore sessions are not thread-safe: the shared one builds one client at a time,
    and every thread still gets a working client with only its own handler."""
    sets = [AwsClients(FIXED) for _ in range(8)]
    for i, clients in enumerate(sets):
        clients.on("before-call.sts.GetCallerIdentity", _stop(str(i)))

    def call(i: int) -> str:
        try:
            sets[i].client("sts").get_caller_identity()
        except StoppedBy as stopped:
            return str(stopped)
        return "not stopped"

    with ThreadPoolExecutor(max_workers=8) as threads:
        assert list(threads.map(call, range(8))) == [str(i) for i in range(8)]
    assert len({id(s._get_session()) for s in sets}) == 1

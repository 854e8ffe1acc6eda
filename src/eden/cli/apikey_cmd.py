"""`eden apikey create | ls | revoke`: the keys the HTTP API accepts.

Keys live in the profile's state store (the server reads its default profile's store),
hashed: the secret is printed once, at creation, and cannot be shown again.
"""

from __future__ import annotations

import click
from rich.table import Table

from eden.api.keys import SCOPES, issue_key
from eden.cli.common import Options, common_options, done, err, out, print_json, when
from eden.errors import NotFound
from eden.state.base import StateStore, open_store


def _store(opts: Options) -> StateStore:
    return open_store(opts.load().state_url())


@click.group()
def apikey() -> None:
    """API keys for `eden serve` (read: list and show; write: also create and delete)."""


@apikey.command()
@click.option("--name", required=True, help="Who or what uses the key, e.g. ci-github.")
@click.option(
    "--scope", type=click.Choice(SCOPES), default="read", show_default=True, help="What it may do."
)
@common_options()
def create(name: str, scope: str, opts: Options) -> None:
    """Create a key and print its secret (shown this once only)."""
    store = _store(opts)
    try:
        key, secret = issue_key(store, name, scope)
    finally:
        store.close()
    if opts.json:
        print_json({**key.as_dict(), "secret": secret})
        return
    out.print(f"created key [bold]{key.id}[/bold] ({key.name}, {key.scope})")
    click.echo(secret)
    err.print("store the secret now: eden keeps only its hash and cannot show it again")


@apikey.command(name="ls")
@common_options()
def ls(opts: Options) -> None:
    """List the keys (never their secrets)."""
    store = _store(opts)
    try:
        keys = store.list_api_keys()
    finally:
        store.close()
    if opts.json:
        print_json([k.as_dict() for k in keys])
        return
    if not keys:
        out.print("no API keys (create one with `eden apikey create --name NAME`)")
        return
    table = Table(box=None, pad_edge=False)
    for col in ("ID", "NAME", "SCOPE", "CREATED", "STATE"):
        table.add_column(col, no_wrap=True)
    for k in keys:
        table.add_row(
            k.id, k.name, k.scope, when(k.created_at), "revoked" if k.revoked else "active"
        )
    out.print(table, width=max(out.width, 200), crop=False)


@apikey.command()
@click.argument("key_id")
@common_options()
def revoke(key_id: str, opts: Options) -> None:
    """Revoke key KEY_ID at once; requests using it get 401 from then on."""
    store = _store(opts)
    try:
        revoked = store.revoke_api_key(key_id)
    finally:
        store.close()
    if not revoked:
        raise NotFound(f"no active API key {key_id!r}", hint="list them with `eden apikey ls`")
    done(opts, f"revoked key {key_id}", {"revoked": key_id})

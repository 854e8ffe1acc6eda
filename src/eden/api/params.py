"""What the REST routes take from FastAPI, named once: the context, the two kinds of key,
and the ``profile`` query parameter every route accepts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from eden.api.context import ApiContext, ctx, read_key, write_key
from eden.state.base import ApiKey

Ctx = Annotated[ApiContext, Depends(ctx)]
Reader = Annotated[ApiKey, Depends(read_key)]
Writer = Annotated[ApiKey, Depends(write_key)]
ProfileQ = Annotated[
    str | None, Query(max_length=64, description="Profile (default: the server's).")
]

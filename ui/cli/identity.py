"""Who a CLI write is done as: the local operator, or ``--as NAME`` proved by that user's API key.

Every CLI write (``troly ingest``, ``troly docs remove``) goes through the service like the API's, so it is audited
(channel "cli") and a file stamped above the identity's clearance is refused. The operator at the machine can read
the data dir anyway, so without ``--as`` the CLI acts as ``cli:<login>`` with the admin role and every clearance;
``--as`` narrows that to a registered user, whose key is read from ``TROLY_API_KEY`` (never from the command line,
where it would land in the shell history and the process list).
"""

from __future__ import annotations

import getpass
import os
from typing import Any

import typer

AS_HELP = "Act as this registered user (its API key in the TROLY_API_KEY environment variable): audited under that "
AS_HELP += "name, refused above its clearance."


def cli_user(settings: Any, as_name: str | None) -> Any:
    """The identity of a CLI write, or a one-line Vietnamese error and exit code 2."""
    from service.auth import User, UserStore

    if not as_name:
        try:
            login = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (containers)
            login = str(os.getuid()) if hasattr(os, "getuid") else "local"
        return User(name=f"cli:{login}", role="admin", clearance="tuyet_mat")
    key = os.environ.get("TROLY_API_KEY", "")
    if not key:
        typer.echo(f"Lỗi: --as {as_name} cần khoá API của người dùng này trong biến môi trường TROLY_API_KEY", err=True)
        raise typer.Exit(2)
    user = UserStore.for_data_dir(settings.data_dir).authenticate(key)
    if user is None or user.name != as_name:
        typer.echo(f"Lỗi: khoá API trong TROLY_API_KEY không phải của người dùng {as_name!r}", err=True)
        raise typer.Exit(2)
    return user

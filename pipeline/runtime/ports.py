"""A port that must be free before a process starts to serve on it."""

from __future__ import annotations

import socket

from pipeline.errors import ConfigurationError


def check_port_free(host: str, port: int, what: str, flag: str) -> None:
    """A port another process holds is one clear error, before anything starts."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise ConfigurationError(
            f"the {what} {port} on {host} is not free ({exc.strerror}): another "
            f"`wirewatch run`? Pick another with {flag}"
        ) from None

"""wirewatch's exceptions.

WirewatchError
├── ConfigurationError      a setting cannot work (bad URL, unknown model, ...)
├── BrokerError             the Kafka broker cannot be reached or started
├── InvalidArticle          an input message breaks the contract; goes to the DLQ
├── StoreUnavailable        the SQL store does not answer; the caller retries
├── StackError              the local stack (broker + workers) did not finish its work
├── EvalError               a corpus cannot be evaluated as it is
├── CorrectionRejected      an editor's correction names what is not there, or cannot be
└── CorrectionTimeout       no worker applied a correction in time
"""

from __future__ import annotations


class WirewatchError(Exception):
    """Root of every error wirewatch raises on purpose."""


class ConfigurationError(WirewatchError):
    pass


class BrokerError(WirewatchError):
    pass


class StoreUnavailable(WirewatchError):
    pass


class InvalidArticle(WirewatchError):
    """`reason` is a short stable code for dashboards; `detail` says what to fix."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class StackError(WirewatchError):
    """A worker of the local stack exited, or the articles were not all stored in time."""


class EvalError(WirewatchError):
    """The corpus cannot be evaluated as it is."""


class CorrectionRejected(WirewatchError):
    """An editor's correction that cannot be applied (an unknown id, an article that is
    not in the event named): the CLI and the dashboard say why, the stage dead-letters it."""


class CorrectionTimeout(WirewatchError):
    """A correction was sent but no worker recorded it in time: is `wirewatch run` up?"""

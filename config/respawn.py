"""Run one process of the Procfile, and start it again whenever it exits.

    python -m config.respawn <name> -- <command> [args...]

honcho, which runs the Procfile, has no restart policy: when one process exits it stops all
the others (a crashed flash-sale consumer would take the web server down with it). systemd,
supervisord or an orchestrator restart a process on their own, but a Procfile deployment has
none of them, so each line runs through this wrapper: a process that exits is logged (a JSON
line, like every other) and started again after a pause (1 s, doubling up to 30 s while it
keeps failing within a minute); the others never notice. SIGTERM or SIGINT is passed to the
process and stops the wrapper with it, so honcho's Ctrl-C still stops everything.
"""

from __future__ import annotations

import logging
import logging.config
import os
import signal
import subprocess
import sys
import threading
import time

logger = logging.getLogger("kuaimai.respawn")


def _configure_logging() -> None:
    from config.logs import logging_config

    debug = os.environ.get("DEBUG", "").lower() in ("1", "true", "yes", "on")
    log_format = os.environ.get("LOG_FORMAT") or ("console" if debug else "json")
    logging.config.dictConfig(logging_config(log_format, "INFO", {}))


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m config.respawn <name> -- <command> [args...]", file=sys.stderr)
        return 2
    _configure_logging()
    name, command = argv[0], argv[2:]
    stopping = threading.Event()
    child: subprocess.Popen | None = None

    def forward(signum, frame):
        stopping.set()
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    pause = 1.0
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)  # noqa: S603 - the Procfile's own command line
        code = child.wait()
        if stopping.is_set():
            return code
        pause = 1.0 if time.monotonic() - started > 60 else min(30.0, pause * 2)
        logger.error(
            "%s exited with code %s; starting it again in %.0f s",
            name,
            code,
            pause,
            extra={"procfile_process": name, "returncode": code},
        )
        if stopping.wait(pause):
            return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

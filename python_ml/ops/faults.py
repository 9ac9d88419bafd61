"""Fault injection for the tests: stop a run at a named point so it can be SIGKILLed there."""

from __future__ import annotations

import os
import time
from pathlib import Path


def pause_point(name: str) -> None:
    """With OPEN_POWER_PAUSE_AT=<name>, touch the file named by OPEN_POWER_PAUSE_FILE and
    sleep, so a test can SIGKILL the run at a known point. Does nothing otherwise."""
    if os.environ.get("OPEN_POWER_PAUSE_AT") != name:
        return
    marker = os.environ.get("OPEN_POWER_PAUSE_FILE")
    if marker:
        Path(marker).write_text(str(os.getpid()))
    time.sleep(float(os.environ.get("OPEN_POWER_PAUSE_SECONDS", "600")))

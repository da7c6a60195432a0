"""This process's peak resident memory, and resetting it between steps (Linux).

``VmHWM`` in ``/proc/self/status`` is the high-water mark since exec (not getrusage's
``ru_maxrss``, which a forked child inherits from its parent); writing ``5`` to
``/proc/self/clear_refs`` resets it to the current resident size, so each step's peak
can be read apart. Elsewhere the peak is getrusage's and cannot be reset.
"""

from __future__ import annotations

import resource
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR = Path("/proc/self/clear_refs")


def peak_mb() -> float:
    """Peak resident memory in MB since exec or the last :func:`reset_peak`."""
    if _STATUS.exists():
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def reset_peak() -> bool:
    """Start a new high-water mark; False where the system cannot."""
    try:
        _CLEAR.write_text("5")
    except OSError:
        return False
    return True

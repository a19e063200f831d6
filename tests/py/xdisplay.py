"""A virtual X display for the napari tests (Xvfb), when none is set.

The server lives as long as the test process: Qt keeps its X connection
until the interpreter exits and aborts if the server goes first, so Xvfb is
not stopped by the tests but dies with its parent (PR_SET_PDEATHSIG).
"""
import ctypes
import os
import signal
import shutil
import subprocess
import time


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class VirtualDisplay:
    """Starts Xvfb on a free display number (kept until the process ends)."""

    def __init__(self, size="1280x1024x24"):
        self.proc = None
        if os.environ.get("DISPLAY"):
            return
        xvfb = shutil.which("Xvfb")
        if xvfb is None:
            raise RuntimeError("Xvfb is not installed (make deps installs the xvfb "
                               "Debian package)")
        for num in range(90, 140):
            if os.path.exists(f"/tmp/.X{num}-lock"):
                continue
            self.proc = subprocess.Popen([xvfb, f":{num}", "-screen", "0", size,
                                          "-nolisten", "tcp"],
                                         stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL,
                                         preexec_fn=_die_with_parent)
            for _ in range(100):
                if os.path.exists(f"/tmp/.X11-unix/X{num}"):
                    os.environ["DISPLAY"] = f":{num}"
                    return
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
            self.proc.terminate()
            self.proc.wait(timeout=10)
        raise RuntimeError("could not start Xvfb")


_display = None


def ensure_display():
    """Starts one Xvfb per process if no DISPLAY is set."""
    global _display
    if _display is None:
        _display = VirtualDisplay()
    return _display

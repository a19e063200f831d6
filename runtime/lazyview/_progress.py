"""Progress bars for long work, on a terminal only.

``View.compute()`` hands ``compute_bar`` to the C fill (runtime/compute.c),
which asks it for a bar once a job has run for a second; the TIFF reader wraps long page
scans in ``iterate``.  Bars are ``tqdm.auto``'s: a text bar on standard
error when it is a terminal, a widget in a Jupyter notebook, none
otherwise (unless the caller forces one), so logs, pipes and tests stay
clean.  Without tqdm installed there are no bars.
"""
import sys


DELAY = 1.0  # seconds of work before a bar appears


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


def on_terminal():
    """True when someone watches: standard error is a terminal, or this
    runs in a Jupyter kernel (tqdm.auto then draws a notebook widget)."""
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    return in_notebook()


def in_notebook():
    """True inside a Jupyter (IPython) kernel; never imports IPython."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    shell = get() if get else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def bytes_bar(total, desc, initial=0):
    """A tqdm bar counting bytes on standard error, or None without tqdm."""
    tqdm = _tqdm()
    if tqdm is None:
        return None
    return tqdm(total=total, initial=initial, unit="B", unit_scale=True,
                unit_divisor=1024, desc=desc, leave=False)


def compute_bar(total, done, force):
    """A bar for View.compute(), or None (not a terminal)."""
    return bytes_bar(total, "lazyview compute", done) if force or on_terminal() else None


def iterate(iterable, *, total=None, desc=None):
    """`iterable`, with a bar after DELAY seconds when on a terminal."""
    tqdm = _tqdm()
    if tqdm is None or not on_terminal():
        return iterable
    return tqdm(iterable, total=total, desc=desc, delay=DELAY, leave=False)


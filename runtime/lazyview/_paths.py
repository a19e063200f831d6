"""Where the C API lives, for C, Julia and other FFI users."""
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def get_include():
    """The folder holding ``lazyview/lazyview.h``, the public C header.

    Installed packages ship the header inside the package; a source checkout
    built in place (``make``) uses the one in ``src/include``.

    Example::

        >>> import lazyview as lv
        >>> import os
        >>> os.path.exists(os.path.join(lv.get_include(), "lazyview", "lazyview.h"))
        True

    (``cc -I"$(python -c 'import lazyview; print(lazyview.get_include())')" ...``)
    """
    shipped = os.path.join(_HERE, "include")
    if os.path.exists(os.path.join(shipped, "lazyview", "lazyview.h")):
        return shipped
    tree = os.path.join(os.path.dirname(os.path.dirname(_HERE)), "src", "include")
    if os.path.exists(os.path.join(tree, "lazyview", "lazyview.h")):
        return tree
    raise FileNotFoundError("lazyview/lazyview.h is neither in the package nor in "
                            "a source tree next to it")


def get_library():
    """The shared object that exports the C API (``lv_*`` symbols).

    It is the extension module itself: load it from a process that runs
    Python (ctypes, Julia's PythonCall/PyCall), e.g.
    ``ctypes.CDLL(lv.get_library()).lv_version``.

    Example::

        >>> import ctypes, lazyview as lv
        >>> lib = ctypes.CDLL(lv.get_library())
        >>> lib.lv_version.restype = ctypes.c_char_p
        >>> lib.lv_version().decode() == lv.__version__
        True
    """
    from . import _core
    return _core.__file__

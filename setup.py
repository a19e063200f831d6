"""Builds lazyview._core: the C core (src/, codegen/) plus the CPython
extension (runtime/), in one shared object.  `make` calls this with
build_ext --inplace; `pip install .` and `python -m build` use it through
pyproject.toml.

Two files are generated here before the build: codegen/templates_gen.c (the
templates compiled into the library) and runtime/lazyview/include/lazyview/
lazyview.h, a copy of the public C header shipped in the wheel for
lazyview.get_include() (C and Julia users)."""
import glob
import os
import runpy
import shutil
import sys

import numpy as np
from setuptools import Extension, setup

# A build against NumPy 1.x cannot run on NumPy 2 and needs symbols that only
# NumPy 2's headers provide; a build against NumPy 2 runs on 1.26 as well.
if int(np.__version__.split(".")[0]) < 2:
    sys.exit(f"lazyview must be built against NumPy >= 2 (found {np.__version__}); "
             "the wheel then runs on NumPy 1.26 and 2.x")

HERE = os.path.dirname(os.path.abspath(__file__))

# the templates and portable helpers, compiled into the library
runpy.run_path(os.path.join(HERE, "codegen", "embed_templates.py"), run_name="embed")["main"]()


def copy_header():
    """The public header into the package, where get_include() finds it."""
    src = os.path.join(HERE, "src", "include", "lazyview", "lazyview.h")
    dst_dir = os.path.join(HERE, "runtime", "lazyview", "include", "lazyview")
    os.makedirs(dst_dir, exist_ok=True)
    dst = os.path.join(dst_dir, "lazyview.h")
    if not os.path.exists(dst) or open(src, "rb").read() != open(dst, "rb").read():
        shutil.copyfile(src, dst)


copy_header()

sources = sorted(set(glob.glob("src/*.c") + glob.glob("codegen/*.c") +
                     glob.glob("runtime/*.c")))

headers = sorted(glob.glob("src/*.h") + glob.glob("src/include/lazyview/*.h") +
                 glob.glob("codegen/*.h") + glob.glob("runtime/*.h"))

core = Extension(
    "lazyview._core",
    sources=sources,
    depends=headers,  # a changed header rebuilds every object
    include_dirs=["src", "src/include", "codegen", "runtime", np.get_include()],
    # calls inside the library bind directly, not through the PLT: the C API
    # is exported for ctypes users, but nothing interposes it
    extra_compile_args=["-std=c11", "-fvisibility=hidden", "-ffp-contract=off",
                        "-fno-semantic-interposition",
                        "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
                        "-Wno-missing-field-initializers", "-Wno-cast-function-type"],
    define_macros=[("_POSIX_C_SOURCE", "200809L"),
                   # the oldest NumPy the wheel supports at run time
                   ("NPY_TARGET_VERSION", "NPY_1_25_API_VERSION")],
    extra_link_args=["-Wl,-Bsymbolic-functions"],
    libraries=["m", "pthread"],
)

setup(ext_modules=[core])

"""Builds lazyview._core: the C core (src/, codegen/) plus the CPython
extension (runtime/), in one shared object.  `make` calls this with
build_ext --inplace; `pip install .` uses it through pyproject.toml."""
import glob
import runpy

import numpy as np
from setuptools import Extension, setup

# the templates and portable helpers, compiled into the library
runpy.run_path("codegen/embed_templates.py", run_name="embed")["main"]()

sources = sorted(set(glob.glob("src/*.c") + glob.glob("codegen/*.c") +
                     glob.glob("runtime/*.c")))

headers = sorted(glob.glob("src/*.h") + glob.glob("src/include/lazyview/*.h") +
                 glob.glob("codegen/*.h") + glob.glob("runtime/*.h"))

core = Extension(
    "lazyview._core",
    sources=sources,
    depends=headers,  # a changed header rebuilds every object
    include_dirs=["src", "src/include", "codegen", "runtime", np.get_include()],
    extra_compile_args=["-std=c11", "-fvisibility=hidden", "-ffp-contract=off",
                        "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
                        "-Wno-missing-field-initializers", "-Wno-cast-function-type"],
    define_macros=[("_POSIX_C_SOURCE", "200809L")],
    libraries=["m", "pthread"],
)

setup(ext_modules=[core])

"""Shared pytest setup: import lazyview from the in-place build in runtime/."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# LV_TEST_PACKAGE_DIR points the tests at another build of the package (the
# sanitizer build of `make pytest-san`); by default, the in-place build.
RUNTIME = os.environ.get("LV_TEST_PACKAGE_DIR") or os.path.join(ROOT, "runtime")
if RUNTIME not in sys.path:
    sys.path.insert(0, RUNTIME)
# subprocesses (dask.distributed workers, generated scripts) import it too
os.environ["PYTHONPATH"] = os.pathsep.join(
    [RUNTIME] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "lazyview",
    max_examples=int(os.environ.get("LV_HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("lazyview")


@pytest.fixture
def rng():
    import numpy as np
    return np.random.default_rng(1234)


@pytest.fixture(scope="module")
def cluster():
    """A two-process dask.distributed client, one per test module; while it
    lives it is the default scheduler, so modules use it in their last tests."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as c, \
            distributed.Client(c) as client:
        yield client

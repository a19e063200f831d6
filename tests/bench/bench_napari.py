"""make bench, P5: napari's first frame and panning over a 10^10-element lazy array.

Runs in a fresh process (under Xvfb when there is no display) so that peak
RSS is the viewer's own: the time from an existing viewer to the first
rendered frame of the spec opened through the plugin, the peak resident
memory, and the time per frame while panning across level-0 tiles.
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = "arange(10_000_000_000, dtype=\"<f4\").reshape(100_000, 100_000)\n"


def child():
    import napari
    import numpy as np
    import lazyview  # noqa: F401
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1200, 900)
    viewer.screenshot(canvas_only=True, flash=False)   # the viewer exists, drawn once
    # napari imports much on its first layer (xarray and pandas when they are
    # installed, ~0.6 s here): pay that once with a tiny NumPy layer, so the
    # figure below is what opening the lazy array costs
    viewer.add_image(np.zeros((2, 2), "f4"))
    viewer.screenshot(canvas_only=True, flash=False)
    viewer.layers.clear()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    path = os.path.join(tempfile.mkdtemp(), "huge.lzv")
    with open(path, "w") as f:
        f.write(SPEC)
    t = time.perf_counter()
    layer = viewer.open(path, plugin="lazyview")[0]
    shot = viewer.screenshot(canvas_only=True, flash=False)
    first = time.perf_counter() - t
    assert shot[..., :3].max() > 0, "the first frame is black"
    # zoom to level 0 around the middle, then pan tile by tile
    viewer.camera.zoom = 1.0
    cy, cx = 50_000, 50_000
    viewer.camera.center = (cy, cx)
    viewer.screenshot(canvas_only=True, flash=False)
    pans = []
    for k in range(1, 11):
        viewer.camera.center = (cy, cx + 512 * k)
        t = time.perf_counter()
        viewer.screenshot(canvas_only=True, flash=False)
        pans.append(time.perf_counter() - t)
    levels = [lv.shape for lv in layer.data]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RESULT {first:.3f} {statistics.median(pans):.4f} {rss:.0f} {rss0:.0f} "
          f"{len(levels)}")
    viewer.close()


def main():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "runtime"))
    cmd = [sys.executable, __file__, "--child"]
    if not env.get("DISPLAY"):
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24"] + cmd
    runs = []
    for _ in range(3):
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
        line = [ln for ln in r.stdout.splitlines() if ln.startswith("RESULT")]
        if r.returncode or not line:
            print(r.stdout[-2000:], r.stderr[-4000:])
            raise SystemExit("the napari benchmark failed")
        runs.append([float(x) for x in line[0].split()[1:]])
    first = statistics.median(r[0] for r in runs)
    pan = statistics.median(r[1] for r in runs)
    rss = max(r[2] for r in runs)
    base = statistics.median(r[3] for r in runs)
    print("\nP5  napari: 10^10-element lazy array (arange, float32, 100000 x 100000),")
    print(f"    opened through the plugin ({int(runs[0][4])} pyramid levels), 3 fresh processes")
    print(f"  {'first rendered frame after the viewer exists':52s} {first * 1e3:9.0f} ms")
    print(f"  {'one frame while panning level-0 tiles (median)':52s} {pan * 1e3:9.1f} ms")
    print(f"  {'peak RSS (the empty viewer alone: %.0f MB)' % base:52s} {rss:9.0f} MB")
    print(f"  -> first frame {first:.2f} s (goal <= 1 s), peak RSS {rss:.0f} MB (goal <= 1 GB)")
    return first, rss


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()

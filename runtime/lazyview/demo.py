"""`make demo`: lazyview's main job on built-in defaults.

1. The seed's mandrill chain, Julia's
   ``PermutedDimsArray(reinterpret(UInt8, channelview(img)), (2,3,1))``, over
   a real RGB photograph held column-major as Julia holds it: a zero-copy
   ndarray, with a write seen both ways.
2. The seed range ``reshape(1:100_000_000, 100, 1_000_000)`` built lazily,
   and a tile computed without allocating the range.
3. Specs and generated scripts (native and portable) written to disk and run.
4. A headless napari screenshot of a 10^10-element lazy array shown as a
   multiscale image (needs an X display; `make demo` provides Xvfb).

Run: python -m lazyview.demo [OUTDIR]  (default: ./out)
"""
import os
import subprocess
import sys
import time

import numpy as np

import lazyview as lv

RGB = np.dtype([("r", "u1"), ("g", "u1"), ("b", "u1")])


def say(msg=""):
    print(msg, flush=True)


def photograph():
    """A 512x512 RGB photograph shipped with scikit-image (napari needs it)."""
    try:
        from skimage import data
        return data.astronaut(), "scikit-image's astronaut (512x512 RGB)"
    except Exception:  # noqa: BLE001 -- fall back to a synthetic image
        i, j = np.mgrid[0:512, 0:512]
        img = np.stack([i % 256, j % 256, (i + j) % 256], axis=-1).astype(np.uint8)
        return img, "a generated 512x512 RGB gradient"


def mandrill_chain(out):
    img, what = photograph()
    h, w, _ = img.shape
    # Julia's Matrix{RGB{N0f8}}: column-major records, pixel (i, j) at 3*(i + h*j)
    julia = bytearray(np.asfortranarray(img.view(RGB).reshape(h, w)).tobytes(order="F"))
    v = (lv.from_buffer(julia, RGB, (h, w), order="F")
         .reinterpret("u1", axis=0).transpose(1, 2, 0))
    a = lv.asarray(v)
    say(f"1. mandrill chain over {what}, held column-major like Julia")
    say("   lv.from_buffer(buf, rgb, (512, 512), order='F')"
        ".reinterpret('u1', axis=0).transpose(1, 2, 0)")
    say(f"   -> {type(a).__name__} {a.shape} {a.dtype}, strides {a.strides}, "
        f"shares memory: {np.shares_memory(a, np.frombuffer(julia, np.uint8))}")
    assert np.array_equal(a, img)
    a[0, 0] = (255, 0, 0)
    say(f"   Python wrote pixel (0,0) = red; Julia's bytes now {list(julia[:3])}")
    julia[3 * (10 + h * 20) + 1] = 123
    say(f"   Julia wrote green at (10,20) = 123; Python reads {a[10, 20, 1]}")
    raw = os.path.join(out, "astronaut.raw")
    with open(raw, "wb") as f:
        f.write(julia)
    spec = os.path.join(out, "mandrill.lzv")
    with open(spec, "w") as f:
        f.write("rgb = True\n"
                f'img = open_raw("{raw}", dtype=[("r", "u1"), ("g", "u1"), ("b", "u1")],\n'
                f"               shape=({h}, {w}), order=\"F\")\n"
                'img.reinterpret("u1", axis=0).transpose(1, 2, 0)\n')
    say(f"   spec written: {spec}")
    return spec


def seed_range(out):
    t = time.perf_counter()
    a = lv.asarray(lv.arange(1, 100_000_001).reshape((100, 1_000_000), order="F"))
    built = time.perf_counter() - t
    value = a[1, 500_000].compute()
    t = time.perf_counter()
    tile = a[:, 500_000:504_096].compute()
    took = time.perf_counter() - t
    say("2. seed range: lv.arange(1, 100_000_001).reshape((100, 1_000_000), order='F')")
    say(f"   -> {type(a).__module__}.{type(a).__name__} {a.shape}, chunks "
        f"{a.chunksize}, built in {built * 1e3:.1f} ms (dask's import included)")
    say(f"   a[1, 500_000] = {value}  (Julia: 50000002)")
    say(f"   a 100x4096 tile in {took * 1e3:.1f} ms; nothing of size 1e8 was allocated")
    assert tile[1, 0] == 50_000_002
    spec = os.path.join(out, "seed.lzv")
    with open(spec, "w") as f:
        f.write("# Julia: reshape(1:100_000_000, 100, 1_000_000)\n"
                'arange(1, 100_000_001).reshape((100, 1_000_000), order="F")\n')
    return spec


def scripts(out, specs):
    say("3. generated scripts")
    for spec in specs:
        v = lv.parse(open(spec).read())
        base = os.path.splitext(spec)[0]
        for portable, suffix in ((False, ""), (True, "_portable")):
            path = f"{base}{suffix}.py"
            with open(path, "w") as f:
                f.write(v.to_script(portable=portable, spec_name=os.path.basename(spec)))
            check = ("import sys; sys.modules['lazyview'] = None; " if portable else "")
            code = (check + f"ns = {{}}; exec(open({path!r}).read(), ns); a = ns['array']; "
                    "a = a.compute() if hasattr(a, 'compute') else a; "
                    "print(a.shape, a.dtype, int(a.reshape(-1)[-1]))") \
                if v.size < 10**7 else (check + f"exec(open({path!r}).read())")
            r = subprocess.run([sys.executable, "-c", code], capture_output=True,
                               text=True, timeout=600)
            status = "ran ok" if r.returncode == 0 else f"FAILED: {r.stderr[-500:]}"
            say(f"   {path}  ({'numpy+dask only' if portable else 'lazyview'}): {status}")
            if r.returncode:
                raise SystemExit(1)


def napari_shot(out, mandrill_spec):
    say("4. napari, headless (multiscale lazy arrays)")
    try:
        import napari
    except ImportError as e:
        say(f"   napari is not installed ({e}); run `make deps`")
        return
    from lazyview.napari_reader import read_spec
    huge = os.path.join(out, "huge.lzv")
    with open(huge, "w") as f:
        f.write("colormap = \"viridis\"\n"
                "# 10^10 elements, never allocated: a tile costs a tile\n"
                "r = arange(10_000_000_000, dtype=\"<f4\").reshape(100_000, 100_000)\n"
                "r.T\n")
    viewer = napari.Viewer(show=True, title="lazyview demo")
    for spec, png in ((huge, "napari_huge.png"), (mandrill_spec, "napari_mandrill.png")):
        viewer.layers.clear()
        t = time.perf_counter()
        for data, kwargs, kind in read_spec(spec):
            getattr(viewer, f"add_{kind}")(data, **kwargs)
        viewer.reset_view()
        shot = viewer.screenshot(os.path.join(out, png), canvas_only=True, flash=False)
        took = time.perf_counter() - t
        layer = viewer.layers[0]
        levels = len(layer.data) if layer.multiscale else 1
        say(f"   {os.path.basename(spec)}: {levels} levels, largest "
            f"{layer.data[0].shape if layer.multiscale else layer.data.shape}; "
            f"first frame in {took:.2f} s -> {os.path.join(out, png)} {shot.shape[:2]}")
    viewer.close()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    out = os.path.abspath(argv[0] if argv else "out")
    os.makedirs(out, exist_ok=True)
    say(f"lazyview {lv.__version__} demo; files go to {out}\n")
    mandrill = mandrill_chain(out)
    say()
    seed = seed_range(out)
    say()
    scripts(out, [seed, mandrill])
    say()
    napari_shot(out, mandrill)
    say(f"\ndone: see {out}")


if __name__ == "__main__":
    main()

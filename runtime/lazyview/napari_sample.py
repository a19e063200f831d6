"""napari sample data (File > Open Sample > lazyview): try the viewer in one
click, with nothing on disk.

- ``gradient``: a 10^10-element lazy range, ``arange(1, 10**10 + 1)
  .reshape(100_000, 100_000)``, as a multiscale image: nothing of its
  size is ever allocated, each tile napari shows is computed in C.
- ``julia_rgb``: an RGB photograph held column-major as Julia holds a
  ``Matrix{RGB{N0f8}}``, shown through the chain
  ``PermutedDimsArray(reinterpret(reshape, UInt8, img), (2, 3, 1))`` as a
  zero-copy ndarray.
"""
import numpy as np

import lazyview as lv
from .napari_reader import layer_data

RGB = np.dtype([("r", "u1"), ("g", "u1"), ("b", "u1")])


def gradient():
    """The 10^10-element lazy gradient (see module doc)."""
    v = lv.arange(1, 10**10 + 1).reshape((100_000, 100_000))
    return layer_data(v, {"colormap": "viridis"}, "lazy gradient (10^10 elements)")


def julia_rgb():
    """A photograph held column-major, viewed without a copy (module doc)."""
    try:
        from skimage import data
        img = data.astronaut()
    except Exception:  # noqa: BLE001 -- scikit-image's data missing: a gradient
        i, j = np.mgrid[0:512, 0:512]
        img = np.stack([i % 256, j % 256, (i + j) % 256], axis=-1).astype(np.uint8)
    h, w, _ = img.shape
    julia = bytearray(np.asfortranarray(img.view(RGB).reshape(h, w)).tobytes(order="F"))
    v = lv.from_buffer(julia, RGB, (h, w), order="F").reinterpret("u1", axis=0) \
        .transpose(1, 2, 0)
    return layer_data(v, {"rgb": True}, "column-major RGB (Julia's layout)")

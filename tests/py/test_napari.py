"""Real napari, headless under Xvfb: the reader plugin and what it shows."""
import numpy as np
import pytest

import lazyview as lv
from xdisplay import ensure_display

napari = pytest.importorskip("napari")


@pytest.fixture(scope="module")
def viewer():
    ensure_display()
    v = napari.Viewer(show=True)   # a shown window renders; show=False is black
    yield v
    v.close()


def canvas(viewer):
    viewer.reset_view()
    return viewer.screenshot(canvas_only=True, flash=False)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_npe2_discovers_the_reader():
    import npe2
    pm = npe2.PluginManager.instance()
    pm.discover()
    manifest = pm.get_manifest("lazyview")
    readers = [r for r in manifest.contributions.readers]
    assert readers and "*.lzv" in readers[0].filename_patterns
    assert pm.get_command(readers[0].command).python_name == \
        "lazyview.napari_reader:get_reader"


def test_range_gradient_is_shown(viewer, tmp_path):
    viewer.layers.clear()
    path = write(tmp_path, "ramp.lzv", "(arange(12_000_000).reshape((4000, 3000))\n"
                                       "    .T.reshape((3000, 4000)))\n")
    layers = viewer.open(path, plugin="lazyview")
    layer = layers[0]
    assert layer.multiscale and len(layer.data) == 2
    assert layer.data[0].shape == (3000, 4000)
    img = canvas(viewer)[..., :3].astype(int)
    row = img[img.shape[0] // 2]
    lit = row[row.sum(axis=1) > 0]
    assert len(lit) > 100
    # the arange-transposed ramp: value = 4000*i_row_of_T... grows along x
    assert np.all(np.diff(lit[:, 0]) >= -2) and lit[-1, 0] > lit[0, 0] + 100


def test_rgb_channels_are_shown(viewer, tmp_path):
    viewer.layers.clear()
    h, w = 200, 300
    img = np.zeros((h, w), dtype=[("r", "u1"), ("g", "u1"), ("b", "u1")], order="F")
    img["r"][:, : w // 2] = 255
    img["b"][:, w // 2:] = 255
    raw = tmp_path / "rgb.raw"
    raw.write_bytes(img.tobytes(order="F"))
    path = write(tmp_path, "rgb.lzv", f'''rgb = True
img = open_raw("{raw}", dtype=[("r", "u1"), ("g", "u1"), ("b", "u1")],
               shape=({h}, {w}), order="F")
img.reinterpret("u1", axis=0).transpose(1, 2, 0)
''')
    viewer.open(path, plugin="lazyview")
    shot = canvas(viewer)[..., :3].astype(int)
    row = shot[shot.shape[0] // 2]
    lit = row[row.sum(axis=1) > 100]
    left, right = lit[: len(lit) // 4].mean(axis=0), lit[-len(lit) // 4:].mean(axis=0)
    assert left[0] > 200 and left[2] < 50, left     # red half
    assert right[2] > 200 and right[0] < 50, right  # blue half


def test_channel_axis_makes_layers(viewer, tmp_path):
    viewer.layers.clear()
    path = write(tmp_path, "ch.lzv", "channel_axis = 0\n"
                                     "arange(8192, dtype='<f4').reshape(2, 64, 64)\n")
    layers = viewer.open(path, plugin="lazyview")
    assert len(layers) == 2 and all(lyr.data.shape == (64, 64) for lyr in layers)


def test_huge_lazy_array_opens_computing_only_a_screenful(viewer, tmp_path, monkeypatch):
    """Opening a 1e10-element lazy array and drawing its first frame
    computes a few tiles of the level on screen (and of the smallest level,
    for contrast limits), not a number of elements that grows with the
    array: every element napari gets comes through View._block, counted
    here.  (How long it takes is measured by `make bench`, P5.)"""
    filled = []
    block = lv.View._block

    def counting(self, lo, hi):
        filled.append(int(np.prod([h - lw for lw, h in zip(lo, hi)])))
        return block(self, lo, hi)

    monkeypatch.setattr(lv.View, "_block", counting)
    viewer.layers.clear()
    path = write(tmp_path, "huge.lzv", "arange(10_000_000_000, dtype='<f4')"
                                         ".reshape(100_000, 100_000)\n")
    layers = viewer.open(path, plugin="lazyview")
    canvas(viewer)
    assert layers[0].data[0].shape == (10**5, 10**5)
    print(f"first frame: {len(filled)} blocks, {sum(filled)} elements")
    assert 0 < sum(filled) <= 64 * 512 * 512   # ~5e6 in 32 blocks today
    assert len(filled) <= 256


def test_lazyview_view_command_opens_the_layers(viewer, tmp_path, monkeypatch):
    """`lazyview view SPEC` builds a viewer with the spec's layers, then runs
    napari's event loop (replaced here so that the test returns)."""
    from lazyview import cli
    opened = []
    monkeypatch.setattr(napari, "run", lambda: opened.append(napari.current_viewer()))
    path = write(tmp_path, "v.lzv", "contrast_limits = (0, 10)\n"
                                    "arange(6000, dtype='<f4').reshape(60, 100)\n")
    assert cli.main(["view", path]) == 0
    shown = opened[0]
    assert shown.layers[0].data.shape == (60, 100)
    assert list(shown.layers[0].contrast_limits) == [0, 10]
    shown.close()


def test_reader_is_picked_without_naming_the_plugin(viewer, tmp_path):
    """*.lzv has one reader, lazyview's, so napari picks it whenever no
    plugin is named: File > Open and drag-and-drop (_qt_open), `napari
    x.lzv`, and viewer.open(path, plugin=None).  (viewer.open(path) alone
    asks napari's builtins, as napari documents; README says so.)"""
    viewer.layers.clear()
    path = write(tmp_path, "ramp.lzv", "arange(6000, dtype='<f4').reshape(60, 100)\n")
    layers = viewer.open(path, plugin=None)
    assert [lyr.name for lyr in layers] == ["ramp"]
    viewer.layers.clear()
    viewer.window._qt_viewer._qt_open([path], stack=False)
    assert [lyr.name for lyr in viewer.layers] == ["ramp"]
    assert viewer.layers[0].data.shape == (60, 100)


def test_axis_names_units_and_scale_reach_napari(viewer, tmp_path):
    viewer.layers.clear()
    path = write(tmp_path, "cells.lzv",
                 'axis_labels = ("z", "y", "x")\n'
                 'scale = (2.0, 0.25, 0.25)\n'
                 'units = ("um", "um", "um")\n'
                 "arange(20480, dtype='<u2').reshape(4, 64, 80)\n")
    layer, = viewer.open(path, plugin=None)
    assert tuple(layer.axis_labels) == ("z", "y", "x")
    assert tuple(layer.scale) == (2.0, 0.25, 0.25)
    assert [str(u) for u in layer.units] == ["micrometer"] * 3
    assert tuple(viewer.dims.axis_labels) == ("z", "y", "x")
    viewer.layers.clear()
    bad = write(tmp_path, "bad.lzv", "scale = (1, 2)\narange(24).reshape(2, 3, 4)\n")
    with pytest.raises(Exception, match="scale.*3 entries"):
        viewer.open(bad, plugin=None)


def test_one_layer_name_everywhere(viewer, tmp_path, monkeypatch):
    from lazyview import cli
    viewer.layers.clear()
    path = write(tmp_path, "seed.lzv", "arange(6000, dtype='<f4').reshape(60, 100)\n")
    assert viewer.open(path, plugin="lazyview")[0].name == "seed"
    opened = []
    monkeypatch.setattr(napari, "run", lambda: opened.append(napari.current_viewer()))
    assert cli.main(["view", path]) == 0
    assert opened[0].layers[0].name == "seed" and "seed" in opened[0].title
    opened[0].close()


def test_pyramid_keeps_short_axes_and_limits_come_from_a_tile():
    from lazyview import napari_reader
    v = lv.arange(10**8, dtype="<f4").reshape(100, 10**6)
    (levels, kwargs, _), = napari_reader.layer_data(v, {"method": "mean"}, "seed")
    assert [lvl.shape[0] for lvl in levels] == [100] * len(levels)   # never halved
    assert [lvl.shape[1] for lvl in levels][:3] == [10**6, 500_000, 250_000]
    assert levels[-1].shape[1] <= 2048
    tile = napari_reader._limits_tile(v, {0, 1})
    assert tile.size <= 512 * 512
    t = tile.compute()
    assert kwargs["contrast_limits"] == [float(t.min()), float(t.max())]
    big = lv.arange(10**10, dtype="<f4").reshape(10**5, 10**5)
    assert napari_reader._limits_tile(big, {0, 1}).shape == (512, 512)

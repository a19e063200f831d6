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


def test_pyramid_keeps_short_axes_and_limits_span_the_image():
    from lazyview import napari_reader
    v = lv.arange(10**8, dtype="<f4").reshape(100, 10**6)
    (levels, kwargs, _), = napari_reader.layer_data(v, {"method": "mean"}, "seed")
    assert [lvl.shape[0] for lvl in levels] == [100] * len(levels)   # never halved
    assert [lvl.shape[1] for lvl in levels][:3] == [10**6, 500_000, 250_000]
    assert levels[-1].shape[1] <= 2048
    sample = v[napari_reader.limits_key(v.shape, {0, 1})].compute()
    assert sample.size <= 256 * 256
    lo, hi = kwargs["contrast_limits"]
    # the whole range shows: the limits sit within 0.2 % of the ends
    assert lo <= 0.002 * 10**8 and hi >= 0.998 * (10**8 - 1)


def test_contrast_of_a_huge_gradient_is_the_whole_gradient():
    """The 10^10 gradient of the issue: the limits were [3.74e9, 6.25e9]
    (one middle tile), pinning 38 % of the screen black and 38 % white."""
    from lazyview import napari_reader
    big = lv.arange(1, 10**10 + 1).reshape((10**5, 10**5))
    (_, kwargs, _), = napari_reader.layer_data(big, {}, "huge")
    lo, hi = kwargs["contrast_limits"]
    assert lo < 0.01 * 10**10 and hi > 0.99 * 10**10


def test_contrast_ignores_a_few_outliers():
    from lazyview import napari_reader
    x = np.linspace(0, 1000, 512 * 512).reshape(512, 512)
    x[100, 100] = 1e12          # one hot pixel
    x[200, 202] = -1e12         # one cold pixel
    x[300, 300] = np.nan
    lo, hi = napari_reader.contrast_limits(x)
    assert 0 <= lo < 5 and 995 < hi <= 1000
    assert napari_reader.contrast_limits(np.zeros((4, 4))) == (0.0, 1.0)
    sparse = np.zeros((512, 512), "u1")
    sparse[5, 5] = 200          # percentiles meet: min and max instead
    assert napari_reader.contrast_limits(sparse) == (0.0, 200.0)


def test_sample_data_opens_in_one_click(viewer):
    viewer.layers.clear()
    layers = viewer.open_sample("lazyview", "gradient")
    layer = layers[0]
    assert layer.multiscale and layer.data[0].shape == (100_000, 100_000)
    lo, hi = layer.contrast_limits
    assert lo < 10**8 and hi > 0.99 * 10**10          # the whole gradient shows
    img = canvas(viewer)[..., :3].astype(int)
    assert img.sum(axis=2).max() > 0
    viewer.layers.clear()
    layer = viewer.open_sample("lazyview", "julia_rgb")[0]
    assert layer.rgb and layer.data.shape[-1] == 3


def _ome_zarr_04(tmp_path):
    """An OME-Zarr 0.4 image with omero channel metadata, written by
    ome-zarr-py (not by lazyview)."""
    from ome_zarr.format import FormatV04
    from ome_zarr.io import parse_url
    from ome_zarr.writer import write_image
    import zarr
    data = np.arange(2 * 64 * 96, dtype="u2").reshape(2, 64, 96)
    path = tmp_path / "cells.ome.zarr"
    store = parse_url(str(path), mode="w", fmt=FormatV04()).store
    root = zarr.group(store=store, zarr_format=2)
    write_image(data, root, axes="cyx", fmt=FormatV04())
    root.attrs["omero"] = {"channels": [
                    {"label": "DAPI", "color": "0000FF", "active": True,
                     "window": {"start": 10, "end": 5000, "min": 0, "max": 65535}},
                    {"label": "GFP", "color": "00FF00", "active": False,
                     "window": {"start": 100, "end": 9000, "min": 0, "max": 65535}}]}
    return path, data


def test_ome_zarr_0_4_with_omero_channels(tmp_path):
    from lazyview import zarr_reader
    path, data = _ome_zarr_04(tmp_path)
    (levels, kwargs, kind), = zarr_reader.layer_data(str(path))
    assert kind == "image" and kwargs["channel_axis"] == 0
    assert kwargs["name"] == ["DAPI", "GFP"]
    assert kwargs["colormap"] == ["#0000FF", "#00FF00"]
    assert kwargs["contrast_limits"] == [[10.0, 5000.0], [100.0, 9000.0]]
    assert kwargs["visible"] == [True, False]
    assert kwargs["multiscale"] and levels[0].shape == data.shape
    np.testing.assert_array_equal(np.asarray(levels[0]), data)
    assert levels[1].shape == (2, 32, 48)


def test_zarr_folders_are_left_to_other_readers(viewer, tmp_path):
    """napari offers every directory reader for every folder: lazyview claims
    none (no "Choose reader" dialog beside napari-ome-zarr), but reads an
    OME image from its metadata file, and only an OME image."""
    from napari.plugins import _npe2
    out = lv.to_zarr(lv.arange(64 * 64, dtype="u2").reshape(64, 64),
                     str(tmp_path / "x.zarr"), progress=False)
    assert "lazyview" not in _npe2.get_readers(out)
    meta = str(tmp_path / "x.zarr" / "zarr.json")
    assert list(_npe2.get_readers(meta)) == ["lazyview"]
    viewer.layers.clear()
    layer = viewer.open(meta, plugin=None)[0]
    assert layer.name == "x" and layer.data.shape == (64, 64)
    path, _ = _ome_zarr_04(tmp_path)
    viewer.layers.clear()
    assert [la.name for la in viewer.open(str(path / ".zattrs"), plugin=None)] == \
        ["DAPI", "GFP"]
    plain = tmp_path / "plain.zarr"
    import zarr
    zarr.open_group(str(plain), mode="w").create_array("a", shape=(4,), dtype="u1")
    from lazyview import zarr_reader
    assert zarr_reader.get_reader(str(plain / "zarr.json")) is None

"""lazyview.hints: one vocabulary of image hints for specs, napari, xarray
and OME-Zarr, checked once with errors that name the hint."""
import pytest

from lazyview import hints


def test_per_axis_hints_expand_and_convert():
    h = hints.from_bindings({"axis_labels": "tyx", "units": "um",
                             "scale": [2, 0.5, 0.5], "translate": (0, 1, 2),
                             "unrelated": 5}, 3)
    assert h == {"axis_labels": ("t", "y", "x"), "units": ("um",) * 3,
                 "scale": (2.0, 0.5, 0.5), "translation": (0.0, 1.0, 2.0)}
    assert hints.from_bindings({"axes": "z,y,x"}, 3)["axis_labels"] == ("z", "y", "x")


@pytest.mark.parametrize("bindings, message", [
    ({"scale": (1, 2)}, "scale.*needs 3 entries"),
    ({"scale": (1, 0, 1)}, "scale.*finite and positive"),
    ({"scale": (1, float("nan"), 1)}, "scale.*finite"),
    ({"scale": (1, -2, 1)}, "scale.*positive"),
    ({"translation": (0, float("inf"), 0)}, "translation.*finite"),
    ({"scale": "12"}, "scale.*expected a tuple"),
    ({"scale": (1, "a", 2)}, "scale.*expected numbers"),
    ({"axis_labels": ("y", "y", "x")}, "axis_labels.*repeat"),
    ({"axis_labels": ("", "y", "x")}, "axis_labels.*empty"),
    ({"units": (1, 2, 3)}, "units.*expected strs"),
    ({"channel_axis": 3}, "channel_axis = 3: the view has 3 axes"),
    ({"channel_axis": True}, "channel_axis.*expected an int"),
    ({"rgb": 1}, "rgb.*expected True or False"),
    ({"name": 5}, "name.*expected a str"),
])
def test_bad_hints_are_named(bindings, message):
    with pytest.raises(ValueError, match=message):
        hints.from_bindings(bindings, 3)


def test_spec_text_hints_and_the_ome_axes():
    text = ('name = "cells"\naxis_labels = ("t", "c", "y", "x")\n'
            'units = ("ms", "", "um", "µm")\nchannel_axis = 1\n'
            'arange(24).reshape(1, 2, 3, 4)\n')
    h = hints.from_spec(text, 4)
    assert h["name"] == "cells" and h["channel_axis"] == 1
    assert hints.ome_axes(h, 4) == [
        {"name": "t", "type": "time", "unit": "millisecond"},
        {"name": "c", "type": "channel"},
        {"name": "y", "type": "space", "unit": "micrometer"},
        {"name": "x", "type": "space", "unit": "micrometer"}]
    assert hints.ome_axes({}, 4) is None
    assert hints.axis_type("depth", "um") == "space"
    assert hints.axis_type("when", "hour") == "time"
    assert hints.axis_type("angle") is None


def test_napari_kwargs_drop_the_colour_and_channel_axes():
    h = hints.check({"axis_labels": "cyx", "scale": (1, 2, 3), "translation": (0, 4, 5),
                     "units": ("", "um", "um")}, 3)
    assert hints.layer_kwargs(h, 3, drop={0}) == {
        "axis_labels": ("y", "x"), "scale": (2.0, 3.0), "translate": (4.0, 5.0),
        "units": ("um", "um")}


@pytest.mark.parametrize("path, name", [
    ("/a/b/cells.lzv", "cells"), ("cells.ome.zarr", "cells"), ("x/img.ome.tif", "img"),
    ("/data/stack.zarr/", "stack"), ("-", "image"), (None, "image"),
    ("<stdin>", "image"), ("plain", "plain"), (".lzv", ".lzv")])
def test_names_come_from_the_source_file(path, name):
    assert hints.source_name(path) == name

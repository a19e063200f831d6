"""`lazyview view SPEC`: open a view in a napari window."""
from .napari_reader import layer_data


def view(v, *, name="view", method="stride", hints=None):
    """Shows v in napari as a multiscale image and runs the event loop."""
    import napari
    hints = dict(hints or {})
    hints.setdefault("method", method)
    viewer = napari.Viewer(title=f"lazyview: {name}")
    for data, kwargs, kind in layer_data(v, hints, name):
        getattr(viewer, f"add_{kind}")(data, **kwargs)
    napari.run()
    return viewer

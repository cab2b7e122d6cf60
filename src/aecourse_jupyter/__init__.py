"""The course's Jupyter server extension: a saved notebook keeps each slider's static face.

A slider's output (``aecourse.slider``) holds two faces: the ipywidgets view, which JupyterLab
shows while the kernel that made it runs, and a self-contained HTML slider with every frame.
Once that kernel is restarted or shut down the widget's model is gone, and JupyterLab shows
"Error displaying widget: model not found" where a saved widget view was (saving the widget
state in the notebook does not help: JupyterLab saves only the models of a live kernel, so
the next save after a restart, or after reopening, drops them).

So, before the server writes a notebook to disk, this hook removes the widget view from every
output that carries the static slider. The open notebook keeps its live slider; a reopened one
shows the static slider, which moves through its frames without a kernel (as on the published
site); running the cell again brings the live slider back. Nothing else is changed.

Kept apart from ``aecourse`` so that the Jupyter server does not import PyTorch.
``make install`` (and Binder's postBuild) enable it with
``jupyter server extension enable --sys-prefix aecourse_jupyter``.
"""

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STATIC_SLIDER = 'class="aecourse-slider"'  # what aecourse.sliders writes into the static face


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def keep_static_sliders(model, **kwargs) -> None:
    """Pre-save hook: drop the widget view from each slider output that has a static face."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    for cell in model["content"].get("cells", []):
        for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
            data = output.get("data") if isinstance(output, dict) else None
            if isinstance(data, dict) and WIDGET_VIEW in data and STATIC_SLIDER in _text(data.get("text/html", "")):
                del data[WIDGET_VIEW]


def _jupyter_server_extension_points():
    return [{"module": "aecourse_jupyter"}]


def _load_jupyter_server_extension(serverapp):
    serverapp.contents_manager.register_pre_save_hook(keep_static_sliders)
    serverapp.log.info("aecourse_jupyter: saved notebooks keep each slider's static face")

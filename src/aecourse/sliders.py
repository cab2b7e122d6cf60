"""One slider, two faces: a live ipywidgets slider in a kernel, a static JavaScript slider on the site.

A chapter writes one *frame function* ``frame(value) -> matplotlib Figure`` and calls
:func:`slider`. The returned object displays as

* an ipywidgets slider + image when a kernel and a widget manager are there (Jupyter,
  Binder, Colab, VS Code): moving it calls ``frame`` again, live;
* a self-contained HTML/JavaScript slider over frames rendered in advance otherwise (the
  published site, where no kernel runs; the book's configuration drops the widget view), and
  in a notebook reopened in JupyterLab after its kernel stopped: the course's server extension
  (``aecourse_jupyter``) saves slider outputs without the widget view, whose model dies with
  the kernel.

Both faces come from the same ``frame`` function, so they cannot drift apart.
"""

import base64
import html
import io
import json
import uuid
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt

MAX_STATIC_BYTES = 15_000_000  # stay well under Jupyter Book's 20 MB embed limit


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, read from its header."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class Slider:
    def __init__(self, frame: Callable, values: Sequence, name: str, value=None,
                 continuous: bool = False, dpi: int = 80):
        values = list(values)
        if not values:
            raise ValueError("a slider needs at least one value")
        self.frame, self.values, self.name = frame, values, name
        self.continuous, self.dpi = continuous, dpi
        self.initial = values[0] if value is None else value
        self.check(self.initial)
        self._widget = None
        self._pngs: dict = {}

    def check(self, value):
        """Raise a clear ValueError for a value the slider does not offer."""
        if self.continuous:
            lo, hi = min(self.values), max(self.values)
            if not isinstance(value, (int, float)) or not lo <= value <= hi:
                raise ValueError(f"{self.name} must be a number between {lo} and {hi}; got {value!r}")
        elif value not in self.values:
            raise ValueError(f"{self.name} must be one of {self.values}; got {value!r}")
        return value

    def png(self, value) -> bytes:
        """The frame for `value`, rendered as PNG bytes."""
        self.check(value)
        if value in self._pngs:
            return self._pngs[value]
        fig = self.frame(value)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=self.dpi, bbox_inches="tight")
        plt.close(fig)
        if value in self.values:  # the static frames; a continuous slider's other values are not kept
            self._pngs[value] = buf.getvalue()
        return buf.getvalue()

    # -- the static face -----------------------------------------------------------------
    def static_html(self) -> str:
        frames = ["data:image/png;base64," + base64.b64encode(self.png(v)).decode() for v in self.values]
        size = sum(map(len, frames))
        if size > MAX_STATIC_BYTES:
            raise ValueError(f"static slider {self.name!r} is {size / 1e6:.1f} MB; use fewer values or a lower dpi")
        uid = f"aecourse-slider-{uuid.uuid4().hex}"  # unique in a JupyterLab page holding many notebooks
        i0 = self.values.index(self.initial) if self.initial in self.values else 0
        width, height = png_size(self.png(self.values[i0]))
        labels = [_label(v) for v in self.values]
        name = html.escape(self.name)
        # On the site, book/_ext/lazy_images.py turns the frames into files: the page then loads the frame
        # shown (lazily, at its size), the frames next to it once the slider is in view, and any other on a move.
        return f"""<div class="aecourse-slider" id="{uid}" data-name="{name}">
<label style="font-family:monospace">{name} = <output>{html.escape(labels[i0])}</output>
<input type="range" min="0" max="{len(frames) - 1}" step="1" value="{i0}" aria-label="{name}"
 style="width:60%;vertical-align:middle"></label><br>
<img alt="{name} = {html.escape(labels[i0])}" src="{frames[i0]}" width="{width}" height="{height}"
 loading="lazy" decoding="async" style="max-width:100%;height:auto">
<script>(function() {{
  const root = document.getElementById("{uid}");
  const frames = {json.dumps(frames)}, labels = {json.dumps(labels)};
  const input = root.querySelector("input"), out = root.querySelector("output"), img = root.querySelector("img");
  const fetched = new Set();
  function fetchNext(i) {{  // the frames one step away, so that the next move shows its frame at once
    for (const j of [i - 1, i + 1]) {{
      if (j >= 0 && j < frames.length && !fetched.has(j)) {{ fetched.add(j); new Image().src = frames[j]; }}
    }}
  }}
  input.addEventListener("input", () => {{
    const i = Number(input.value);
    img.src = frames[i]; out.textContent = labels[i]; img.alt = "{name} = " + labels[i];
    fetchNext(i);
  }});
  if ("IntersectionObserver" in window) {{
    const watch = new IntersectionObserver(entries => {{
      if (entries.some(e => e.isIntersecting)) {{ watch.disconnect(); fetchNext(Number(input.value)); }}
    }});
    watch.observe(root);
  }}
}})();</script>
</div>"""

    # -- the live face -------------------------------------------------------------------
    @property
    def widget(self):
        """The ipywidgets face: a slider above an image that ``frame`` redraws on every move."""
        if self._widget is None:
            import ipywidgets as w

            if self.continuous:
                lo, hi = min(self.values), max(self.values)
                control = w.FloatSlider(value=self.initial, min=lo, max=hi, step=(hi - lo) / 100,
                                        description=self.name, continuous_update=False)
            else:
                control = w.SelectionSlider(options=self.values, value=self.initial, description=self.name)
            # at its own size: a flex column would otherwise stretch the frame to the full width
            image = w.Image(value=self.png(self.initial), format="png", layout=w.Layout(align_self="flex-start"))
            control.observe(lambda change: setattr(image, "value", self.png(change["new"])), names="value")
            self._widget = w.VBox([control, image])
        return self._widget

    def set(self, value) -> None:
        """Move the live slider, as a learner would (a bad value raises a clear error)."""
        self.widget.children[0].value = self.check(value)

    @property
    def image(self) -> bytes:
        """The PNG the live face shows now."""
        return self.widget.children[1].value

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = f"Slider({self.name}: {', '.join(map(_label, self.values))})"
        return bundle


def slider(frame: Callable, values: Sequence, name: str, value=None, continuous: bool = False,
           dpi: int = 80) -> Slider:
    """Make a slider over `values` whose picture is ``frame(value)`` (a matplotlib Figure).

    With ``continuous=True`` the live slider moves freely between ``min(values)`` and
    ``max(values)`` (``frame`` must accept any value in between) while the static page
    offers `values` only.
    """
    return Slider(frame, values, name, value=value, continuous=continuous, dpi=dpi)

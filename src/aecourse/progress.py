"""A progress bar that a saved notebook keeps in its finished state.

In a notebook, the bar is one HTML output that is redrawn in place (a display update), not
a widget: the executed notebook, the static site and a notebook reopened without a kernel
all show its last state ("60/60 epochs, loss 0.0891"), never a first frame or a widget
error. Outside a notebook it is tqdm's text bar.
"""

import html
import textwrap
import time

from IPython import get_ipython
from IPython.display import display
from tqdm import tqdm


def in_notebook() -> bool:
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class progress:  # noqa: N801 (used like tqdm: `for epoch in progress(range(epochs), "training"):`)
    """Iterate over `items`, showing how far along it is and the latest `set_postfix` values."""

    def __init__(self, items, desc: str = "", enabled: bool = True, every: float = 0.2):
        self.items, self.desc, self.every = items, desc, every
        self.total, self.done, self.info = len(items), 0, ""
        self.handle = self.bar = None
        if enabled and in_notebook():
            self.handle = display(self._bundle(), raw=True, display_id=True)
        elif enabled:
            self.bar = tqdm(total=self.total, desc=desc, leave=False)
        self.shown = time.monotonic()

    def set_postfix(self, **values):
        self.info = ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in values.items())
        if self.bar is not None:
            self.bar.set_postfix_str(self.info)

    def _bundle(self) -> dict:
        text = f"{self.desc}: {self.done}/{self.total}" + (f", {self.info}" if self.info else "")
        return {"text/plain": text,
                "text/html": f'<progress value="{self.done}" max="{self.total}"></progress> {html.escape(text)}'}

    def _show(self, force: bool = False):
        if self.handle is not None and (force or time.monotonic() - self.shown > self.every):
            self.handle.update(self._bundle(), raw=True)  # redraws the same output; at most every `every` s
            self.shown = time.monotonic()

    def __iter__(self):
        for item in self.items:
            yield item
            self.done += 1
            if self.bar is not None:
                self.bar.update()
            self._show(force=self.done == self.total)
        if self.bar is not None:
            self.bar.close()


def wrapped(text: str, width: int = 80) -> str:
    """`text` with each line longer than `width` broken at spaces, its continuations indented by two:
    what the package prints fits the page's 80-character column (a phone wraps longer lines anywhere)."""
    return "\n".join(textwrap.fill(line, width, subsequent_indent="  ", break_long_words=False,
                                   break_on_hyphens=False) if len(line) > width else line
                     for line in text.split("\n"))

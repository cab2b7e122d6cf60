"""Sentences link to the checks that prove them, on the site as in Jupyter and Colab.

A chapter marks each claim cell (a hidden code cell tagged ``claim`` whose asserts prove a
result) with a Markdown cell just before it holding only an anchor::

    <a id="claim-ae-beats-pca"></a>

and the sentence that states the result links to it: ``... beats PCA [✓](#claim-ae-beats-pca).``
JupyterLab and Colab follow such a link to the element with that id. Sphinx, though, sees the
anchor as opaque raw HTML, and MyST resolves ``#name`` links against labels it knows: without
this extension every such link is a "cross-reference target not found" warning (an error under
``--warningiserror``), and nothing would notice a link to a claim that is not there.

Here each anchor becomes a real target with that id and is registered as a label of its page,
so the links resolve; a link to a claim that no page has still fails the build. A claim id used
twice in the book is an error too (ids name one check). ``tests/test_notebooks.py`` checks the
same rules on the notebooks themselves (every claim cell has its anchor, every anchor is linked
from a sentence on its own page).
"""
import re

from docutils import nodes
from sphinx.util import logging

ANCHOR = re.compile(r'\s*<a id="(claim-[a-z0-9-]+)"></a>\s*')
LOGGER = logging.getLogger(__name__)


def anchors_to_targets(app, doctree):
    env, std = app.env, app.env.get_domain("std")
    # Markdown reads the anchor as a paragraph of two inline HTML pieces (or, alone on its
    # lines, as one raw HTML block): either way, raw HTML whose text is exactly the anchor
    for raw in list(doctree.findall(lambda n: isinstance(n, (nodes.raw, nodes.paragraph)))):
        html = all(isinstance(c, nodes.raw) and "html" in c.get("format", "")
                   for c in (raw.children if isinstance(raw, nodes.paragraph) else [raw]))
        found = ANCHOR.fullmatch(raw.astext())
        if not found or not html or raw.parent is None:
            continue
        claim = found.group(1)
        owner = std.anonlabels.get(claim, (env.docname, ""))[0]
        if owner != env.docname:
            LOGGER.warning("claim anchor %r is also on %s: a claim id names one check",
                           claim, owner, location=raw)
        std.anonlabels[claim] = (env.docname, claim)
        std.labels[claim] = (env.docname, claim, "the check")
        raw.replace_self(nodes.target("", "", ids=[claim]))


def titled(app, doctree, docname):
    """A reader hovering over the mark (or a screen reader) is told where it leads."""
    for ref in doctree.findall(nodes.reference):
        target = ref.get("refid") or ref.get("refuri", "").rpartition("#")[2]
        if target.startswith("claim-"):
            ref["reftitle"] = "the check that proves this"
            ref["classes"].append("claim-link")


def setup(app):
    app.connect("doctree-read", anchors_to_targets)
    app.connect("doctree-resolved", titled)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

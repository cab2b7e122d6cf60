"""Drop repeated <script> entries from every page.

Why: sphinx-thebe adds its inline settings script (``const THEBE_JS_URL = ...``) in the
``env-before-read-docs`` event, after the HTML builder has been initialised. Sphinx 7 then
registers that script twice (once directly on the builder, once more from the registry when
writing starts, with the file name None the first time and "" the second, so Sphinx's own
de-duplication misses it), and the second ``const`` declaration raises "Identifier 'THEBE_JS_URL' has
already been declared" in the browser. Identical scripts (same file, same inline body, same
attributes) are never useful twice, so we keep the first of each.
"""


def _identity(script):
    attrs = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", None) if not isinstance(script, str) else script
    return (filename or "", tuple(sorted((k, str(v)) for k, v in attrs.items())))


def dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _identity(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

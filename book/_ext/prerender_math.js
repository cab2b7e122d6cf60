// TeX to SVG at build time, so that a page shows its formulas without running MathJax.
// Called by local_mathjax.py:  node prerender_math.js NODE_MAIN ES5_FOLDER < pages.json > rendered.json
// pages.json: [{"page": name, "formulas": [{"tex": "...", "display": true|false}, ...]}, ...]
// rendered.json: [{"page": name, "css": "...", "glyphs": "<svg ...>", "html": ["<mjx-container ...>", ...]},
// ...] in the same order. Each formula is an <svg> whose characters are <use> references to the page's
// `glyphs` (one hidden <svg> of paths, each character the page uses drawn once), so a page needs no font.
// A TeX error (an undefined macro included) stops the build: it prints the page and the formula.
const path = require("path");

// MathJax marks every SVG node with its MathML element and every glyph with its character, for its
// in-browser explorer; a static page has no explorer, and they would add about 40 KB to the VAE chapter.
// The stylesheet does use the marks of tables and errors, so those stay; its one rule on the characters'
// mark (a hairline stroke that makes them as dark as the font's) is put on every glyph reference instead.
const unused = (svg) => svg.replace(/ data-c="[^"]*"/g, "")
  .replace(/ data-mml-node="(?!mtable"|merror")[^"]*"/g, "");
const GLYPH_RULE = 'mjx-container[jax="SVG"] path[data-c], mjx-container[jax="SVG"] use[data-c]';
// The MathML copy is for screen readers, in a box clipped to nothing. Chrome typesets MathML as well (its
// own layout, a one-letter identifier turned into a mathematical italic character): on the VAE chapter,
// with the CPU slowed four times, a third of the page's layout (about 460 ms with it, 290 ms without). Laid
// out as plain inline text in the text's font it costs about 70 ms; its elements, and so what a screen
// reader is given (the accessibility tree's MathML roles), stay.
const PLAIN_MATHML = "\nmjx-assistive-mml math, mjx-assistive-mml math * {\n"
  + "  display: inline;\n  text-transform: none;\n  font: inherit;\n}\n";
function stylesheet(css) {
  if (!css.includes(GLYPH_RULE)) throw new Error(`MathJax's stylesheet has no rule ${GLYPH_RULE}`);
  return css.replace(GLYPH_RULE, 'mjx-container[jax="SVG"] use') + PLAIN_MATHML;
}

const [nodeMain, es5] = process.argv.slice(2);
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  require(path.resolve(nodeMain)).init({
    loader: {
      paths: {mathjax: path.resolve(es5)},
      load: ["adaptors/liteDOM", "input/tex-full", "output/svg", "a11y/assistive-mml"],
      versionWarnings: false,
    },
    // noundefined would draw an unknown macro as red text; without it, it is an error.
    tex: {packages: {"[-]": ["noundefined"]}, formatError: (jax, error) => { throw error; }},
    svg: {fontCache: "global"},
    startup: {typeset: false},
  }).then((MathJax) => {
    const adaptor = MathJax.startup.adaptor;
    const output = MathJax.startup.output;
    const errors = [];
    const out = JSON.parse(input).map(({page, formulas}) => {
      output.clearFontCache();  // each page's glyphs are only those that page uses
      const html = formulas.map(({tex, display}) => {
        try {
          return unused(adaptor.outerHTML(MathJax.tex2svg(tex, {display})));
        } catch (error) {
          errors.push(`${page}: ${error.message} in ${JSON.stringify(tex)}`);
          return "";
        }
      });
      // what MathJax puts into a page it typesets in the browser: one hidden <svg> holding the glyphs
      const glyphs = '<svg id="MJX-SVG-global-cache" xmlns="http://www.w3.org/2000/svg" style="display: none">'
        + unused(adaptor.outerHTML(output.fontCache.getCache())) + "</svg>";
      return {page, css: stylesheet(adaptor.textContent(MathJax.svgStylesheet())), glyphs, html};
    });
    if (errors.length) {
      process.stderr.write(errors.join("\n") + "\n");
      process.exit(1);
    }
    process.stdout.write(JSON.stringify(out));
  }).catch((error) => {
    process.stderr.write(`MathJax failed: ${error.stack || error}\n`);
    process.exit(2);
  });
});

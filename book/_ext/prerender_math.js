// TeX to HTML at build time, so that a page shows its formulas without running MathJax.
// Called by local_mathjax.py:  node prerender_math.js NODE_MAIN ES5_FOLDER < pages.json > rendered.json
// pages.json: [{"page": name, "formulas": [{"tex": "...", "display": true|false}, ...]}, ...]
// rendered.json: [{"page": name, "css": "...", "html": ["<mjx-container ...>", ...]}, ...] in the same order.
// The CSS's font addresses start with @FONTS@ (the caller puts in the page's path to the fonts).
// A TeX error (an undefined macro included) stops the build: it prints the page and the formula.
const path = require("path");

const [nodeMain, es5] = process.argv.slice(2);
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  require(path.resolve(nodeMain)).init({
    loader: {
      paths: {mathjax: path.resolve(es5)},
      load: ["adaptors/liteDOM", "input/tex-full", "output/chtml", "a11y/assistive-mml"],
      versionWarnings: false,
    },
    // noundefined would draw an unknown macro as red text; without it, it is an error.
    tex: {packages: {"[-]": ["noundefined"]}, formatError: (jax, error) => { throw error; }},
    chtml: {fontURL: "@FONTS@"},
    startup: {typeset: false},
  }).then((MathJax) => {
    const adaptor = MathJax.startup.adaptor;
    const errors = [];
    const out = JSON.parse(input).map(({page, formulas}) => {
      MathJax.startup.output.clearCache();  // each page's stylesheet holds only what that page uses
      MathJax.startup.output.styles = null;
      const html = formulas.map(({tex, display}) => {
        try {
          return adaptor.outerHTML(MathJax.tex2chtml(tex, {display}));
        } catch (error) {
          errors.push(`${page}: ${error.message} in ${JSON.stringify(tex)}`);
          return "";
        }
      });
      return {page, css: adaptor.textContent(MathJax.chtmlStylesheet()), html};
    });
    if (errors.length) {
      process.stderr.write(errors.join("\n") + "\n");
      process.exit(1);
    }
    process.stdout.write(JSON.stringify(out));
  }).catch((error) => {
    process.stderr.write(`MathJax did not start: ${error.stack || error}\n`);
    process.exit(2);
  });
});

// The built site over HTTP/2 and TLS, text gzipped, as GitHub Pages serves it (for scripts/lighthouse.py).
//
//   node scripts/serve_h2.js SITE KEY CERT    prints the port it listens on (127.0.0.1), then serves
//
// One connection carries every request of a page, as on Pages: Lighthouse's simulated slow network
// then charges no handshake per file (HTTP/1.0) and no queue behind six connections (HTTP/1.1).
"use strict";
const fs = require("fs");
const http2 = require("http2");
const path = require("path");
const zlib = require("zlib");

const [root, key, cert] = process.argv.slice(2).map((p, i) => (i === 0 ? path.resolve(p) : p));
const TYPES = {
  ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
  ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".woff": "font/woff",
  ".woff2": "font/woff2", ".ttf": "font/ttf", ".ico": "image/x-icon", ".txt": "text/plain",
  ".xml": "application/xml", ".map": "application/json", ".ipynb": "application/json",
};
const COMPRESSED = new Set([".html", ".css", ".js", ".json", ".svg", ".txt", ".xml", ".map", ".woff"]);

const server = http2.createSecureServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) });
server.on("stream", (stream, headers) => {
  let file = path.join(root, path.normalize(decodeURIComponent(headers[":path"].split("?")[0])));
  let body = null;
  try {
    if (fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (file.startsWith(root + path.sep)) body = fs.readFileSync(file);
  } catch (err) {
    body = null;
  }
  if (body === null) {
    stream.respond({ ":status": 404 });
    stream.end();
    return;
  }
  const ext = path.extname(file);
  const head = { ":status": 200, "content-type": TYPES[ext] || "application/octet-stream",
                 "cache-control": "max-age=600" };
  if (COMPRESSED.has(ext) && /\bgzip\b/.test(headers["accept-encoding"] || "")) {
    body = zlib.gzipSync(body, { level: 6 });
    head["content-encoding"] = "gzip";
  }
  head["content-length"] = body.length;
  stream.respond(head);
  stream.end(body);
});
server.on("sessionError", () => {});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));

"""What a reader waits for: Lighthouse over every page of the built site, one table.

    make lighthouse                       # the site in _build/html
    python scripts/lighthouse.py --site DIR [--runs 3] [--pages intro 01 references]

Serves the site on 127.0.0.1 with gzip, as GitHub Pages does, runs Lighthouse (npm's
``lighthouse@VERSION``, installed once with ``npm i -E`` into ``~/.cache/aecourse/lighthouse-VERSION``,
or ``AECOURSE_LIGHTHOUSE``) with its default mobile settings (simulated slow 4G and a slower CPU)
in Debian's chromium (``CHROME_PATH``, default /usr/bin/chromium), and prints one row a page:
the HTML's size on disk, what the page transfers at load and how much of it is images, the
performance score, first and largest contentful paint, and the accessibility score. With
``--runs N`` each page is measured N times and the median run (by performance) is reported.
The table is also written to ``<site>/../lighthouse/summary.md`` with each run's JSON report.
"""

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VERSION = "12.2.3"
COMPRESSED = {".html", ".css", ".js", ".json", ".svg", ".txt", ".xml", ".map", ".woff"}  # as Pages does
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --no-first-run --disable-sync")


def lighthouse_cli() -> Path:
    default = Path.home() / ".cache" / "aecourse" / f"lighthouse-{VERSION}"
    folder = Path(os.environ.get("AECOURSE_LIGHTHOUSE") or default)
    cli = folder / "node_modules" / "lighthouse" / "cli" / "index.js"
    if not cli.is_file():
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("lighthouse.py needs npm (apt-get install npm) to install lighthouse once")
        folder.mkdir(parents=True, exist_ok=True)
        print(f"installing lighthouse@{VERSION} into {folder} (once)", file=sys.stderr)
        subprocess.run([npm, "i", "-E", f"lighthouse@{VERSION}", "--no-audit", "--no-fund", "--silent"],
                       cwd=folder, check=True)
    return cli


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, text compressed with gzip when the browser asks for it (GitHub Pages does), over
    connections that stay open from one request to the next (keep-alive, as on Pages). The handler's
    default, HTTP/1.0, opens a connection for every file, which Lighthouse's simulated slow network then
    charges a handshake each: a page's score then swung by 20 points from run to run."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (path.suffix in COMPRESSED and path.is_file()
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            body = gzip.compress(path.read_bytes(), compresslevel=6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "max-age=600")
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()


def serve(site: Path):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [entry["file"] for entry in toc["chapters"]]


def measure(cli: Path, url: str, report: Path) -> dict:
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    cmd = ["node", str(cli), url, "--output=json", f"--output-path={report}", "--quiet",
           "--only-categories=performance,accessibility", f"--chrome-flags={CHROME_FLAGS}"]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if run.returncode != 0 or not report.is_file():
        raise RuntimeError(f"lighthouse failed on {url}:\n{run.stderr[-2000:]}")
    lhr = json.loads(report.read_text())
    audits = lhr["audits"]
    requests = audits["network-requests"]["details"]["items"]
    return {
        "performance": round(100 * (lhr["categories"]["performance"]["score"] or 0)),
        "accessibility": round(100 * (lhr["categories"]["accessibility"]["score"] or 0)),
        "fcp": audits["first-contentful-paint"]["numericValue"] / 1000,
        "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "transferred": audits["total-byte-weight"]["numericValue"],
        "images": sum(r.get("transferSize", 0) for r in requests if r.get("resourceType") == "Image"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--pages", nargs="*", help="only pages whose path holds one of these")
    args = parser.parse_args()
    site = args.site.resolve()
    if not (site / "index.html").is_file():
        sys.exit(f"no built site in {site}: run `make book` first")
    cli = lighthouse_cli()
    out = site.parent / "lighthouse"
    out.mkdir(exist_ok=True)
    httpd, base = serve(site)
    rows = []
    try:
        for page in pages():
            if args.pages and not any(p in page for p in args.pages):
                continue
            html = site / f"{page}.html"
            runs = [measure(cli, f"{base}/{page}.html", out / f"{Path(page).name}-{i}.json")
                    for i in range(args.runs)]
            runs.sort(key=lambda r: r["performance"])
            best = runs[len(runs) // 2]
            spread = f" ({min(r['performance'] for r in runs)}-{max(r['performance'] for r in runs)})" \
                if args.runs > 1 else ""
            rows.append(f"| {page} | {html.stat().st_size / 1e3:,.0f} | {best['transferred'] / 1e3:,.0f} | "
                        f"{best['images'] / 1e3:,.0f} | {best['performance']}{spread} | {best['fcp']:.1f} | "
                        f"{best['lcp']:.1f} | {best['accessibility']} |")
            print(rows[-1], flush=True)
    finally:
        httpd.shutdown()
    head = ("| page | HTML KB | transferred at load KB (gzip) | of it images KB | performance | "
            "first contentful paint s | largest contentful paint s | accessibility |\n" + "|---" * 8 + "|")
    table = "\n".join([head, *rows])
    (out / "summary.md").write_text(table + "\n")
    print("\n" + table)


if __name__ == "__main__":
    main()

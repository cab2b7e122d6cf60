"""What a reader waits for: Lighthouse over every page of the built site, one table.

    make lighthouse                       # the site in _build/html
    python scripts/lighthouse.py --site DIR [--runs 3] [--pages intro 01 references]

Serves the site on 127.0.0.1 as GitHub Pages does: over HTTP/2 and TLS (``serve_h2.js`` under
``node``, with a self-signed certificate that ``openssl`` makes once beside the reports), text
gzipped. Then runs Lighthouse (npm's
``lighthouse@VERSION``, installed once with ``npm i -E`` into ``~/.cache/aecourse/lighthouse-VERSION``,
or ``AECOURSE_LIGHTHOUSE``) with its default mobile settings (simulated slow 4G and a slower CPU)
in Debian's chromium (``CHROME_PATH``, default /usr/bin/chromium), and prints one row a page:
the HTML's size on disk, what the page transfers at load and how much of it is images, the
performance score, first and largest contentful paint, and the accessibility score. With
``--runs N`` every page is measured once a round, N rounds, and each page's median run (by performance)
is reported with its range. Beside the bibliography (the theme's own near-empty page, the floor the
chapters are held to), each page also gets the median and range of its differences from that page
measured in the same round: headless Chrome sometimes holds back a page's first frame for up to a
second (GoogleChrome/lighthouse#17148), on any page, so scores jump between runs, and pairing by round
keeps a slow spell of the machine from falling on some pages only.
The table is also written to ``<site>/../lighthouse/summary.md`` with each run's JSON report.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VERSION = "12.2.3"
SERVER = Path(__file__).with_name("serve_h2.js")  # run under node
# the local server's certificate is self-signed
FLOOR = "book/references"  # the bibliography: the theme's own near-empty page, the floor a chapter is held to
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --no-first-run --disable-sync --ignore-certificate-errors")


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


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed key and certificate for 127.0.0.1 (made once): browsers speak HTTP/2 only over TLS."""
    key, cert = folder / "localhost-key.pem", folder / "localhost-cert.pem"
    if not (key.is_file() and cert.is_file()):
        if shutil.which("openssl") is None:
            sys.exit("lighthouse.py needs openssl (apt-get install openssl) to serve the site over HTTP/2")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return key, cert


def serve(site: Path, folder: Path):
    """The site on https://127.0.0.1:PORT over HTTP/2, as on GitHub Pages (serve_h2.js); the server process."""
    key, cert = certificate(folder)
    server = subprocess.Popen(["node", str(SERVER), str(site), str(key), str(cert)], stdout=subprocess.PIPE, text=True)
    port = server.stdout.readline().strip()
    if not port.isdigit():
        server.kill()
        sys.exit(f"the HTTP/2 server did not start (node {SERVER})")
    return server, f"https://127.0.0.1:{port}"


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
    server, base = serve(site, out)
    chosen = [page for page in pages() if not args.pages or any(p in page for p in args.pages)]
    runs = {page: [] for page in chosen}
    try:
        # round after round over every page, so that a slow spell of the machine falls on all pages alike
        for i in range(args.runs):
            for page in chosen:
                runs[page].append(measure(cli, f"{base}/{page}.html", out / f"{Path(page).name}-{i}.json"))
                print(f"run {i + 1}/{args.runs} {page}: {runs[page][-1]['performance']}", file=sys.stderr, flush=True)
    finally:
        server.kill()
    floor = runs[FLOOR] if FLOOR in runs and len(runs) > 1 else None
    rows = [row(site, page, runs[page], floor) for page in chosen]
    head = ("| page | HTML KB | transferred at load KB (gzip) | of it images KB | performance | "
            "first contentful paint s | largest contentful paint s | accessibility, lowest run |")
    if floor is not None:
        head += " performance − the bibliography's, per round | FCP − the bibliography's s, per round |"
    table = "\n".join([head, "|---" * (head.count("|") - 1) + "|", *rows])
    (out / "summary.md").write_text(table + "\n")
    print("\n" + table)


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def row(site: Path, page: str, runs: list[dict], floor: list[dict] | None) -> str:
    """One page's row: its median run by performance (with the range over runs), and, beside the
    bibliography's, the median of its differences from that page measured in the same round."""
    best = sorted(runs, key=lambda r: r["performance"])[len(runs) // 2]
    spread = f" ({min(r['performance'] for r in runs)}-{max(r['performance'] for r in runs)})" if len(runs) > 1 else ""
    cells = [page, f"{(site / f'{page}.html').stat().st_size / 1e3:,.0f}", f"{best['transferred'] / 1e3:,.0f}",
             f"{best['images'] / 1e3:,.0f}", f"{best['performance']}{spread}", f"{best['fcp']:.1f}",
             f"{best['lcp']:.1f}", f"{min(r['accessibility'] for r in runs)}"]
    if floor is not None and page != FLOOR:
        gaps = [r["performance"] - f["performance"] for r, f in zip(runs, floor, strict=True)]
        fcp = [r["fcp"] - f["fcp"] for r, f in zip(runs, floor, strict=True)]
        cells += [f"{median(gaps):+g} ({min(gaps):+d} to {max(gaps):+d})",
                  f"{median(fcp):+.1f} ({min(fcp):+.1f} to {max(fcp):+.1f})"]
    elif floor is not None:
        cells += ["", ""]
    return "| " + " | ".join(cells) + " |"


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A web page as an MQTT client: headless Chromium loads page.html, which uses MQTT.js's browser
bundle to connect over ws:// to a broker, subscribes, publishes at QoS 0, 1 and 2, receives its
messages and a will, and posts the result back here.

usage: web_client.py --ws-url ws://127.0.0.1:PORT/mqtt --bundle mqtt.min.js [--chromium PATH]
                     [--version 4|5] [--max-qos 0|1|2] [--timeout S]
--max-qos is the highest QoS the broker offers (default 2): the page requires its SUBACK to grant
exactly that to a QoS 2 request, publishes at every QoS up to it and reports the levels above it
as not offered, instead of waiting for acknowledgements a broker without them never sends.
Serves the page and the bundle on 127.0.0.1 (a free port), starts Chromium on it, waits for the
page's report (at most --timeout seconds), stops Chromium by its process id and prints the page's
steps. Exit 0 when the page passed, 1 when it failed, 77 when Chromium or the bundle is missing.
"""
import argparse
import http.server
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ws-url", required=True)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--version", default="4", choices=["4", "5"])
    ap.add_argument("--max-qos", type=int, default=2, choices=[0, 1, 2])
    ap.add_argument("--timeout", type=float, default=40)
    a = ap.parse_args()
    chromium = shutil.which(a.chromium)
    if not chromium:
        print(f"SKIP: {a.chromium} not found (tools/bootstrap installs chromium)")
        return 77
    if not os.path.isfile(a.bundle):
        print(f"SKIP: {a.bundle} not found (tools/bootstrap installs MQTT.js)")
        return 77
    files = {"/page.html": (os.path.join(HERE, "page.html"), "text/html"),
             "/mqtt.min.js": (a.bundle, "application/javascript")}
    done = threading.Event()
    report = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path = urllib.parse.urlparse(self.path).path
            if path not in files:
                self.send_error(404)
                return
            name, kind = files[path]
            with open(name, "rb") as f:
                body = f.read()
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            n = min(int(self.headers.get("Content-Length", "0")), 1 << 20)
            try:
                report.update(json.loads(self.rfile.read(n)))
            except ValueError as e:
                report.update({"ok": False, "error": f"unreadable report: {e}"})
            self.send_response(204)
            self.end_headers()
            done.set()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tag = secrets.token_hex(5)
    query = urllib.parse.urlencode({"broker": a.ws_url, "tag": tag, "version": a.version,
                                    "max_qos": a.max_qos})
    page = f"http://127.0.0.1:{server.server_address[1]}/page.html?{query}"
    profile = tempfile.mkdtemp()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--remote-debugging-port=0"]
    log = open(os.path.join(profile, "chromium.log"), "w")
    browser = subprocess.Popen([chromium, *flags, page], stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        finished = done.wait(a.timeout)
    finally:
        try:
            os.killpg(browser.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(browser.pid, signal.SIGKILL)
            browser.wait()
        server.shutdown()
        log.close()
    if not finished:
        print(f"the page sent no report within {a.timeout:.0f} s; Chromium's log:")
        with open(os.path.join(profile, "chromium.log")) as f:
            print(f.read()[-3000:])
        shutil.rmtree(profile, ignore_errors=True)
        return 1
    shutil.rmtree(profile, ignore_errors=True)
    for step in report.get("steps", []):
        print("page:", step)
    if not report.get("ok"):
        print("the page failed:", report.get("error"))
        return 1
    if report.get("max_qos") != a.max_qos:
        print(f"the page ran with highest QoS {report.get('max_qos')}, not the {a.max_qos} asked for")
        return 1
    levels = ", ".join(str(q) for q in range(a.max_qos + 1))
    missing = ", ".join(str(q) for q in range(a.max_qos + 1, 3))
    print(f"MQTT.js in headless Chromium over {a.ws_url} (MQTT {'5.0' if a.version == '5' else '3.1.1'}): "
          f"QoS {levels} and the will received"
          + (f"; QoS {missing} not offered (--max-qos {a.max_qos})" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

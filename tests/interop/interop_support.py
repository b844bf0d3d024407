"""Shared helpers for the Python interop tests: an mqtt-ref-broker on free ports of 127.0.0.1
(ports read from its `listening on` lines), its -v log kept for failure reports, bounded waits,
and the pass / fail / skip exit codes CTest reads (0, 1, 77)."""

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

EXIT_SKIP = 77
TIME_LIMIT_S = int(os.environ.get("INTEROP_TIME_LIMIT_S", "45"))
START_TIMEOUT_S = 10
STOP_TIMEOUT_S = 5

_LISTENING = re.compile(r"^listening on ([a-z]+)://127\.0\.0\.1:(\d+)$")


class Failure(Exception):
    """A check failed; the message says what was expected and what happened."""


class Skip(Exception):
    """A client library or tool the test needs is missing."""


class Broker:
    """mqtt-ref-broker -c CONFIG -v in a scratch directory; `ports[scheme]` after start()."""

    def __init__(self, exe, config_lines):
        self.exe = exe
        self.config_lines = config_lines
        self.dir = tempfile.mkdtemp(prefix="mqtt-interop.")
        self.log_path = os.path.join(self.dir, "broker.log")
        self.process = None
        self.ports = {}

    def start(self):
        if not os.access(self.exe, os.X_OK):
            raise Failure(f"broker executable not found: {self.exe}")
        config = os.path.join(self.dir, "broker.conf")
        with open(config, "w") as f:
            f.write("\n".join(self.config_lines) + "\n")
        expected = sum(1 for l in self.config_lines if l.split()[:1] in (["listener"], ["http_listener"]))
        log = open(self.log_path, "w")
        self.process = subprocess.Popen([self.exe, "-c", config, "-v"], stdout=subprocess.PIPE,
                                        stderr=log, text=True)
        log.close()
        lines = queue.Queue()

        def read_stdout():
            for line in self.process.stdout:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        threading.Thread(target=read_stdout, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        seen = 0
        while seen < expected:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise Failure(f"broker printed {seen} of {expected} 'listening on' lines within "
                              f"{START_TIMEOUT_S} s")
            if line is None:
                raise Failure(f"broker exited at start-up (status {self.process.wait()})")
            m = _LISTENING.match(line)
            if not m:
                raise Failure(f"unexpected broker output: {line!r}")
            self.ports.setdefault(m.group(1), int(m.group(2)))
            seen += 1
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, count=60):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-count:])
        except OSError:
            return "<no broker log>"

    def cleanup(self):
        self.stop()
        if os.environ.get("INTEROP_KEEP"):
            print(f"scratch directory kept: {self.dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def run(name, exe, config_lines, body):
    """Start the broker, run body(broker), report PASS / FAIL / SKIP and exit."""
    def on_alarm(signum, frame):
        raise Failure(f"overall time limit of {TIME_LIMIT_S} s exceeded")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TIME_LIMIT_S)
    broker = Broker(exe, config_lines)
    status = 0
    try:
        broker.start()
        body(broker)
        print(f"PASS [{name}]")
    except Skip as e:
        print(f"SKIP [{name}]: {e}", file=sys.stderr)
        status = EXIT_SKIP
    except Exception as e:  # noqa: BLE001 - a client library error fails the test like a check
        detail = str(e) if isinstance(e, Failure) else traceback.format_exc()
        print(f"FAIL [{name}]: {detail}", file=sys.stderr)
        print("--- last lines of the broker log (-v) ---", file=sys.stderr)
        print(broker.log_tail(), file=sys.stderr, end="")
        status = 1
    finally:
        signal.alarm(0)
        broker.cleanup()
    sys.stdout.flush()
    sys.stderr.flush()
    # Client library threads may still be winding down; they must not hold the exit.
    os._exit(status)


def read_line(stream, timeout_s):
    """One line from a child's pipe within timeout_s, or None."""
    result = queue.Queue()
    threading.Thread(target=lambda: result.put(stream.readline()), daemon=True).start()
    try:
        return result.get(timeout=timeout_s)
    except queue.Empty:
        return None


def format_messages(messages):
    return "\n".join(f"  {m}" for m in messages) if messages else "  <nothing>"


def expect_equal(what, expected, actual):
    if expected != actual:
        raise Failure(f"{what}\nexpected:\n{format_messages(expected)}\nreceived:\n{format_messages(actual)}")

#!/usr/bin/env python3
# wait_port.py PORT SECONDS PID: exits 0 once 127.0.0.1:PORT accepts a connection, 1 when the
# process PID ends first or SECONDS pass.
import os, socket, sys, time
port, seconds, pid = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)

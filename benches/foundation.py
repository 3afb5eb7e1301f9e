#!/usr/bin/env python3
"""Foundation benchmark: start-to-ready, idle memory, GET /api/v1/me rate.

Runs against the release build (builds it first). Needs wrk (Debian: wrk).
Usage: python3 benches/foundation.py [--runs N] [--seconds S]
Prints medians; record them in docs/benchmarks.md with machine and date.
"""

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "zezaro")


def start(data_dir, demo=False):
    """Starts the server; returns (process, url, seconds until /healthz answered 200)."""
    args = [BIN, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"]
    if demo:
        args.append("--demo")
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = None
    for line in proc.stdout:
        if line.startswith("Listening on "):
            url = line.split("Listening on ", 1)[1].strip()
            break
    host, port = url.replace("http://", "").split(":")
    while True:
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.001)
    return proc, url, time.perf_counter() - t0


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def stop(proc):
    proc.terminate()
    proc.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--bin", help="zezaro binary to measure (no build); default: build target/release/zezaro")
    opts = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    global BIN
    if opts.bin:
        BIN = os.path.abspath(opts.bin)
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)

    # Start to ready and idle memory, on an empty store each time.
    ready, idle = [], []
    for _ in range(max(opts.runs, 10)):
        with tempfile.TemporaryDirectory() as d:
            proc, url, seconds = start(d)
            ready.append(seconds * 1000)
            time.sleep(2)
            idle.append(rss_mb(proc.pid))
            stop(proc)
    print(f"start to ready (empty store): median {statistics.median(ready):.1f} ms  (runs: {', '.join(f'{x:.0f}' for x in ready)})")
    print(f"idle RSS (empty store):       median {statistics.median(idle):.1f} MB")

    # /me with a bearer token, on the demo store.
    with tempfile.TemporaryDirectory() as d:
        proc, url, _ = start(d, demo=True)
        token = subprocess.run(
            [BIN, "token", "create", "--data-dir", d, "--email", "pro.agent@zezaro.example", "--name", "bench"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        time.sleep(1)
        demo_idle = rss_mb(proc.pid)
        rates = []
        for _ in range(opts.runs):
            out = subprocess.run(
                ["wrk", "-t2", f"-c{opts.connections}", f"-d{opts.seconds}s", "--latency",
                 "-H", f"Authorization: Bearer {token}", f"{url}/api/v1/me"],
                capture_output=True, text=True, check=True,
            ).stdout
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            if non2xx:
                sys.exit(f"wrk saw {non2xx.group(1)} error responses")
            rates.append(rate)
            print(f"  GET /api/v1/me run: {rate:,.0f} req/s, p99 {p99}")
        loaded = rss_mb(proc.pid)
        stop(proc)
    print(f"GET /api/v1/me (token, {opts.connections} conns): median {statistics.median(rates):,.0f} req/s over {opts.runs} runs of {opts.seconds}s")
    print(f"RSS demo store: idle {demo_idle:.1f} MB, after load {loaded:.1f} MB")


if __name__ == "__main__":
    main()

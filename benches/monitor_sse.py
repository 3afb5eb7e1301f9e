#!/usr/bin/env python3
"""Live monitor cost (issue 18, docs/benchmarks.md): server CPU with 1 and
with 50 open monitors of one project, while an agent changes state twice a
second. Seeds a demo store (`serve --demo`, stopped), creates tokens for the
project lead and Anna, serves it on loopback, opens N monitor streams
(`GET /api/v1/events?monitor=<ACME>`) and changes Anna's state 40 times
(PUT /api/v1/workforce/me). Measures the server's CPU time (utime+stime from
/proc/PID/stat) over the changes, the monitor frames each stream received,
and the latency from the PUT's answer to the frame showing the new state on
each stream.

Usage: python3 benches/monitor_sse.py path/to/zezaro [N ...]   (default N: 1 50)
"""
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BIN = sys.argv[1]
COUNTS = [int(n) for n in sys.argv[2:]] or [1, 50]
CHANGES = 40
LEAD, ANNA = "lead@zezaro.example", "anna.schmidt@acme-energie.example"
TICKS = os.sysconf("SC_CLK_TCK")


def serve(data, demo):
    env = dict(os.environ, ZEZARO_EVENT_STREAMS_PER_USER="200", ZEZARO_EVENT_STREAMS_TOTAL="400")
    args = [BIN, "serve", "--data-dir", data, "--listen", "127.0.0.1:0"] + (["--demo"] if demo else [])
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    for line in proc.stdout:
        if line.startswith("Listening on "):
            return proc, line.split("Listening on ", 1)[1].strip().replace("http://", "")
    raise SystemExit("server did not start")


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def token(data, email):
    return subprocess.run([BIN, "token", "create", "--data-dir", data, "--email", email, "--name", "bench18"],
                          capture_output=True, text=True, check=True).stdout.strip()


class Monitor(threading.Thread):
    """One open monitor stream: the arrival time of each of Anna's states."""

    def __init__(self, addr, tok, project, anna):
        super().__init__(daemon=True)
        host, port = addr.split(":")
        self.sock = socket.create_connection((host, int(port)))
        self.sock.sendall(f"GET /api/v1/events?monitor={project} HTTP/1.1\r\nHost: {addr}\r\n"
                          f"Authorization: Bearer {tok}\r\nAccept: text/event-stream\r\n\r\n".encode())
        self.anna, self.frames, self.seen, self.stop = anna, 0, [], False

    def run(self):
        buf = b""
        self.sock.settimeout(1.0)
        while not self.stop:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return  # closed by the measurement's end
            if not chunk:
                return
            buf += chunk
            while b"\n\n" in buf:
                frame, buf = buf.split(b"\n\n", 1)
                # Chunked transfer: the frame's line may follow a size line.
                text = frame.decode(errors="replace")
                i = text.find("event: monitor\ndata: ")
                if i < 0:
                    continue
                try:
                    snap = json.loads(text[i + len("event: monitor\ndata: "):].split("\r\n")[0])
                except ValueError:
                    continue
                self.frames += 1
                for a in snap["agents"]:
                    if a["user_id"] == self.anna:
                        self.seen.append((time.perf_counter(), a["state"]))


def main():
    data = tempfile.mkdtemp(prefix="zezaro-monitor-bench-")
    try:
        proc, _ = serve(data, demo=True)
        proc.terminate(); proc.wait()
        toks = {e: token(data, e) for e in (LEAD, ANNA)}
        proc, addr = serve(data, demo=False)
        host, port = addr.split(":")
        api = http.client.HTTPConnection(host, int(port), timeout=30)

        def call(method, path, email, body=None):
            h = {"Authorization": "Bearer " + toks[email], "Content-Type": "application/json"}
            api.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
            r = api.getresponse()
            payload = r.read()
            assert r.status < 300, (path, r.status, payload[:300])
            return json.loads(payload) if payload else None

        project = next(p["id"] for p in call("GET", "/api/v1/projects", LEAD)["items"] if p["key"] == "ACME")
        anna = call("GET", "/api/v1/workforce/me", ANNA)["user_id"]
        print(f"machine: {os.cpu_count()} cores; server {BIN}")
        for n in COUNTS:
            monitors = [Monitor(addr, toks[LEAD], project, anna) for _ in range(n)]
            for m in monitors:
                m.start()
            time.sleep(2.0)
            before = cpu(proc.pid)
            started = time.perf_counter()
            latencies = []
            for i in range(CHANGES):
                state = "training" if i % 2 == 0 else "available"
                call("PUT", "/api/v1/workforce/me", ANNA, {"state": state})
                answered = time.perf_counter()
                deadline = answered + 2.0
                for m in monitors:
                    while time.perf_counter() < deadline:
                        hit = [t for t, s in m.seen if t >= answered - 0.5 and s == state]
                        if hit:
                            latencies.append(max(0.0, hit[0] - answered) * 1000)
                            break
                        time.sleep(0.002)
                time.sleep(max(0.0, 0.5 - (time.perf_counter() - answered)))
            spent = cpu(proc.pid) - before
            wall = time.perf_counter() - started
            frames = sum(m.frames for m in monitors)
            for m in monitors:
                m.stop = True
                m.sock.close()
            latencies.sort()
            print(f"{n:>3} monitors: server CPU {spent * 1000:.0f} ms over {wall:.1f} s "
                  f"({spent * 1000 / CHANGES:.1f} ms per state change), {frames} frames "
                  f"({frames / n:.1f} per monitor), latency median {statistics.median(latencies):.1f} ms, "
                  f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.1f} ms, {len(latencies)}/{n * CHANGES} seen")
            time.sleep(1.0)
        proc.terminate(); proc.wait()
    finally:
        shutil.rmtree(data, ignore_errors=True)


main()

#!/usr/bin/env python3
"""Full client export benchmark (issue 5).

Measures `zezaro export` of one client of a large store: wall time, CPU
time (user + system) and peak resident memory (VmHWM from /proc/<pid>/status, read when the process has
finished but before it is reaped, polled meanwhile as a fallback), per run,
and reports medians. Then checks the archive: it unpacks with the system tar,
the manifest's row counts equal the lines of each file.

The store: generate it once with the demo generator, e.g. 181,000 cases so
that Acme Energie GmbH (about 55 % of the generated cases) has about 100,000:

    target/release/zezaro demo --data-dir /tmp/bench-export/data --cases 181000

Usage: python3 benches/export.py --data-dir /tmp/bench-export/data
           [--client "Acme Energie GmbH"] [--runs 3] [--bin target/release/zezaro]
       python3 benches/export.py --contact-reads [--bin …]
           (records of processing: latency of a first, recorded read of a
           contact against a repeated, coalesced one, on a fresh demo server)
Record the figures in docs/benchmarks.md with machine and date.
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def peak_rss_kib(pid):
    """VmHWM of a live (or zombie, not yet reaped) process, in KiB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run_once(binary, data_dir, client, out):
    if os.path.exists(out):
        os.remove(out)
    args = [binary, "export", "--data-dir", data_dir, "--client", client, "--out", out]
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    # Poll until the process exits; os.waitid with WNOWAIT leaves it a zombie
    # whose /proc status still has the final high-water mark.
    while True:
        hwm = peak_rss_kib(proc.pid)
        if hwm:
            peak = max(peak, hwm)
        info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if info is not None:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    hwm = peak_rss_kib(proc.pid)
    if hwm:
        peak = max(peak, hwm)
    # Reap it ourselves for its CPU time (the machine is shared: wall time
    # includes waiting for a core).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    if proc.returncode != 0:
        sys.exit(f"zezaro export failed: {stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, peak / 1024.0, stdout.strip()


def check_archive(out):
    """Unpack with the system tar; every file's lines equal its manifest rows."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["tar", "-xzf", out, "-C", tmp], check=True)
        (top,) = os.listdir(tmp)
        top = os.path.join(tmp, top)
        with open(os.path.join(top, "manifest.json")) as f:
            manifest = json.load(f)
        for entry in manifest["files"]:
            path = os.path.join(top, entry["path"])
            if entry["path"].endswith(".jsonl"):
                n = 0
                with open(path) as f:
                    for line in f:
                        json.loads(line)
                        n += 1
                assert n == entry["rows"], entry
        return manifest


def contact_reads(binary, count=300):
    """Latency of GET /contacts/{id}: first read (writes contact.viewed) vs repeats."""
    import http.client

    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        server = subprocess.Popen(
            [binary, "serve", "--data-dir", data, "--listen", "127.0.0.1:0", "--demo"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        try:
            for line in server.stdout:
                if line.startswith("Listening on "):
                    host, port = line.split()[-1].replace("http://", "").split(":")
                    break
            email = "anna.schmidt@acme-energie.example"
            token = subprocess.run(
                [binary, "token", "create", "--data-dir", data, "--email", email, "--name", "bench"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
            conn = http.client.HTTPConnection(host, int(port))

            def call(method, path, body=None):
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
                r = conn.getresponse()
                data = r.read()
                return r.status, json.loads(data) if data else None

            _, me = call("GET", "/api/v1/me")
            client = me["projects"][0]["client_id"]
            ids = []
            for n in range(count):
                status, body = call("POST", "/api/v1/contacts",
                                    {"client_id": client, "name": f"Bench Kontakt {n}", "emails": [f"bench{n}@example.org"]})
                assert status == 201, body
                ids.append(body["id"])

            def timed(path):
                t = time.perf_counter()
                status, _ = call("GET", path)
                assert status == 200, status
                return (time.perf_counter() - t) * 1000

            first = sorted(timed(f"/api/v1/contacts/{i}") for i in ids)
            repeat = sorted(timed(f"/api/v1/contacts/{ids[0]}") for _ in ids)
            p95 = lambda xs: xs[int(len(xs) * 0.95)]
            print(f"{count} contacts: first read (recorded) median {statistics.median(first):.2f} ms, p95 {p95(first):.2f} ms; "
                  f"repeated read (coalesced) median {statistics.median(repeat):.2f} ms, p95 {p95(repeat):.2f} ms")
        finally:
            server.terminate()
            server.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir")
    ap.add_argument("--contact-reads", action="store_true")
    ap.add_argument("--client", default="Acme Energie GmbH")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "zezaro"))
    args = ap.parse_args()
    if args.contact_reads:
        contact_reads(args.bin)
        return
    if not args.data_dir:
        sys.exit("--data-dir is required")

    db = sqlite3.connect(f"file:{os.path.join(args.data_dir, 'zezaro.db')}?mode=ro", uri=True)
    cases = db.execute(
        "SELECT COUNT(*) FROM cases k JOIN projects p ON p.id = k.project_id "
        "JOIN clients c ON c.id = p.client_id WHERE c.name = ?",
        (args.client,),
    ).fetchone()[0]
    db.close()
    print(f"client {args.client!r}: {cases} cases")

    out = os.path.join(tempfile.gettempdir(), "zezaro-export-bench.tar.gz")
    times, cpus, peaks = [], [], []
    for i in range(args.runs):
        elapsed, cpu, peak, line = run_once(args.bin, args.data_dir, args.client, out)
        times.append(elapsed)
        cpus.append(cpu)
        peaks.append(peak)
        print(f"run {i + 1}: {elapsed:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak:.1f} MB — {line}")
    with open("/proc/loadavg") as f:
        print(f"load average after the runs: {f.read().split()[0]} (2 cores are shared)")
    size = os.path.getsize(out)
    manifest = check_archive(out)
    rows = {f["path"]: f["rows"] for f in manifest["files"]}
    print(
        f"median: {statistics.median(times):.1f} s wall, {statistics.median(cpus):.1f} s CPU, peak RSS median {statistics.median(peaks):.1f} MB "
        f"(max {max(peaks):.1f} MB); archive {size / 1e6:.1f} MB; "
        f"cases {rows.get('cases.jsonl')}, messages {rows.get('messages.jsonl')}, "
        f"history {rows.get('case_history.jsonl')}, contacts {rows.get('contacts.jsonl')}"
    )
    os.remove(out)


if __name__ == "__main__":
    main()

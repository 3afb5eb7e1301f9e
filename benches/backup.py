#!/usr/bin/env python3
"""Online backup benchmark (issue 5).

Starts the release binary on a large store (a COPY: never the lead's
/tmp/zezaro-1m itself), then measures read and write latency under a steady
load of concurrent clients twice: for --seconds without a backup, and while
the admin's "back up now" (POST /api/v1/backups) runs, until it is done and
verified. Reports the backup's duration by phase, the archive's size, and
median/p95 of reads (first page of a case list, a case screen) and writes
(case creation) in both periods; reads must stay under 2x their normal p95.

Usage: python3 benches/backup.py [--data-dir /tmp/zezaro-1m-backup] [--source /tmp/zezaro-1m]
                                 [--seconds 30] [--readers 2] [--writers 1] [--no-build]
Record the figures in docs/benchmarks.md with machine and date.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "zezaro")
AGENT = "basic.agent@zezaro.example"
ADMIN = "admin@zezaro.example"


def start(data_dir):
    args = [BIN, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("Listening on "):
            return proc, line.split("Listening on ", 1)[1].strip()
    sys.exit("the server did not start")


def token(data_dir, email):
    return subprocess.run(
        [BIN, "token", "create", "--data-dir", data_dir, "--email", email, "--name", "bench"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()


class Client:
    """One keep-alive connection."""

    def __init__(self, url, token):
        host, port = url.replace("http://", "").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method, path, body=None):
        t0 = time.perf_counter()
        payload = None if body is None else json.dumps(body)
        try:
            self.conn.request(method, path, body=payload, headers=self.headers)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closes keep-alive connections idle for a while.
            self.conn.close()
            self.conn.request(method, path, body=payload, headers=self.headers)
            resp = self.conn.getresponse()
        data = resp.read()
        ms = (time.perf_counter() - t0) * 1000
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path}: {resp.status} {data[:300]!r}")
        return ms, data


def pct(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


class Load:
    """Readers and writers in threads, each recording its latencies."""

    def __init__(self, url, agent_token, admin_token, project, case_ids, readers, writers):
        self.stop = threading.Event()
        self.reads, self.writes = [], []
        self.lock = threading.Lock()
        self.threads = []
        for i in range(readers):
            self.threads.append(threading.Thread(target=self.read, args=(Client(url, agent_token), project, case_ids, i)))
        for i in range(writers):
            self.threads.append(threading.Thread(target=self.write, args=(Client(url, admin_token), project, i)))

    def read(self, client, project, case_ids, seed):
        rnd = random.Random(seed)
        lists = [f"/api/v1/cases?project_id={project}&view=open&sort=-updated_at&limit=50",
                 f"/api/v1/cases?project_id={project}&sort=-created_at&limit=50"]
        while not self.stop.is_set():
            path = rnd.choice(lists) if rnd.random() < 0.5 else f"/api/v1/cases/{rnd.choice(case_ids)}"
            ms, _ = client.call("GET", path)
            with self.lock:
                self.reads.append(ms)

    def write(self, client, project, seed):
        n = 0
        while not self.stop.is_set():
            n += 1
            ms, _ = client.call("POST", "/api/v1/cases", {
                "project_id": project, "subject": f"Backup bench {seed}-{n}", "channel": "email",
                "contact": {"name": f"Bench {n % 500}", "email": f"bench{n % 500}@example.de"},
                "message": {"kind": "inbound", "body_text": "Guten Tag, bitte prüfen Sie meine Rechnung."},
            })
            with self.lock:
                self.writes.append(ms)
            time.sleep(0.02)

    def run(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()
        return self.reads, self.writes


def line(name, times):
    if not times:
        return (0, 0, 0)
    med, p95 = statistics.median(times), pct(times, 95)
    print(f"  {name:<34} n={len(times):<6} median {med:8.2f} ms  p95 {p95:8.2f} ms")
    return (len(times), med, p95)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="/tmp/zezaro-1m", help="store to copy (never modified)")
    parser.add_argument("--data-dir", default="/tmp/zezaro-1m-backup", help="the copy the benchmark runs on")
    parser.add_argument("--seconds", type=int, default=30, help="duration of the baseline period")
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--writers", type=int, default=1)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the copy and the archive")
    opts = parser.parse_args()
    if os.path.realpath(opts.data_dir) == os.path.realpath(opts.source):
        sys.exit("--data-dir must be a copy, not the source store")
    if not opts.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if not os.path.exists(os.path.join(opts.data_dir, "zezaro.db")):
        print(f"copying {opts.source} to {opts.data_dir} …", flush=True)
        t0 = time.perf_counter()
        subprocess.run(["cp", "-r", opts.source, opts.data_dir], check=True)
        print(f"copy: {time.perf_counter() - t0:.0f} s", flush=True)

    db = sqlite3.connect(f"file:{os.path.join(opts.data_dir, 'zezaro.db')}?mode=ro", uri=True)
    total = db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
    project = db.execute("SELECT id FROM projects WHERE key = 'ACME'").fetchone()[0]
    agent_id = db.execute("SELECT id FROM users WHERE email = ?", (AGENT,)).fetchone()[0]
    case_ids = [r[0] for r in db.execute(
        "SELECT c.id FROM cases c JOIN project_members m ON m.project_id = c.project_id "
        "WHERE m.user_id = ? ORDER BY random() LIMIT 2000", (agent_id,))]
    db.close()
    size = sum(os.path.getsize(os.path.join(opts.data_dir, f)) for f in ("zezaro.db", "zezaro.db-wal")
               if os.path.exists(os.path.join(opts.data_dir, f)))
    print(f"store: {total:,} cases, {size / 1e9:.2f} GB (zezaro.db + -wal)")

    proc, url = start(opts.data_dir)
    try:
        agent_token, admin_token = token(opts.data_dir, AGENT), token(opts.data_dir, ADMIN)
        admin = Client(url, admin_token)
        # Warm-up: the first pages and some case screens.
        warm = Load(url, agent_token, admin_token, project, case_ids, opts.readers, 0)
        warm.run()
        time.sleep(5)
        warm.finish()

        print(f"\nWithout a backup: {opts.readers} readers, {opts.writers} writer(s), {opts.seconds} s")
        load = Load(url, agent_token, admin_token, project, case_ids, opts.readers, opts.writers)
        load.run()
        time.sleep(opts.seconds)
        reads0, writes0 = load.finish()
        r0 = line("reads (list page / case screen)", reads0)
        w0 = line("writes (POST /api/v1/cases)", writes0)

        print("\nDuring the online backup (POST /api/v1/backups until done and verified):")
        load = Load(url, agent_token, admin_token, project, case_ids, opts.readers, opts.writers)
        load.run()
        time.sleep(1)
        t0 = time.perf_counter()
        admin.call("POST", "/api/v1/backups", {})
        phases, job = {}, None
        while True:
            _, body = admin.call("GET", "/api/v1/backups/job")
            job = json.loads(body)
            phases.setdefault(job["phase"], time.perf_counter() - t0)
            if job["state"] in ("done", "failed"):
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - t0
        reads1, writes1 = load.finish()
        if job["state"] != "done":
            sys.exit(f"backup failed: {job}")
        r1 = line("reads (list page / case screen)", reads1)
        w1 = line("writes (POST /api/v1/cases)", writes1)

        # The machine is shared: a second period without a backup, right
        # after it, shows how much the load of others moved the figures.
        print(f"\nWithout a backup again, right after it: {opts.seconds} s")
        load = Load(url, agent_token, admin_token, project, case_ids, opts.readers, opts.writers)
        load.run()
        time.sleep(opts.seconds)
        reads2, writes2 = load.finish()
        r2 = line("reads (list page / case screen)", reads2)
        w2 = line("writes (POST /api/v1/cases)", writes2)
        _, body = admin.call("GET", "/api/v1/backups")
        item = next(i for i in json.loads(body)["items"] if i["name"] == job["file_name"])
        verify_at = phases.get("verify", elapsed)
        print(f"\nbackup {job['file_name']}: {elapsed:.0f} s in all "
              f"(store copy + archive {verify_at:.0f} s, verify {elapsed - verify_at:.0f} s), "
              f"{item['size_bytes'] / 1e9:.2f} GB, verified {item['verified']}, "
              f"snapshot max case id {item['snapshot']['max_case_id']:,}")
        # Against the calmer of the two periods without a backup.
        base_r, base_w = min(r0[2], r2[2]), min(w0[2], w2[2])
        ratio = r1[2] / base_r if base_r else float("nan")
        print(f"read p95 during / without (lower of before and after): {ratio:.2f}x "
              f"({'ok' if ratio < 2 else 'MISSES < 2x'}); write p95 {w1[2] / base_w if base_w else float('nan'):.2f}x")
        if not opts.keep:
            os.unlink(os.path.join(opts.data_dir, "backups", job["file_name"]))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    if not opts.keep:
        shutil.rmtree(opts.data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

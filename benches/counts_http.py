#!/usr/bin/env python3
"""`/cases/counts` and the CPU per created case through the HTTP API
(issue 16, docs/perf16.md "`/cases/counts` across projects").

    python benches/counts_http.py path/to/zezaro DATA_DIR [--creates N]

Creates tokens, starts `zezaro serve` on the store and times 60 requests
(one keep-alive client) of `/cases/counts` per role, without and with a
project (ACME): median and p95, after 5 untimed requests per line. With `--creates N` it then sends N
`POST /api/v1/cases` (ACME, an inline contact, a 1 KB first message) one
after the other and reports the server's CPU per created case, from
/proc/PID/stat (utime + stime over the run, all threads).

The store is written to (tokens, and the created cases with --creates):
use a copy.
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import time

import sqlite3

parser = argparse.ArgumentParser()
parser.add_argument("bin")
parser.add_argument("data")
parser.add_argument("--creates", type=int, default=0)
parser.add_argument("-n", type=int, default=60)
opts = parser.parse_args()
BIN, DATA = opts.bin, opts.data

USERS = {
    "platform admin": "admin@zezaro.example",
    "client admin ACME": "kadmin@acme-energie.example",
    "project lead": "lead@zezaro.example",
    "provider agent (Basic)": "basic.agent@zezaro.example",
}


def token(email):
    return subprocess.run(
        [BIN, "token", "create", "--data-dir", DATA, "--email", email, "--name", "bench-counts"],
        capture_output=True, text=True, check=True).stdout.strip()


db = sqlite3.connect(f"file:{DATA}/zezaro.db?mode=ro", uri=True)
acme = db.execute("SELECT id FROM projects WHERE key = 'ACME'").fetchone()[0]
cases = db.execute("SELECT max(id) FROM cases").fetchone()[0]
db.close()
toks = {email: token(email) for email in USERS.values()}

proc = subprocess.Popen([BIN, "serve", "--data-dir", DATA, "--listen", "127.0.0.1:0"],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
url = None
for line in proc.stdout:
    if line.startswith("Listening on "):
        url = line.split("Listening on ", 1)[1].strip()
        break
host, port = url.replace("http://", "").split(":")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime, stime are fields 14, 15 (1-based); after ")" field 3 is index 0.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(name, email, path, n):
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    h = {"Authorization": "Bearer " + toks[email]}
    ts = []
    for _ in range(5):  # warm-up, untimed: the first requests read cold pages
        conn.request("GET", path, headers=h)
        conn.getresponse().read()
    for _ in range(n):
        s = time.perf_counter()
        conn.request("GET", path, headers=h)
        r = conn.getresponse()
        b = r.read()
        ts.append((time.perf_counter() - s) * 1000)
        if r.status != 200:
            print("FAIL", path, r.status, b[:200])
            break
    ts.sort()
    print(f"{name:45s} n={len(ts)} median {statistics.median(ts):7.2f} ms, "
          f"p95 {ts[int(len(ts) * 0.95) - 1]:7.2f} ms")


try:
    print(f"store: {DATA}, {cases} cases; binary {BIN}")
    for role, email in USERS.items():
        run(f"/cases/counts, {role}", email, "/api/v1/cases/counts", opts.n)
        run(f"/cases/counts?project_id=ACME, {role}", email,
            f"/api/v1/cases/counts?project_id={acme}", opts.n)
    if opts.creates:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        h = {"Authorization": "Bearer " + toks[USERS["platform admin"]],
             "Content-Type": "application/json"}
        body_text = ("Guten Tag, mein Abschlag wurde erhöht, bitte prüfen Sie das. " * 17)[:1024]
        before = cpu_seconds(proc.pid)
        started = time.perf_counter()
        for i in range(opts.creates):
            body = json.dumps({
                "project_id": acme, "subject": f"Abschlag zu hoch {i}", "channel": "email",
                "contact": {"name": f"Bench Kunde {i}", "email": f"bench{i}@example.de"},
                "message": {"kind": "inbound", "body_text": body_text}})
            conn.request("POST", "/api/v1/cases", body=body, headers=h)
            r = conn.getresponse()
            b = r.read()
            if r.status != 201:
                print("FAIL create", r.status, b[:200])
                break
        wall = time.perf_counter() - started
        cpu = cpu_seconds(proc.pid) - before
        print(f"{opts.creates} x POST /api/v1/cases: server CPU {cpu:.2f} s = "
              f"{cpu / opts.creates * 1000:.2f} ms per case; wall {wall:.1f} s")
finally:
    proc.terminate()
    proc.wait()

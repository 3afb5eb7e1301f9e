#!/usr/bin/env python3
"""Workspace benchmark on a large store (issue 3).

Builds the release binary, generates a store of --cases cases with
`zezaro demo` (or reuses --data-dir when it holds a store already), starts
`zezaro serve` on it and measures, with keep-alive HTTP from one client
thread: view first pages, the case screen, full-text search; then case
creation through the API with wrk (concurrent connections), checking that
every acknowledged case is in the store. Reports median/p95/p99, the
server's resident memory and the store's size on disk.

Needs wrk (Debian: wrk) for the write test.
Usage: python3 benches/workspace.py [--cases N] [--data-dir DIR] [--requests N] [--seconds S]
Record the figures in docs/benchmarks.md with machine and date.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "zezaro")

TARGETS = {"view": 15.0, "case": 10.0, "search": 50.0}

# Who asks: a provider agent on ACME and NORD (filtered by membership), and
# the platform admin (no visibility filter) for comparison.
AGENT = "basic.agent@zezaro.example"
ADMIN = "admin@zezaro.example"

LUA = r"""
local n = 0
local subjects = {"Rechnung fehlerhaft", "Zählerstand übermitteln", "Router blinkt rot",
  "Lieferung nicht angekommen", "Vertrag kündigen", "Invoice in English please"}
local bodies = {"Guten Tag, mein Abschlag wurde erhöht. Bitte prüfen Sie das.",
  "Hallo, seit heute kein Internet, die DSL-Lampe blinkt rot.",
  "Hello, my order has not arrived yet. Kind regards"}
local channels = {"email", "call", "webform", "chat"}
request = function()
  n = n + 1
  local body = string.format(
    '{"project_id": %d, "subject": "%s %d", "channel": "%s", "priority": "normal", ' ..
    '"contact": {"name": "Bench Kunde %d", "email": "bench%d@example.de"}, ' ..
    '"message": {"kind": "inbound", "body_text": "%s"}}',
    PROJECT, subjects[(n %% #subjects) + 1], n, channels[(n %% #channels) + 1],
    n %% 5000, n %% 5000, bodies[(n %% #bodies) + 1])
  return wrk.format("POST", "/api/v1/cases", nil, body)
end
"""


def start(data_dir):
    args = [BIN, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = None
    for line in proc.stdout:
        if line.startswith("Listening on "):
            url = line.split("Listening on ", 1)[1].strip()
            break
    if url is None:
        sys.exit("the server did not start")
    return proc, url


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def store_mb(data_dir):
    total = 0
    for name in ("zezaro.db", "zezaro.db-wal"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            total += os.path.getsize(path)
    return total / 1e6


def token(data_dir, email):
    return subprocess.run(
        [BIN, "token", "create", "--data-dir", data_dir, "--email", email, "--name", "bench"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()


class Client:
    """One keep-alive connection."""

    def __init__(self, url, token):
        host, port = url.replace("http://", "").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path):
        t0 = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        resp = self.conn.getresponse()
        body = resp.read()
        ms = (time.perf_counter() - t0) * 1000
        if resp.status != 200:
            sys.exit(f"GET {path}: {resp.status} {body[:300]!r}")
        return ms, body


def pct(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summary(name, times, target=None):
    med, p95, p99 = statistics.median(times), pct(times, 95), pct(times, 99)
    mark = ""
    if target is not None:
        mark = "  ok" if p95 < target else f"  MISSES p95 < {target:g} ms"
    print(f"  {name:<58} n={len(times):<4} median {med:7.2f}  p95 {p95:7.2f}  p99 {p99:7.2f} ms{mark}")
    return med, p95, p99


def measure(client, paths, n, warmup=20):
    for path in paths[:warmup]:
        client.get(path)
    return [client.get(paths[i % len(paths)])[0] for i in range(n)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--data-dir", help="store to use (generated there when empty); default: a temp dir")
    parser.add_argument("--requests", type=int, default=500, help="requests per read figure")
    parser.add_argument("--search-requests", type=int, help="requests per search figure; default --requests")
    parser.add_argument("--seconds", type=int, default=20, help="duration of the write test")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections for the write test")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--bin", help="zezaro binary to measure; default target/release/zezaro")
    opts = parser.parse_args()
    global BIN
    if opts.bin:
        BIN = os.path.abspath(opts.bin)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    if not opts.no_build and not opts.bin:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)

    tmp = None
    data_dir = opts.data_dir
    if data_dir is None:
        tmp = tempfile.mkdtemp(prefix="zezaro-bench-", dir="/tmp")
        data_dir = tmp
    if not os.path.exists(os.path.join(data_dir, "zezaro.db")):
        print(f"generating {opts.cases:,} cases into {data_dir} …", flush=True)
        t0 = time.perf_counter()
        subprocess.run([BIN, "demo", "--data-dir", data_dir, "--cases", str(opts.cases)], check=True)
        print(f"generation: {time.perf_counter() - t0:.0f} s", flush=True)
    else:
        print(f"reusing the store in {data_dir}")

    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'zezaro.db')}?mode=ro", uri=True)
    total_cases = db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
    projects = dict(db.execute("SELECT key, id FROM projects"))
    topics = {k: [r[0] for r in db.execute("SELECT id FROM topics WHERE project_id = ?", (pid,))]
              for k, pid in projects.items()}
    agent_id = db.execute("SELECT id FROM users WHERE email = ?", (AGENT,)).fetchone()[0]
    visible = [r[0] for r in db.execute(
        "SELECT c.id FROM cases c JOIN project_members m ON m.project_id = c.project_id "
        "WHERE m.user_id = ? ORDER BY random() LIMIT 2000", (agent_id,))]
    db.close()
    size_before = store_mb(data_dir)
    print(f"store: {total_cases:,} cases, {size_before:,.0f} MB on disk (zezaro.db + -wal)")

    proc, url = start(data_dir)
    try:
        agent = Client(url, token(data_dir, AGENT))
        admin = Client(url, token(data_dir, ADMIN))
        time.sleep(1)
        print(f"RSS after start: {rss_mb(proc.pid):.1f} MB")
        acme, nord = projects["ACME"], projects["NORD"]
        n = opts.requests
        results = {}

        print(f"\nView first pages (limit=50), {n} requests each, agent {AGENT}:")
        views = [
            ("ACME open, -updated_at", f"project_id={acme}&view=open&sort=-updated_at"),
            ("ACME all, -updated_at", f"project_id={acme}&sort=-updated_at"),
            ("mine (all projects)", "view=mine"),
            ("ACME open, team=provider", f"project_id={acme}&view=open&team=provider"),
            ("ACME topic", f"project_id={acme}&topic_id={topics['ACME'][0]}"),
            ("NORD open, channel=call", f"project_id={nord}&view=open&channel=call"),
            ("ACME status=pending-customer", f"project_id={acme}&status=pending-customer"),
            ("ACME due=overdue", f"project_id={acme}&due=overdue"),
            ("ACME open, -priority", f"project_id={acme}&view=open&sort=-priority"),
            ("all visible open, -updated_at", "view=open"),
            ("ACME open, -created_at", f"project_id={acme}&view=open&sort=-created_at"),
            ("ACME tag=vip", f"project_id={acme}&tag=vip"),
        ]
        all_view_times = []
        for name, q in views:
            _, body = agent.get(f"/api/v1/cases?{q}&limit=50")
            name = f"{name} [{len(json.loads(body)['items'])} items]"
            times = measure(agent, [f"/api/v1/cases?{q}&limit=50"], n)
            all_view_times += times
            results[f"view {name}"] = summary(name, times, TARGETS["view"])
        results["view all"] = summary("all view queries together", all_view_times, TARGETS["view"])
        times = measure(admin, [f"/api/v1/cases?project_id={acme}&view=open&sort=-updated_at&limit=50"], n)
        results["view admin"] = summary("admin: ACME open, -updated_at", times, TARGETS["view"])
        times = measure(agent, [f"/api/v1/cases/counts?project_id={acme}"], max(n // 5, 50))
        results["counts"] = summary("counts (ACME) — not a target", times)

        print(f"\nCase screen, GET /api/v1/cases/{{random visible id}}, {n} requests:")
        paths = [f"/api/v1/cases/{i}" for i in visible]
        results["case"] = summary("case screen", measure(agent, paths, n), TARGETS["case"])

        n = opts.search_requests or n
        print(f"\nFull-text search, {n} requests each:")
        searches = [
            ("one word (Zählerstand)", "Zählerstand"),
            ("two words (Router Neustart)", "Router Neustart"),
            ("prefix (Gutschr*)", "Gutschr*"),
            ('phrase ("Vertrag kündigen")', '"Vertrag kündigen"'),
            ("filter + word (status:open Abschlag)", "status:open Abschlag"),
            ("rare name (Kowalski Görlitz)", "Kowalski Görlitz"),
            ("number (customer number)", "K-0001234"),
            ("common word (Rechnung)", "Rechnung"),
        ]
        all_search = []
        for name, q in searches:
            _, body = agent.get(f"/api/v1/search?q={urllib.parse.quote(q)}")
            name = f"{name} [{len(json.loads(body)['cases'])} hits]"
            times = measure(agent, [f"/api/v1/search?q={urllib.parse.quote(q)}"], n)
            all_search += times
            results[f"search {name}"] = summary(name, times, TARGETS["search"])
        results["search all"] = summary("all searches together", all_search, TARGETS["search"])
        rss_reads = rss_mb(proc.pid)
        print(f"RSS after reads: {rss_reads:.1f} MB")

        print(f"\nCase creation: wrk, {opts.connections} connections, {opts.seconds} s (POST /api/v1/cases):")
        db = sqlite3.connect(f"file:{os.path.join(data_dir, 'zezaro.db')}?mode=ro", uri=True)
        before = db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        db.close()
        admin_token = token(data_dir, ADMIN)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(LUA.replace("PROJECT", str(acme)).replace("%%", "%"))
            lua = f.name
        out = subprocess.run(
            ["wrk", "-t2", f"-c{opts.connections}", f"-d{opts.seconds}s", "--latency", "-s", lua,
             "-H", f"Authorization: Bearer {admin_token}", "-H", "Content-Type: application/json",
             f"{url}/api/v1/cases"],
            capture_output=True, text=True, check=True,
        ).stdout
        os.unlink(lua)
        total = int(re.search(r"(\d+) requests in", out).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errors = int(non2xx.group(1)) if non2xx else 0
        socket_errors = re.search(r"Socket errors:.*", out)
        ok = total - errors
        elapsed = float(re.search(r"requests in ([\d.]+)s", out).group(1))
        p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
        p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
        db = sqlite3.connect(f"file:{os.path.join(data_dir, 'zezaro.db')}?mode=ro", uri=True)
        after = db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        db.close()
        rate = ok / elapsed
        print(f"  {ok:,} cases created (2xx) in {elapsed:.1f} s = {rate:,.0f} cases/s "
              f"({'ok' if rate >= 1000 else 'MISSES >= 1,000/s'}); latency median {p50}, p99 {p99}; "
              f"non-2xx {errors}{'; ' + socket_errors.group(0) if socket_errors else ''}")
        grew = after - before
        # Every acknowledged case must be stored; requests still in flight
        # when wrk stops may be committed without wrk counting the answer.
        verdict = ("all acknowledged are stored" if grew >= ok else "LOST ACKNOWLEDGED WRITES")
        print(f"  cases in the store grew by {grew:,}, acknowledged {ok:,}: {verdict}"
              f" ({grew - ok:,} committed while wrk stopped)")
        rss_end = rss_mb(proc.pid)
        print(f"\nRSS after the run: {rss_end:.1f} MB ({'ok' if rss_end < 200 else 'MISSES < 200 MB'})")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"store on disk after the run: {store_mb(data_dir):,.0f} MB (zezaro.db + -wal)")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

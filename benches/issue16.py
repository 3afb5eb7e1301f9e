#!/usr/bin/env python3
"""The generated benchmark of issue 16 (docs/benchmarks.md, docs/perf16.md).

Python 3 standard library only. Starts `zezaro serve` on a store (or uses a
running server with --url), reads the OpenAPI document and GENERATES its
request list from the parameters of `/cases`, `/cases/counts`, `/search`
and `/contacts/lookup`:

- lists: every filter of `/cases` (each enum value from the schema or the
  parameter's description; ids of assignees, topics, contacts and tags
  drawn from the store through the API, the biggest and a small one) x
  every sort x project given / none x role (platform admin, client admin
  of the big demo client, project lead, agent in several projects), a few
  filter combinations, deep cursor paging (page 30), and `/cases/counts`
  with and without a project;
- search: random multi-word queries and phrases drawn from the store's own
  vocabulary (subjects of its cases), phrases that match nothing, absent
  words, prefixes;
- look-ups: phone numbers in their full and local forms, e-mail addresses.

Each request runs --reps times (default 20; fewer, at least 3, when one
request has used up --budget seconds); reported per request: median and
p95; per class (list/count, search, look-up) the worst p95 and the
requests that produced it, as Markdown (--out FILE).

Modes (--mode, comma-separated; default `reads`):
  reads          the generated read benchmark above
  under-writes   read p95 (view, search, case screen) alone, then while
                 --writers clients create cases (POST /api/v1/cases with a
                 contact and a 1 KB message)
  cpu            --creates cases by --writers clients; the server's
                 utime+stime from /proc/<pid>/stat per created case
  write          --creates cases by --writers clients (e.g. 100,000 more
                 before running `reads` again)
                 (the writer clients run as processes of their own; their
                 own CPU per case is reported beside the server's)
  search-pairs   the under-writes mix's search alone: --mix-reads searches
                 of two of the agent's 100 commonest subject words, each
                 asked twice and the second timed; median, p85, p95 and
                 the slowest (the mix's all-reads p95 is about the
                 search's p85: a third of its reads are searches)

Usage:
  python3 benches/issue16.py --data-dir DIR [--bin target/release/zezaro]
      [--mode reads,under-writes,cpu] [--reps 20] [--quick] [--out FILE]
"""

import argparse
import http.client
import json
import multiprocessing
import os
import queue
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workspace import pct, rss_mb, store_mb  # noqa: E402

TARGETS = {"list": 15.0, "search": 50.0, "lookup": 5.0, "case": 10.0}

# Who asks (demo logins, src/demo): the platform admin, the client admin of
# the big demo client (ACME, ~40 % of the cases), a project lead, and a
# provider agent who works in several projects.
ROLES = {
    "platform admin": "admin@zezaro.example",
    "client admin ACME": "kadmin@acme-energie.example",
    "project lead": "lead@zezaro.example",
    "agent (several projects)": "basic.agent@zezaro.example",
}
WRITER = "kadmin@acme-energie.example"

WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{4,}")


class Client:
    """One keep-alive connection with a bearer token."""

    def __init__(self, url, token, timeout=120):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method, path, body=None):
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        except (http.client.HTTPException, OSError):
            # The server closed the keep-alive connection: once more.
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            t0 = time.perf_counter()
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        return (time.perf_counter() - t0) * 1000, resp.status, raw

    def get(self, path):
        ms, status, raw = self.call("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {raw[:300]!r}")
        return ms, json.loads(raw)


def start_server(binary, data_dir):
    proc = subprocess.Popen(
        [binary, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("Listening on "):
            return proc, line.split("Listening on ", 1)[1].strip()
    sys.exit("the server did not start")


def make_token(binary, data_dir, email):
    return subprocess.run(
        [binary, "token", "create", "--data-dir", data_dir, "--email", email, "--name", "issue16"],
        capture_output=True, text=True, check=True).stdout.strip()


def cpu_seconds(pid):
    """utime + stime of a process, seconds."""
    user, system = cpu_split(pid)
    return user + system


def cpu_split(pid):
    """(utime, stime) of a process, seconds: the kernel's part (writes,
    syncs, page faults) moves with the machine's page cache far more than
    the process's own code does."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


# ---------------------------------------------------------------- the schema

def backticked(text):
    return re.findall(r"`([^`]+)`", text or "")


def schema_values(doc, schema):
    """Enum values of a parameter's schema (through oneOf / $ref)."""
    if not schema:
        return []
    if "enum" in schema:
        return [v for v in schema["enum"] if v is not None]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return schema_values(doc, doc["components"]["schemas"][name])
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(key, []):
            values = schema_values(doc, sub)
            if values:
                return values
    return []


def list_parameters(doc):
    """The `/cases` GET parameters: name -> (kind, values). Kind is `enum`
    (values from the schema or the description), `id` (drawn from the
    store), `text` (drawn from the store) or `paging`."""
    op = doc["paths"]["/api/v1/cases"]["get"]
    statuses = schema_values(doc, doc["components"]["schemas"].get("Status", {}))
    params = {}
    for p in op["parameters"]:
        name, schema = p["name"], p.get("schema", {})
        values = schema_values(doc, schema)
        if name in ("limit", "cursor"):
            params[name] = ("paging", [])
        elif values:
            params[name] = ("enum", values)
        elif name == "status":
            # Comma-separated statuses: each alone, and the usual pair.
            params[name] = ("enum", statuses + ["new,open"])
        elif name in ("view", "due", "sort"):
            values = [v for v in backticked(p.get("description")) if v != "all"]
            params[name] = ("enum", values)
        elif "integer" in json.dumps(schema):
            params[name] = ("id", [])
        else:
            params[name] = ("text", [])
    return params


# ------------------------------------------------------------ drawn values

class Drawn:
    """Values drawn from the store through the API for one role."""

    def __init__(self, client, quick):
        self.client = client
        projects = client.get("/api/v1/projects")[1]["items"]
        self.projects = [p for p in projects if p["active"]]
        sizes = {}
        for p in self.projects:
            counts = client.get(f"/api/v1/cases/counts?project_id={p['id']}")[1]
            sizes[p["id"]] = counts["open"]
        self.project = max(self.projects, key=lambda p: sizes[p["id"]]) if self.projects else None
        # A sample of the role's cases, spread over time.
        self.cases = []
        sorts = ["-updated_at", "created_at", "-created_at", "due_at", "-priority"]
        pages = 2 if quick else 4
        for sort in sorts:
            cursor = None
            for _ in range(pages):
                q = f"/api/v1/cases?sort={sort}&limit=200"
                if cursor:
                    q += "&cursor=" + urllib.parse.quote(cursor)
                page = client.get(q)[1]
                self.cases += page["items"]
                cursor = page["next_cursor"]
                if not cursor:
                    break
        seen = {}
        for c in self.cases:
            seen[c["id"]] = c
        self.cases = list(seen.values())

    def tally(self, key, within=None):
        counts = {}
        for c in self.cases:
            if within is not None and c["project_id"] != within:
                continue
            values = c.get(key)
            for v in (values if isinstance(values, list) else [values]):
                if v is not None:
                    counts[v] = counts.get(v, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))

    def big_and_small(self, key, within=None):
        """The most frequent value in the sample and a rare one."""
        ranked = self.tally(key, within)
        if not ranked:
            return []
        if len(ranked) == 1:
            return [("big", ranked[0][0])]
        return [("big", ranked[0][0]), ("small", ranked[-1][0])]


def vocabulary(cases):
    words = {}
    for c in cases:
        for w in WORD.findall(c["subject"]):
            words[w.lower()] = words.get(w.lower(), 0) + 1
    return sorted(words, key=lambda w: -words[w])


def search_queries(cases, n, rng):
    """Random queries from the store's own words (subjects of its cases)."""
    vocab = vocabulary(cases)
    common = vocab[:200] or ["rechnung"]
    subjects = [c["subject"] for c in cases if len(WORD.findall(c["subject"])) >= 2]
    out = []
    for i in range(n):
        out.append((f"two words #{i}", " ".join(rng.sample(common, min(2, len(common))))))
        out.append((f"five words #{i}", " ".join(rng.sample(common, min(5, len(common))))))
        if subjects:
            words = WORD.findall(rng.choice(subjects))
            k = rng.randint(2, min(3, len(words)))
            j = rng.randint(0, len(words) - k)
            out.append((f"present phrase #{i}", '"' + " ".join(words[j:j + k]) + '"'))
        out.append((f"absent phrase #{i}", '"' + " ".join(rng.sample(common, min(3, len(common)))) + '"'))
        out.append((f"prefix #{i}", rng.choice(common)[:3] + "*"))
        out.append((f"absent word #{i}", "zq" + "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(7))))
    return out


# ------------------------------------------------------------- generation

def generate(doc, drawn_by_role, opts, rng):
    """Returns [(class, role, label, path)]."""
    params = list_parameters(doc)
    sorts = params["sort"][1]
    if opts.quick:
        sorts = sorts[:2] + sorts[-1:]
    requests = []
    for role, drawn in drawn_by_role.items():
        projects = [("none", None)]
        if drawn.project:
            projects.append((drawn.project["key"], drawn.project["id"]))
        for pname, pid in projects:
            base = f"project_id={pid}&" if pid else ""
            filters = [("(none)", "")]
            for name, (kind, values) in params.items():
                if name in ("project_id", "sort") or kind == "paging":
                    continue
                if kind == "enum":
                    filters += [(f"{name}={v}", f"{name}={urllib.parse.quote(v)}") for v in values]
                elif name == "ref":
                    sample = [c for c in drawn.cases if pid is None or c["project_id"] == pid]
                    if sample:
                        ref = rng.choice(sample)["ref"]
                        filters.append((f"ref={ref}", f"ref={urllib.parse.quote(ref)}"))
                else:
                    key = {"assignee_id": "assignee_id", "topic_id": "topic_id",
                           "contact_id": "contact_id", "tag": "tags"}.get(name)
                    if key is None:
                        continue
                    for size, value in drawn.big_and_small(key, pid):
                        filters.append((f"{name}={size}", f"{name}={urllib.parse.quote(str(value))}"))
            # Combinations as agents use them.
            topics = drawn.big_and_small("topic_id", pid)
            if topics:
                t = topics[0][1]
                filters.append(("topic=big+team=provider+status=open",
                                f"topic_id={t}&team=provider&status=open"))
            filters.append(("view=open+channel=call", "view=open&channel=call"))
            filters.append(("view=mine+due=overdue", "view=mine&due=overdue"))
            for fname, fq in filters:
                for sort in sorts:
                    q = "&".join(x for x in (base + fq, f"sort={sort}", "limit=50") if x)
                    q = q.replace("&&", "&")
                    requests.append(("list", role, f"{fname} sort={sort} project={pname}",
                                     "/api/v1/cases?" + q))
            requests.append(("list", role, f"counts project={pname}",
                             "/api/v1/cases/counts" + (f"?project_id={pid}" if pid else "")))
        # Deep cursor paging: the cursor of page 30 (10 in --quick).
        depth = 10 if opts.quick else opts.depth
        for fname, fq in [("(none) sort=-updated_at", "sort=-updated_at"),
                          ("(none) sort=-created_at", "sort=-created_at"),
                          ("view=open sort=sla_due_at", "view=open&sort=sla_due_at")]:
            path = f"/api/v1/cases?{fq}&limit=50"
            cursor, page = None, 0
            for page in range(1, depth):
                p = path + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
                cursor = drawn.client.get(p)[1]["next_cursor"]
                if not cursor:
                    break
            if cursor:
                requests.append(("list", role, f"page {page + 1} of {fname}",
                                 path + "&cursor=" + urllib.parse.quote(cursor)))
    # Search: per role, the same generated queries.
    all_cases = [c for d in drawn_by_role.values() for c in d.cases]
    queries = search_queries(all_cases, 2 if opts.quick else opts.queries, rng)
    for role, drawn in drawn_by_role.items():
        for label, q in queries:
            requests.append(("search", role, f"{label}: {q}", "/api/v1/search?q=" + urllib.parse.quote(q)))
            if drawn.project and label.startswith("five words"):
                requests.append(("search", role, f"{label} project={drawn.project['key']}: {q}",
                                 f"/api/v1/search?q={urllib.parse.quote(q)}&project_id={drawn.project['id']}"))
    # Look-ups: contacts of the sampled cases, their numbers and addresses.
    for role, drawn in drawn_by_role.items():
        ids = [v for v, _ in drawn.tally("contact_id")]
        rng.shuffle(ids)
        looked = 0
        for cid in ids:
            if looked >= (2 if opts.quick else opts.lookups):
                break
            ms, status, raw = drawn.client.call("GET", f"/api/v1/contacts/{cid}")
            if status != 200:
                continue
            contact = json.loads(raw)
            looked += 1
            for phone in contact["phones"][:1]:
                requests.append(("lookup", role, f"phone full {phone}",
                                 "/api/v1/contacts/lookup?phone=" + urllib.parse.quote(phone)))
                digits = re.sub(r"\D", "", phone)
                if phone.strip().startswith("+49") or digits.startswith("49"):
                    local = "0" + digits[2:]
                    requests.append(("lookup", role, f"phone local {local}",
                                     "/api/v1/contacts/lookup?phone=" + urllib.parse.quote(local)))
                requests.append(("lookup", role, f"phone last 8 {digits[-8:]}",
                                 "/api/v1/contacts/lookup?phone=" + digits[-8:]))
            for email in contact["emails"][:1]:
                requests.append(("lookup", role, f"email {email}",
                                 "/api/v1/contacts/lookup?email=" + urllib.parse.quote(email)))
        requests.append(("lookup", role, "phone absent 8 digits",
                         "/api/v1/contacts/lookup?phone=" + "".join(rng.choice("0123456789") for _ in range(8))))
    return requests


def run_requests(requests, clients, reps, budget, min_reps=3, progress=True):
    results = []
    t_start = time.perf_counter()
    for i, (cls, role, label, path) in enumerate(requests):
        client = clients[role]
        times = []
        spent = 0.0
        ms, status, raw = client.call("GET", path)  # warm-up, checked
        if status != 200:
            results.append((cls, role, label, path, None, None, 0, f"{status} {raw[:200]!r}"))
            continue
        if ms > 100:
            # A slow request: its first run counts (a cold cache is no
            # longer what decides it), so a slow request costs min_reps runs.
            times.append(ms)
            spent += ms / 1000
        while len(times) < reps and not (spent > budget and len(times) >= min_reps):
            ms, status, _ = client.call("GET", path)
            times.append(ms)
            spent += ms / 1000
        results.append((cls, role, label, path, statistics.median(times), pct(times, 95), len(times), None))
        if progress and (i % 50 == 49 or i == len(requests) - 1):
            print(f"  {i + 1}/{len(requests)} requests, {time.perf_counter() - t_start:.0f} s", flush=True)
    return results


def markdown_reads(results, top):
    out = []
    ok = [r for r in results if r[4] is not None]
    failed = [r for r in results if r[4] is None]
    out.append("| class | requests | worst p95 | target | request (role) |")
    out.append("| --- | --- | --- | --- | --- |")
    for cls in ("list", "search", "lookup"):
        rows = [r for r in ok if r[0] == cls]
        if not rows:
            continue
        worst = max(rows, key=lambda r: r[5])
        over = sum(1 for r in rows if r[5] >= TARGETS[cls])
        out.append(f"| {cls if cls != 'list' else 'list/count'} | {len(rows)} ({over} over target) | "
                   f"{worst[5]:.1f} ms | < {TARGETS[cls]:g} ms | `{worst[2]}` ({worst[1]}) |")
    out.append("")
    def requests_table(rows):
        out.append("| class | role | request | n | median | p95 |")
        out.append("| --- | --- | --- | --- | --- | --- |")
        for r in rows:
            out.append(f"| {r[0]} | {r[1]} | `{r[2]}` | {r[6]} | {r[4]:.1f} ms | {r[5]:.1f} ms |")

    out.append(f"The {top} worst requests by p95:")
    out.append("")
    shown = sorted(ok, key=lambda r: -r[5])[:top]
    requests_table(shown)
    # Every request over its class's target, also those the list above
    # leaves out (one class's slowest can fill it).
    rest = [r for r in ok if r[5] >= TARGETS[r[0]] and r not in shown]
    if rest:
        out.append("")
        out.append(f"The other {len(rest)} requests over their target:")
        out.append("")
        requests_table(sorted(rest, key=lambda r: (r[0], -r[5])))
    if failed:
        out.append("")
        out.append(f"{len(failed)} requests FAILED:")
        for r in failed[:20]:
            out.append(f"- {r[1]} `{r[3]}`: {r[7]}")
    return "\n".join(out)


# ------------------------------------------------------------------ writes

BODY = ("Guten Tag, seit der letzten Abrechnung stimmt mein Abschlag nicht mehr. "
        "Ich habe den Zählerstand am Monatsende übermittelt, die Rechnung nennt aber "
        "einen geschätzten Wert. Bitte prüfen Sie das und schicken Sie mir eine "
        "korrigierte Rechnung. ")


def writer_loop(url, token, project_id, take, seed, latencies, errors):
    """Create cases while `take()` hands out a number."""
    client = Client(url, token)
    rng = random.Random(seed)
    body = (BODY * 5)[:1024]
    channels = ["email", "call", "webform", "chat"]
    while (n := take()) is not None:
        who = rng.randint(0, 4999)
        contact = ({"name": f"Last Kunde {who}", "email": f"last{who}@example.de"} if n % 2 == 0
                   else {"name": f"Last Kunde {who}", "phone": f"+49 30 {5550000 + who}"})
        payload = {"project_id": project_id, "subject": f"Abschlag zu hoch {n}",
                   "channel": channels[n % 4], "contact": contact,
                   "message": {"kind": "inbound", "body_text": body}}
        ms, status, raw = client.call("POST", "/api/v1/cases", payload)
        if status == 201:
            latencies.append(ms)
        else:
            errors.append(f"{status} {raw[:200]!r}")


def _writer_process(url, token, project_id, seed, stop, left, handed, results):
    def take():
        with left.get_lock():
            if stop.is_set() or left.value <= 0:
                return None
            left.value -= 1
            handed.value += 1
            return handed.value - 1
    latencies, errors = [], []
    cpu = time.process_time()
    try:
        writer_loop(url, token, project_id, take, seed, latencies, errors)
    except Exception as e:  # noqa: BLE001 - reported with the results
        errors.append(f"writer stopped: {e!r}")
    results.put((latencies, errors, time.process_time() - cpu))


class Writers:
    """`writers` clients creating `count` cases (0: until `finish`), each in
    a process of its own: a reader measured beside them then never waits
    for the writers' Python (one interpreter lock per process), only for
    the server."""

    def __init__(self, url, token, project_id, writers, count):
        ctx = multiprocessing.get_context("fork")
        self.stop = ctx.Event()
        self.left = ctx.Value("q", count if count else 10**12)
        self.handed = ctx.Value("q", 0)
        self.results = ctx.Queue()
        self.procs = [ctx.Process(target=_writer_process, daemon=True,
                                  args=(url, token, project_id, i, self.stop, self.left,
                                        self.handed, self.results))
                      for i in range(writers)]
        for p in self.procs:
            p.start()

    def finish(self, stop=True, progress=None):
        """Stop (or let them finish their count) and collect latencies, errors."""
        if stop:
            self.stop.set()
        latencies, errors, self.cpu_seconds = [], [], 0.0
        for _ in self.procs:
            while True:
                try:
                    lat, err, cpu = self.results.get(timeout=30)
                    break
                except queue.Empty:
                    if progress:
                        progress(self.handed.value)
            latencies += lat
            errors += err
            self.cpu_seconds += cpu
        for p in self.procs:
            p.join()
        return latencies, errors


def reads_mix(clients, drawn, rng):
    """The read mix measured under writes: a view, a search, a case screen."""
    role = "agent (several projects)"
    d = drawn[role]
    pid = d.project["id"]
    words = vocabulary(d.cases)[:100] or ["rechnung"]
    ids = [c["id"] for c in d.cases]
    return [
        ("view", role, lambda: f"/api/v1/cases?project_id={pid}&view=open&sort=-updated_at&limit=50"),
        ("search", role, lambda: "/api/v1/search?q=" + urllib.parse.quote(" ".join(rng.sample(words, 2)))),
        ("case", role, lambda: f"/api/v1/cases/{rng.choice(ids)}"),
    ]


def measure_mix(clients, mix, n):
    times = {name: [] for name, _, _ in mix}
    for i in range(n):
        name, role, make = mix[i % len(mix)]
        ms, status, raw = clients[role].call("GET", make())
        if status != 200:
            raise RuntimeError(f"{name}: {status} {raw[:200]!r}")
        times[name].append(ms)
    return times


def mix_lines(times):
    lines = []
    every = [t for ts in times.values() for t in ts]
    for name, ts in list(times.items()) + [("all reads", every)]:
        lines.append(f"| {name} | {len(ts)} | {statistics.median(ts):.1f} ms | {pct(ts, 95):.1f} ms |")
    return lines


# -------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", required=True, help="the store (tokens are made there by the CLI)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "zezaro"))
    ap.add_argument("--url", help="use this running server instead of starting one")
    ap.add_argument("--mode", default="reads")
    ap.add_argument("--reps", type=int, default=20, help="times each request runs (default 20)")
    ap.add_argument("--budget", type=float, default=2.0,
                    help="seconds one request may use before it stops repeating (>= 3 runs)")
    ap.add_argument("--min-reps", type=int, default=3,
                    help="runs of a request that has used up its budget (default 3)")
    ap.add_argument("--roles", help="comma-separated subset of the roles (default: all four)")
    ap.add_argument("--classes", help="comma-separated subset of the generated request classes "
                    "(list, search, lookup; default: all)")
    ap.add_argument("--depth", type=int, default=30, help="page of the deep cursor paging (default 30)")
    ap.add_argument("--queries", type=int, default=8, help="generated searches of each kind")
    ap.add_argument("--lookups", type=int, default=6, help="contacts looked up per role")
    ap.add_argument("--quick", action="store_true", help="smoke run: 3 reps, 3 sorts, few queries")
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--creates", type=int, default=5000, help="cases created by `cpu` / `write`")
    ap.add_argument("--mix-reads", type=int, default=600, help="reads of the under-writes mix")
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--out", help="append the Markdown report to this file")
    ap.add_argument("--perf", help="`cpu` mode: record a profile of the server to this file "
                    "(perf record -e cpu-clock -g; Debian's linux-perf)")
    opts = ap.parse_args()
    if opts.quick:
        opts.reps = min(opts.reps, 3)
        opts.mix_reads = min(opts.mix_reads, 90)
    modes = opts.mode.split(",")
    rng = random.Random(opts.seed)
    binary = os.path.abspath(opts.bin)

    proc = None
    url = opts.url
    if url is None:
        proc, url = start_server(binary, opts.data_dir)
    report = [f"### issue16.py {' '.join(sys.argv[1:])}", "",
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; store "
              f"{store_mb(opts.data_dir):,.0f} MB (zezaro.db + -wal); load average "
              f"{os.getloadavg()[0]:.1f}", ""]
    try:
        tokens = {role: make_token(binary, opts.data_dir, email) for role, email in ROLES.items()}
        clients = {role: Client(url, tok) for role, tok in tokens.items()}
        doc = clients["platform admin"].get("/api/v1/openapi.json")[1] if not os.environ.get(
            "ISSUE16_LOCAL_OPENAPI") else json.load(open(os.path.join(ROOT, "web", "openapi.json")))
        t0 = time.perf_counter()
        wanted = opts.roles.split(",") if opts.roles else list(ROLES)
        drawn = {role: Drawn(client, opts.quick) for role, client in clients.items()
                 if role in wanted or role in ("client admin ACME", "agent (several projects)")}
        print(f"drew values through the API in {time.perf_counter() - t0:.1f} s", flush=True)

        if "reads" in modes:
            requests = generate(doc, {r: d for r, d in drawn.items() if r in wanted}, opts, rng)
            if opts.classes:
                requests = [r for r in requests if r[0] in opts.classes.split(",")]
            by_class = {}
            for r in requests:
                by_class[r[0]] = by_class.get(r[0], 0) + 1
            print(f"generated {len(requests)} requests {by_class}, {opts.reps} reps each", flush=True)
            t0 = time.perf_counter()
            results = run_requests(requests, clients, opts.reps, opts.budget, opts.min_reps)
            took = time.perf_counter() - t0
            report.append(f"Generated reads: {len(requests)} requests {by_class}, up to {opts.reps} "
                          f"runs each (at least {opts.min_reps} for one over its budget of "
                          f"{opts.budget:g} s), one keep-alive client, "
                          f"{took:.0f} s.")
            report.append("")
            report.append(markdown_reads(results, opts.top))
            report.append("")
            if proc:
                report.append(f"Server RSS after the reads: {rss_mb(proc.pid):.0f} MB.")
                report.append("")
            with open(os.path.join("/tmp", f"issue16-results-{os.getpid()}.json"), "w") as f:
                json.dump(results, f)

        project = drawn["client admin ACME"].project
        writer_token = tokens["client admin ACME"]

        if "under-writes" in modes:
            mix = reads_mix(clients, drawn, rng)
            alone = measure_mix(clients, mix, opts.mix_reads)
            writers = Writers(url, writer_token, project["id"], opts.writers, 0)
            time.sleep(1)
            t0 = time.perf_counter()
            loaded = measure_mix(clients, mix, opts.mix_reads)
            took = time.perf_counter() - t0
            lat, errors = writers.finish()
            report.append(f"Reads under writes: {opts.writers} writer clients creating cases in "
                          f"{project['key']} (contact + 1 KB message), reads by one client "
                          f"({opts.mix_reads} requests, view / search / case screen in turn):")
            report.append("")
            report.append("| read | n | median alone | p95 alone | median under writes | p95 under writes |")
            report.append("| --- | --- | --- | --- | --- | --- |")
            every_a = [t for ts in alone.values() for t in ts]
            every_l = [t for ts in loaded.values() for t in ts]
            for name in list(alone) + ["all reads"]:
                a = every_a if name == "all reads" else alone[name]
                b = every_l if name == "all reads" else loaded[name]
                report.append(f"| {name} | {len(b)} | {statistics.median(a):.1f} ms | {pct(a, 95):.1f} ms | "
                              f"{statistics.median(b):.1f} ms | {pct(b, 95):.1f} ms |")
            report.append("")
            report.append(f"Writes meanwhile: {len(lat)} cases in {took:.1f} s "
                          f"({len(lat) / took:,.0f}/s), POST median {statistics.median(lat):.1f} ms, "
                          f"p95 {pct(lat, 95):.1f} ms, {len(errors)} errors"
                          + (f" (first: {errors[0]})" if errors else "")
                          + f"; the writer clients' own CPU {writers.cpu_seconds * 1000 / max(len(lat), 1):.2f}"
                          " ms per case (they share this machine's cores with the server).")
            report.append("")

        if "search-pairs" in modes:
            role = "agent (several projects)"
            words = vocabulary(drawn[role].cases)[:100] or ["rechnung"]
            timed = []
            for _ in range(opts.mix_reads):
                path = "/api/v1/search?q=" + urllib.parse.quote(" ".join(rng.sample(words, 2)))
                clients[role].call("GET", path)
                ms, status, raw = clients[role].call("GET", path)
                if status != 200:
                    raise RuntimeError(f"search: {status} {raw[:200]!r}")
                timed.append((ms, urllib.parse.unquote(path.split("q=", 1)[1])))
            times = [t for t, _ in timed]
            report.append(f"Two-word searches alone ({role}, {len(times)} searches of two of its "
                          f"100 commonest subject words, the second of two runs timed): median "
                          f"{statistics.median(times):.1f} ms, p85 {pct(times, 85):.1f} ms, p95 "
                          f"{pct(times, 95):.1f} ms; slowest: "
                          + ", ".join(f"{q} {t:.1f} ms" for t, q in sorted(timed)[-5:]) + ".")
            report.append("")

        for mode in ("cpu", "write"):
            if mode not in modes:
                continue
            before = cpu_split(proc.pid) if proc else None
            perf = None
            if opts.perf and mode == "cpu" and proc:
                perf = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "499", "--call-graph", "dwarf,16384",
                                         "-p", str(proc.pid), "-o", opts.perf],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1)
            t0 = time.perf_counter()
            writers = Writers(url, writer_token, project["id"], opts.writers, opts.creates)
            lat, errors = writers.finish(stop=False, progress=lambda n: print(
                f"  {n:,} handed out, {time.perf_counter() - t0:.0f} s", flush=True))
            took = time.perf_counter() - t0
            if perf:
                perf.send_signal(2)
                perf.wait(timeout=120)
            line = (f"{mode}: {len(lat):,} cases created by {opts.writers} clients in {took:.1f} s "
                    f"({len(lat) / took:,.0f}/s), POST median {statistics.median(lat):.1f} ms, "
                    f"p95 {pct(lat, 95):.1f} ms, {len(errors)} errors"
                    + (f" (first: {errors[0]})" if errors else ""))
            if proc:
                user, system = (now - was for now, was in zip(cpu_split(proc.pid), before))
                used = user + system
                per_case = 1000 / max(len(lat), 1)
                line += (f"; server CPU (utime+stime) {used:.2f} s = "
                         f"**{used * per_case:.3f} ms per created case** "
                         f"(user {user * per_case:.3f}, system {system * per_case:.3f})")
            line += f"; the clients' own CPU {writers.cpu_seconds * 1000 / max(len(lat), 1):.2f} ms per case"
            report.append(line + ".")
            report.append("")
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=60)
    text = "\n".join(report)
    print()
    print(text)
    if opts.out:
        with open(opts.out, "a") as f:
            f.write(text + "\n\n")


if __name__ == "__main__":
    main()

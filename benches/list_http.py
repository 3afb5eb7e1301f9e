#!/usr/bin/env python3
"""Every filter × sort of GET /cases × role × project, through the HTTP API
(issue 16, docs/perf16.md): the parameters and their values are generated
from the server's own OpenAPI document (`zezaro openapi`: enums, and the
backticked values of `view`, `due`, `sort`), the ids and the tag from the
store (the assignee with the most cases and the one with the fewest, the
biggest topic and contact, the commonest tag). Starts `zezaro serve` on the
store, times each request REPS times (first page, limit 50) and then one
deep page (the 30th, by the cursors) per filter × sort for the client admin,
and prints the count over 15 ms and over 5 ms, the worst, and the worst per
filter × sort (no project / project ACME). Needs `pip install apsw`.

Usage: python benches/list_http.py path/to/zezaro DATA_DIR [REPS]
"""
import http.client
import itertools
import json
import statistics
import subprocess
import sys
import time
import urllib.parse

import apsw

BIN, DATA = sys.argv[1], sys.argv[2]
REPS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
doc = json.loads(subprocess.run([BIN, "openapi"], capture_output=True, text=True, check=True).stdout)
c = apsw.Connection(DATA + "/zezaro.db", flags=apsw.SQLITE_OPEN_READONLY)
one = lambda q, a=(): list(c.execute(q, a))[0][0]
acme = one("select id from projects where key='ACME'")
store_values = {
    "assignee_id": [one("select assignee_id from cases where assignee_id is not null group by 1 order by count(*) desc limit 1"),
                    one("select assignee_id from cases where assignee_id is not null group by 1 order by count(*) limit 1")],
    "topic_id": [one("select topic_id from cases where project_id=? and topic_id is not null group by 1 order by count(*) desc limit 1", (acme,))],
    "contact_id": [one("select contact_id from cases where contact_id is not null group by 1 order by count(*) desc limit 1")],
    "tag": [one("select tag from case_tags group by 1 order by count(*) desc limit 1")],
    "ref": [one("select p.key||'-'||c.number from cases c join projects p on p.id=c.project_id where p.id=? order by c.id desc limit 1", (acme,))],
}
c.close()
schemas = doc["components"]["schemas"]
params = {}
sorts = []
for p in doc["paths"]["/api/v1/cases"]["get"]["parameters"]:
    name, desc = p["name"], p.get("description", "")
    ref = next((s["$ref"].rsplit("/", 1)[1] for s in p["schema"].get("oneOf", []) if "$ref" in s), None)
    ticks = desc.split("`")[1::2]
    if name in ("project_id", "limit", "cursor"):
        continue
    if name == "sort":
        sorts = ticks
    elif ref:
        params[name] = schemas[ref]["enum"]
    elif name == "status":
        st = schemas["Status"]["enum"]
        params[name] = st + [st[0] + "," + st[1]]
    elif name in store_values:
        params[name] = store_values[name]
    elif ticks:
        params[name] = [t for t in ticks if t != "all"]
    else:
        sys.exit(f"no values for parameter {name}")
filters = [("-", {})] + [(f"{k}={v}", {k: v}) for k, vs in params.items() for v in vs]
roles = ["admin@zezaro.example", "kadmin@acme-energie.example", "lead@zezaro.example", "tom.berger@zezaro.example"]


def token(email):
    return subprocess.run([BIN, "token", "create", "--data-dir", DATA, "--email", email, "--name", "bench16-list"],
                          capture_output=True, text=True, check=True).stdout.strip()


toks = {e: token(e) for e in roles}
proc = subprocess.Popen([BIN, "serve", "--data-dir", DATA, "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, text=True)
url = None
for line in proc.stdout:
    if line.startswith("Listening on "):
        url = line.split("Listening on ", 1)[1].strip()
        break
host, port = url.replace("http://", "").split(":")
conns = {}


def get(email, path):
    for attempt in range(2):
        conn = conns.get(email) or http.client.HTTPConnection(host, int(port), timeout=120)
        conns[email] = conn
        s = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Authorization": "Bearer " + toks[email]})
            r = conn.getresponse()
            b = r.read()
            break
        except (http.client.RemoteDisconnected, ConnectionError):
            # The server closed an idle keep-alive connection: open another.
            conn.close()
            conns.pop(email)
    ms = (time.perf_counter() - s) * 1000
    if r.status != 200:
        raise SystemExit(f"FAIL {path} {r.status} {b[:300]}")
    return ms, json.loads(b)


rows = []
try:
    for email, proj, (fn, fq), sort in itertools.product(roles, [None, acme], filters, sorts):
        q = dict(fq)
        q["sort"] = sort
        if proj:
            q["project_id"] = proj
        path = "/api/v1/cases?" + urllib.parse.urlencode(q)
        ts = sorted(get(email, path)[0] for _ in range(REPS))
        rows.append((statistics.median(ts), ts[-1], email, "ACME" if proj else "-", fn, sort))
    deep = []
    for (fn, fq), sort in itertools.product(filters, sorts):
        q = dict(fq)
        q["sort"] = sort
        cursor, ms, n = None, 0.0, 0
        for _ in range(30):
            qq = dict(q, **({"cursor": cursor} if cursor else {}))
            ms, page = get("kadmin@acme-energie.example", "/api/v1/cases?" + urllib.parse.urlencode(qq))
            n += 1
            cursor = page.get("next_cursor")
            if not cursor:
                break
        deep.append((ms, n, fn, sort))
finally:
    proc.terminate()
    proc.wait()
rows.sort(reverse=True)
print(f"combinations: {len(rows)} (median of {REPS})  >15 ms: {sum(r[0] > 15 for r in rows)}  >5 ms: {sum(r[0] > 5 for r in rows)}"
      f"  worst median {rows[0][0]:.1f} ms, worst single {max(r[1] for r in rows):.1f} ms")
all_ts = sorted(r[0] for r in rows)
print(f"medians over all combinations: median {statistics.median(all_ts):.2f} ms, p95 {all_ts[int(len(all_ts) * 0.95) - 1]:.2f} ms")
for r in rows[:25]:
    print(f"{r[0]:8.1f} ms (max {r[1]:.1f}) | {r[2]} | project {r[3]} | {r[4]} | {r[5]}")
deep.sort(reverse=True)
print(f"deep pages (client admin, up to the 30th page): worst last page {deep[0][0]:.1f} ms; >15 ms: {sum(d[0] > 15 for d in deep)}")
for d in deep[:5]:
    print(f"{d[0]:8.1f} ms | page {d[1]} | {d[2]} | {d[3]}")
print()
print("worst median ms per filter × sort over the roles; no project / project ACME")
print("| filter | " + " | ".join(sorts) + " |")
print("|---|" + "---|" * len(sorts))
for fn, _ in filters:
    cells = []
    for sn in sorts:
        a = max(r[0] for r in rows if r[4] == fn and r[5] == sn and r[3] == "-")
        b = max(r[0] for r in rows if r[4] == fn and r[5] == sn and r[3] == "ACME")
        cells.append(f"{a:.0f} / {b:.0f}")
    print(f"| {fn} | " + " | ".join(cells) + " |")

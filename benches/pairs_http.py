#!/usr/bin/env python3
"""Phrases with no match through the HTTP API (issue 16, docs/perf16.md,
the word-pair index `case_pairs`): creates a token for ACME's client admin,
starts `zezaro serve` on the store, and times 40 three-word phrases of
common words that match nothing (as `benches/search_sql.py` draws them),
40 absent words and 40 five-word searches (twice: counts read, then
kept). Needs `pip install apsw` (to draw the words from the store).

Usage: python benches/pairs_http.py path/to/zezaro DATA_DIR
"""
import http.client
import random
import statistics
import subprocess
import sys
import time
import urllib.parse

import apsw
BIN, DATA = sys.argv[1], sys.argv[2]
def token(email):
    return subprocess.run([BIN,"token","create","--data-dir",DATA,"--email",email,"--name","bench16"],capture_output=True,text=True,check=True).stdout.strip()
c=apsw.Connection(DATA+"/zezaro.db", flags=apsw.SQLITE_OPEN_READONLY)
c.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, case_search, 'row')")
common=[t for t,d in c.execute("SELECT term, doc FROM temp.v WHERE length(term) >= 4 AND term NOT GLOB '*[0-9]*' AND doc > 1000")]
random.seed(16)
phrases=[]
while len(phrases)<40:
    ws=random.sample(common,3); p='"'+" ".join(ws)+'"'
    if not list(c.execute("select 1 from case_search where case_search match ? limit 1",(p,))): phrases.append(p)
c.close()
random.seed(7)
five=[" ".join(random.sample(common,5)) for _ in range(40)]
absent=["qq%dzz"%i for i in range(40)]
email="kadmin@acme-energie.example"
tok=token(email)
proc=subprocess.Popen([BIN,"serve","--data-dir",DATA,"--listen","127.0.0.1:0"],stdout=subprocess.PIPE,stderr=subprocess.DEVNULL,text=True)
url=None
for line in proc.stdout:
    if line.startswith("Listening on "): url=line.split("Listening on ",1)[1].strip(); break
host,port=url.replace("http://","").split(":")
def run(name, queries):
    conn=http.client.HTTPConnection(host,int(port),timeout=60); h={"Authorization":"Bearer "+tok}
    ts=[]
    for q in queries:
        p="/api/v1/search?q="+urllib.parse.quote(q)
        s=time.perf_counter(); conn.request("GET",p,headers=h); r=conn.getresponse(); b=r.read(); ts.append((time.perf_counter()-s)*1000)
        if r.status!=200: print("FAIL",p,r.status,b[:200]); break
    ts.sort(); print(f"{name}: n={len(ts)} median {statistics.median(ts):.2f} ms, p95 {ts[int(len(ts)*0.95)-1]:.2f} ms")
try:
    time.sleep(float(sys.argv[3]) if len(sys.argv)>3 else 0)
    for rep in ("first time (counts read)", "again (counts kept)"):
        run(f"three-word phrase, no match, {rep}", phrases)
        run(f"one absent word, {rep}", absent)
        run(f"five words, {rep}", five)
finally:
    proc.terminate(); proc.wait()

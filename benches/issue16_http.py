#!/usr/bin/env python3
"""Phone look-up and five-word search through the HTTP API (issue 16,
docs/perf16.md): creates tokens for ACME's client admin and the platform
admin, starts `zezaro serve` on the store, and times 60 look-ups of ACME's
numbers in their +49 form (exact) and their local 0 form (last 8 digits),
and 40 five-word searches of common words of the store's vocabulary twice
(counts read, then kept). Needs `pip install apsw` (to pick numbers and
words from the store).

Usage: python benches/issue16_http.py path/to/zezaro DATA_DIR
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
acme=list(c.execute("select id from clients where name like 'Acme Energie%'"))[0][0]
nums=[r[0] for r in c.execute("select p.digits from contact_phones p join contacts k on k.id=p.contact_id where k.client_id=? and p.digits like '49%' and length(p.digits)>=10",(acme,))]
c.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, case_search, 'row')")
common=[t for t,d in c.execute("SELECT term, doc FROM temp.v WHERE length(term) >= 4 AND term NOT GLOB '*[0-9]*' AND doc > 1000")]
c.close()
random.seed(7)
toks={e:token(e) for e in ["kadmin@acme-energie.example","admin@zezaro.example"]}
proc=subprocess.Popen([BIN,"serve","--data-dir",DATA,"--listen","127.0.0.1:0"],stdout=subprocess.PIPE,stderr=subprocess.DEVNULL,text=True)
url=None
for line in proc.stdout:
    if line.startswith("Listening on "): url=line.split("Listening on ",1)[1].strip(); break
host,port=url.replace("http://","").split(":")
def run(name, email, paths):
    conn=http.client.HTTPConnection(host,int(port),timeout=60); h={"Authorization":"Bearer "+toks[email]}
    ts=[]
    for p in paths:
        s=time.perf_counter(); conn.request("GET",p,headers=h); r=conn.getresponse(); b=r.read(); ts.append((time.perf_counter()-s)*1000)
        if r.status!=200: print("FAIL",p,r.status,b[:200]); break
    ts.sort(); print(f"{name}: n={len(ts)} median {statistics.median(ts):.2f} ms, p95 {ts[int(len(ts)*0.95)-1]:.2f} ms")
try:
    sample=random.sample(nums,60)
    for email in toks:
        run(f"lookup exact (+49 form), {email}", email, ["/api/v1/contacts/lookup?phone="+urllib.parse.quote("+"+d) for d in sample])
        run(f"lookup local form -> last 8 digits, {email}", email, ["/api/v1/contacts/lookup?phone="+urllib.parse.quote("0"+d[2:]) for d in sample])
    five=["/api/v1/search?q="+urllib.parse.quote(" ".join(random.sample(common,5))) for _ in range(40)]
    run("five words, first time (counts read)", "kadmin@acme-energie.example", five)
    run("five words, again (counts kept)", "kadmin@acme-energie.example", five)
finally:
    proc.terminate(); proc.wait()

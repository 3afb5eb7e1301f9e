#!/usr/bin/env python3
"""Many-word search and phrases with no match at the SQL level (issue 16,
docs/perf16.md): 40 five-word queries of random common words of the
store's own vocabulary, 40 three-word phrases of such words that match
nothing, 40 absent words; the ranking pass of `cases::store::search`
(newest 2,000 matches) with bm25() counting every phrase (as zezaro_rank
did), the window alone, and the window after counts read from at most the
newest 2,000 matches (`PhraseCounts::estimates`), cold and kept (the
"after" lines leave out zezaro_rank's per-row scoring, which Python
cannot call: they are the counts plus the window's walk).
Needs `pip install apsw` (an SQLite that reads the store's FTS5 tables).

Usage: python benches/search_sql.py /path/to/zezaro.db
"""
import random
import statistics
import sys
import time

import apsw
c=apsw.Connection(sys.argv[1], flags=apsw.SQLITE_OPEN_READONLY)
c.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, case_search, 'row')")
vocab=[(t,d) for t,d in c.execute("SELECT term, doc FROM temp.v WHERE length(term) >= 4 AND term NOT GLOB '*[0-9]*'")]
N=c.execute("select rowid from case_search order by rowid desc limit 1").fetchall()[0][0]
print("rows bound", N, "vocabulary (>=4 letters, no digits)", len(vocab))
random.seed(16)
common=[t for t,d in vocab if d > 1000]
print("words in >1000 cases:", len(common))
def q(ws): return " ".join(f'"{w}"' for w in ws)
five=[q(random.sample(common,5)) for _ in range(40)]
# three words that exist but the phrase does not
phr=[]
while len(phr)<40:
    ws=random.sample(common,3); p='"'+" ".join(ws)+'"'
    if c.execute("select count(*) from (select 1 from case_search where case_search match ? limit 1)",(p,)).fetchall()[0][0]==0: phr.append(p)
absent=['"qq%dzz"'%i for i in range(40)]
BEFORE="SELECT id FROM (SELECT case_search.rowid id, bm25(case_search) score FROM case_search JOIN cases c ON c.id=case_search.rowid WHERE case_search MATCH ? ORDER BY case_search.rowid DESC LIMIT 2000) ORDER BY score, id DESC LIMIT 25"
WIN="SELECT id FROM (SELECT case_search.rowid id FROM case_search JOIN cases c ON c.id=case_search.rowid WHERE case_search MATCH ? ORDER BY case_search.rowid DESC LIMIT 2000) ORDER BY id DESC LIMIT 25"
EST="SELECT count(*), min(id) FROM (SELECT rowid AS id FROM case_search WHERE case_search MATCH ? ORDER BY rowid DESC LIMIT ?)"
CAP="SELECT count(*) FROM (SELECT 1 FROM case_search WHERE case_search MATCH ? LIMIT ?)"
cap=N//2+1
def run(name, queries, f):
    ts=[]
    for x in queries:
        s=time.perf_counter(); f(x); ts.append((time.perf_counter()-s)*1000)
    ts.sort(); print(f"{name}: median {statistics.median(ts):.2f} ms, p95 {ts[int(len(ts)*0.95)-1]:.2f} ms, max {ts[-1]:.2f}")
def terms(x): return [f'"{w}"' for w in x.strip('"').split('" "')]
cache={}
def after(x, warm):
    ts=terms(x)
    cs=[]
    for t in ts:
        if warm and t in cache: cs.append(cache[t]); continue
        seen,oldest=c.execute(EST,(t,2000)).fetchall()[0]
        n = round(seen*N/(N-oldest+1)) if seen>=2000 else seen
        cache[t]=n; cs.append(n)
    order=sorted(range(len(ts)), key=lambda i: cs[i])
    list(c.execute(WIN, (" ".join(ts[i] for i in order),)))
for rep in range(1):
  run("five words, before (bm25 counts every word)", five, lambda x: list(c.execute(BEFORE,(x,))))
  run("five words, window alone (no ranking)", five, lambda x: list(c.execute(WIN,(x,))))
  cache.clear()
  run("five words, after, counts cold (sampled, 2,000)", five, lambda x: after(x, False))
  run("five words, after, counts kept", five, lambda x: after(x, True))
  def rf(x):
    ts=terms(x); cs=[cache.get(t,0) for t in ts]; order=sorted(range(len(ts)), key=lambda i: cs[i])
    list(c.execute(WIN, (" ".join(ts[i] for i in order),)))
  run("five words, window alone, rarest first", five, rf)
  run("three-word phrase, no match, before", phr, lambda x: list(c.execute(BEFORE,(x,))))
  run("single absent word", absent, lambda x: list(c.execute(BEFORE,(x,))))
print("example five:", five[0]); print("example phrase:", phr[0])

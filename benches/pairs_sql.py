#!/usr/bin/env python3
"""Phrases with no match at the SQL level, before and after the word-pair
index (issue 16, docs/perf16.md, `case_pairs`, migration 0038): 40
three-word and 40 five-word phrases of common words of the store's own
vocabulary that match nothing (as `benches/search_sql.py` draws them), 40
absent words and 40 five free words; the ranking pass of
`cases::store::search` (newest 2,000 matches) as SQL, bm25() standing in
for zezaro_rank, without (before) and with (after) the constraint
`case_search.rowid IN (SELECT rowid FROM case_pairs WHERE case_pairs MATCH
'a_b b_c')`, rarest pair first, the pairs' counts read from at most 2,000
rows (cold) or kept; and the tables' sizes (dbstat). Run it on a store whose
background fill is done (`case_pairs_state.below` = 0).
Needs `pip install apsw` (an SQLite that reads the store's FTS5 tables).

Usage: python benches/pairs_sql.py /path/to/zezaro.db
"""
import random
import statistics
import sys
import time

import apsw
c=apsw.Connection(sys.argv[1], flags=apsw.SQLITE_OPEN_READONLY)
print("fill mark (0 = done):", c.execute("SELECT below FROM case_pairs_state").fetchall()[0][0])
c.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, case_search, 'row')")
common=[t for t,d in c.execute("SELECT term, doc FROM temp.v WHERE length(term) >= 4 AND term NOT GLOB '*[0-9]*' AND doc > 1000")]
random.seed(16)
def absent_phrases(n):
    out=[]
    while len(out)<40:
        ws=random.sample(common,n); p='"'+" ".join(ws)+'"'
        if not c.execute("select 1 from case_search where case_search match ? limit 1",(p,)).fetchall(): out.append(ws)
    return out
three=absent_phrases(3); five_phr=absent_phrases(5)
five=[random.sample(common,5) for _ in range(40)]
absent=[["qq%dzz"%i] for i in range(40)]
WIN="SELECT id FROM (SELECT case_search.rowid id, bm25(case_search) score FROM case_search JOIN cases c ON c.id=case_search.rowid WHERE {extra} case_search MATCH ? ORDER BY case_search.rowid DESC LIMIT 2000) ORDER BY score, id DESC LIMIT 25"
BEFORE=WIN.format(extra="")
AFTER=WIN.format(extra="case_search.rowid IN (SELECT rowid FROM case_pairs WHERE case_pairs MATCH ?) AND")
EST="SELECT count(*), min(id) FROM (SELECT rowid AS id FROM case_pairs WHERE case_pairs MATCH ? ORDER BY rowid DESC LIMIT 2000)"
N=c.execute("select rowid from case_search order by rowid desc limit 1").fetchall()[0][0]
cache={}
def est(p, warm):
    if warm and p in cache: return cache[p]
    seen,oldest=c.execute(EST,(p,)).fetchall()[0]
    n=round(seen*N/(N-oldest+1)) if seen>=2000 else seen
    cache[p]=n; return n
def phrase(ws): return '"'+" ".join(ws)+'"'
def after(ws, warm):
    pairs=[f'"{a}_{b}"' for a,b in zip(ws,ws[1:])]
    if not pairs:
        return list(c.execute(BEFORE,(phrase(ws),)))
    cs=sorted((est(p,warm),p) for p in pairs)
    if cs[0][0]>=2000: return list(c.execute(BEFORE,(phrase(ws),)))
    return list(c.execute(AFTER,(" ".join(p for _,p in cs), phrase(ws))))
def run(name, queries, f):
    ts=[]
    for x in queries:
        s=time.perf_counter(); f(x); ts.append((time.perf_counter()-s)*1000)
    ts.sort(); print(f"{name}: median {statistics.median(ts):.2f} ms, p95 {ts[int(len(ts)*0.95)-1]:.2f} ms, max {ts[-1]:.2f}")
for label, qs in (("three-word phrase, no match", three), ("five-word phrase, no match", five_phr), ("one absent word", absent)):
    run(f"{label}, before", qs, lambda ws: list(c.execute(BEFORE,(phrase(ws),))))
    cache.clear()
    run(f"{label}, after, pair counts cold", qs, lambda ws: after(ws, False))
    run(f"{label}, after, pair counts kept", qs, lambda ws: after(ws, True))
free=lambda ws: list(c.execute(BEFORE,(" ".join(f'"{w}"' for w in ws),)))
run("five free words (no phrase: unchanged path)", five, free)
try:
    for name in ("case_pairs", "case_search"):
        size=c.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE ?", (name+"%",)).fetchall()[0][0]
        print(f"{name}* tables: {size/1e6:.1f} MB")
except apsw.Error as e:
    print("dbstat not available:", e)
print("example three:", phrase(three[0]), " five:", phrase(five_phr[0]))

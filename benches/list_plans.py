#!/usr/bin/env python3
"""Query plans and times of the case list for every filter × sort × role
(issue 16, docs/perf16.md).

Rebuilds the list query's inner id query as `cases::service::filter_for`
and `cases::store::list` write it (visibility, project, one filter, sort,
LIMIT 50; the tag list by time's case_tags path is not reproduced), runs
EXPLAIN QUERY PLAN and times it (best of 2) on a store, read only.
Needs a Python SQLite of the store's generation or newer (Debian 12's is
3.40 and plans differently): `pip install apsw` in a venv.

Usage: python benches/list_plans.py /path/to/zezaro.db
"""

import datetime
import itertools
import json
import sys
import time

import apsw
db=sys.argv[1]
c=apsw.Connection(db, flags=apsw.SQLITE_OPEN_READONLY)
one=lambda q,a=(): list(c.execute(q,a))[0][0]
acme_client=one("select id from clients where name like 'Acme Energie%'")
acme=one("select id from projects where key='ACME'")
nord=one("select id from projects where key='NORD'")
assignee=one("select assignee_id from cases where assignee_id is not null group by 1 order by count(*) desc limit 1")
topic=one("select topic_id from cases where project_id=? and topic_id is not null group by 1 order by count(*) desc limit 1",(acme,))
contact=one("select contact_id from cases group by 1 order by count(*) desc limit 1")
now=datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%S.000Z')
soon=(datetime.datetime.utcnow()+datetime.timedelta(hours=24)).strftime('%Y-%m-%dT%H:%M:%S.000Z')
OPEN="c.status NOT IN ('solved', 'closed')"
roles={
 "platform admin": [],
 "client admin": [("+c.project_id IN (SELECT id FROM projects WHERE client_id IN (SELECT value FROM json_each(?)))", [json.dumps([acme_client])])],
 "agent 2 projects": [("+c.project_id IN (SELECT value FROM json_each(?))", [json.dumps([acme,nord])])],
}
filters={
 "-": [],
 "view=open":[(OPEN,[])],
 "view=mine":[(OPEN,[]),("c.assignee_id = ?",[assignee])],
 "view=unassigned":[(OPEN,[]),("c.assignee_id IS NULL",[])],
 "status=open":[("c.status = ?",["open"])],
 "status=new,open":[("c.status IN (SELECT value FROM json_each(?))",['["new","open"]'])],
 "assignee_id":[("c.assignee_id = ?",[assignee])],
 "team=provider":[("c.handling_team = ?",["provider"])],
 "topic_id":[("c.topic_id = ?",[topic])],
 "channel=call":[("c.channel = ?",["call"])],
 "tag=vip":[("EXISTS (SELECT 1 FROM case_tags g WHERE g.case_id = c.id AND g.tag = ?)",["vip"])],
 "contact_id":[("c.contact_id = ?",[contact])],
 "due=overdue":[(OPEN,[]),("c.due_at IS NOT NULL AND +c.due_at < ?",[now])],
 "due=soon":[(OPEN,[]),("c.due_at >= ? AND c.due_at < ?",[now,soon])],
}
sorts={
 "-updated_at":("c.updated_at","DESC"),"updated_at":("c.updated_at","ASC"),
 "-created_at":("c.created_at","DESC"),"created_at":("c.created_at","ASC"),
 "due_at":("COALESCE(c.due_at, '9999')","ASC"),"sla_due_at":("COALESCE(c.sla_due_at, '9999')","ASC"),
 "-priority":("(CASE c.priority WHEN 'urgent' THEN '3' WHEN 'high' THEN '2' WHEN 'normal' THEN '1' ELSE '0' END || c.updated_at)","DESC"),
}
rows=[]
for (rn,rc),proj,(fn,fc),(sn,(expr,d)) in itertools.product(roles.items(),[None,acme],filters.items(),sorts.items()):
    clauses=list(rc)
    if proj: clauses.append(("c.project_id = ?",[proj]))
    clauses+=fc
    if fn=="due=overdue" and proj:
        clauses=[x for x in clauses if "+c.due_at" not in x[0]]+[("c.due_at < ?",[now])]
        frm="cases c INDEXED BY cases_open_due JOIN projects p ON p.id = c.project_id"
    else:
        frm="cases c JOIN projects p ON p.id = c.project_id"
    where=" AND ".join(x[0] for x in clauses); args=[a for x in clauses for a in x[1]]
    sql=f"SELECT c.id FROM {frm}{' WHERE '+where if where else ''} ORDER BY {expr} {d}, c.id {d} LIMIT 50"
    plan=" / ".join(r[3] for r in c.execute("EXPLAIN QUERY PLAN "+sql,args))
    best=1e9
    for _ in range(2):
        s=time.perf_counter(); list(c.execute(sql,args)); best=min(best,(time.perf_counter()-s)*1000)
    rows.append((best,rn,"ACME" if proj else "-",fn,sn,plan))
rows.sort(reverse=True)
print("combinations:",len(rows)," >15 ms:",sum(1 for r in rows if r[0]>15)," >5 ms:",sum(1 for r in rows if r[0]>5))
for r in rows[:45]:
    print(f"{r[0]:8.1f} ms | {r[1]} | project {r[2]} | {r[3]} | {r[4]} | {r[5]}")
print()
print("worst ms per filter (rows) × sort (columns), over the three roles; no project / project ACME")
print("| filter | " + " | ".join(sorts) + " |")
print("|---|" + "---|"*len(sorts))
for fn in filters:
    cells=[]
    for sn in sorts:
        a=max(r[0] for r in rows if r[3]==fn and r[4]==sn and r[2]=="-")
        b=max(r[0] for r in rows if r[3]==fn and r[4]==sn and r[2]=="ACME")
        cells.append(f"{a:.0f} / {b:.0f}")
    print(f"| {fn} | " + " | ".join(cells) + " |")

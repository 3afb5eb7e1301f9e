#!/usr/bin/env python3
"""Contact look-up by phone at the SQL level (issue 16, docs/perf16.md):
60 stored numbers, the SQL of `contacts::store::lookup` by exact digits and
by the last 8 digits, before (row by row) and after (index
`contact_phones_tail`), for the platform admin, a client admin and a given
client_id; median and p95, and the plans.
Needs `pip install apsw`.

Usage: python benches/phone_lookup_sql.py /path/to/zezaro.db
"""
import random
import statistics
import sys
import time

import apsw
c=apsw.Connection(sys.argv[1], flags=apsw.SQLITE_OPEN_READONLY)
SELECT='''SELECT c.id, c.client_id, c.name,
        (SELECT json_group_array(email) FROM
            (SELECT email FROM contact_emails WHERE contact_id = c.id ORDER BY position, email)),
        (SELECT json_group_array(phone) FROM
            (SELECT phone FROM contact_phones WHERE contact_id = c.id ORDER BY position, phone)),
        c.organization_id, o.name, c.customer_number, c.language, c.street, c.postal_code,
        c.city, c.country, c.notes, c.custom,
        (SELECT COUNT(*) FROM cases k WHERE k.contact_id = c.id),
        c.merged_into_id, c.created_at, c.updated_at
     FROM contacts c LEFT JOIN organizations o ON o.id = c.organization_id'''
old_suffix="c.id IN (SELECT contact_id FROM contact_phones WHERE length(digits) >= length(?3) AND substr(digits, -length(?3)) = ?3)"
new_suffix="c.id IN (SELECT contact_id FROM contact_phones WHERE substr(digits, -8) = ?3)"
exact="c.id IN (SELECT contact_id FROM contact_phones WHERE digits = ?3)"
def sql(clause, plus):
    p = '+' if plus else ''
    return f"""{SELECT} WHERE c.merged_into_id IS NULL
           AND (?1 IS NULL OR {p}c.client_id IN (SELECT value FROM json_each(?1)))
           AND (?2 IS NULL OR {p}c.client_id = ?2)
           AND {clause}
         ORDER BY c.id LIMIT 100"""
digits=[r[0] for r in c.execute("select digits from contact_phones where length(digits)>=8")]
random.seed(1)
sample=[random.choice(digits) for _ in range(60)]
def p95(name, q, argf):
    ts=[]
    for d in sample:
        s=time.perf_counter(); list(c.execute(q, argf(d))); ts.append((time.perf_counter()-s)*1000)
    ts.sort(); print(f"{name}: median {statistics.median(ts):.3f} ms, p95 {ts[int(len(ts)*0.95)-1]:.3f} ms")
print(c.execute("select count(*) from contacts").fetchall(), c.execute("select count(*) from contact_phones").fetchall())
for role,vis,cl in [("platform admin",None,None),("client admin","[1]",None),("admin+client_id",None,1)]:
    p95(f"{role} exact digits", sql(exact, True), lambda d:(vis,cl,d))
    p95(f"{role} suffix before", sql(old_suffix, False), lambda d:(vis,cl,d[-8:]))
    p95(f"{role} suffix after", sql(new_suffix, True), lambda d:(vis,cl,d[-8:]))
for x in c.execute("explain query plan "+sql(new_suffix, True), ("[1]",None,"12345678")): print(x)
for x in c.execute("explain query plan "+sql(old_suffix, False), ("[1]",None,"12345678")): print(x)

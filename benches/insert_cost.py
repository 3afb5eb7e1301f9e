#!/usr/bin/env python3
"""Cost of the case insert's index upkeep (issue 16, docs/perf16.md): times
N inserts into `cases` (copies of existing rows, new ids and numbers, one
transaction, rolled back) without and with the indexes of migration 0036,
created inside the same rolled-back transaction. The store is unchanged.

Usage: python benches/insert_cost.py /path/to/zezaro.db [N]
"""
import sys, time
import apsw
db = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
c = apsw.Connection(db)
INDEXES = [
    "CREATE INDEX IF NOT EXISTS x_updated ON cases(updated_at)",
    "CREATE INDEX IF NOT EXISTS x_created ON cases(created_at)",
    "CREATE INDEX IF NOT EXISTS x_due ON cases(COALESCE(due_at, '9999'))",
    "CREATE INDEX IF NOT EXISTS x_sla ON cases(COALESCE(sla_due_at, '9999'))",
    "CREATE INDEX IF NOT EXISTS x_prio ON cases((CASE priority WHEN 'urgent' THEN '3' WHEN 'high' THEN '2' WHEN 'normal' THEN '1' ELSE '0' END || updated_at))",
]
# A new case is created now: its times are the newest (the end of the time
# indexes), its SLA deadline a day ahead, no due date; the rest is copied.
FRESH = {"created_at": "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day')",
         "updated_at": "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+1 day')",
         "sla_due_at": "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+2 days')",
         "due_at": "NULL"}
cols = [r[1] for r in c.execute("PRAGMA table_info(cases)") if r[1] not in ("id", "number")]
vals = [FRESH.get(x, x) for x in cols]
top = list(c.execute("SELECT max(id), max(number) FROM cases"))[0]
src = [r[0] for r in c.execute("SELECT id FROM cases ORDER BY random() LIMIT ?", (n,))]
def run(with_indexes, label):
    c.execute("BEGIN")
    if with_indexes:
        for s in INDEXES:
            c.execute(s)
    best = None
    for rep in range(3):
        c.execute("SAVEPOINT s")
        t = time.perf_counter()
        for i, sid in enumerate(src):
            c.execute(f"INSERT INTO cases (id, number, {', '.join(cols)}) SELECT ?, ?, {', '.join(vals)} FROM cases WHERE id = ?",
                      (top[0] + 1 + i, top[1] + 1 + i, sid))
        dt = time.perf_counter() - t
        c.execute("ROLLBACK TO s")
        c.execute("RELEASE s")
        best = dt if best is None else min(best, dt)
    c.execute("ROLLBACK")
    print(f"{label}: {n} inserts {best*1000:.0f} ms, {best*1e6/n:.1f} us per case (best of 3)")
run(False, "before (no 0036 indexes)")
run(True, "after (with the 5 indexes of 0036)")

"""Reference figures for src/forecast/erlang.rs (tests there quote them).

Run: python3 -m venv target/pyref/venv &&
     target/pyref/venv/bin/pip install pyworkforce==0.5.1 call-center-tools==1.0.0 pyqueueing==0.1.1 &&
     target/pyref/venv/bin/python tests/reference/erlang_reference.py

Erlang C: pyworkforce 0.5.1 (`pyworkforce.queuing.ErlangC`) and
call-center-tools 1.0.0 (`call_center_tools.staffing`).
Erlang A (M/M/n+M, Palm; Garnett, Mandelbaum, Reiman 2002): pyqueueing
0.1.1 (`pyqueueing.models.erlang_a.ErlangA`: P(wait), P(abandon), E[Wq] from
the birth-death chain). Its service level and "ASA" are approximations, so
those two come from the birth-death chain here: an arrival that finds
n + j in the system waits, if patient, S_j = sum_{k=0..j} Exp(n mu + k theta),
and exp(-theta S_j) ~ Beta(n mu/theta, j + 1); the call is answered within t
when S_j <= t and its Exp(theta) patience outlasts S_j.
"""

import math

from scipy.special import betainc, digamma
from pyworkforce.queuing import ErlangC
from call_center_tools import staffing as cct
from pyqueueing.models.erlang_a import ErlangA


def erlang_c_case(calls, interval_s, aht_s, target_s, sl_target):
    e = ErlangC(transactions=calls, aht=aht_s / 60, asa=target_s / 60, interval=interval_s / 60)
    req = e.required_positions(service_level=sl_target)
    n = req["raw_positions"]
    a = calls * aht_s / interval_s
    pw = e.waiting_probability(n)
    asa = cct.calc_average_speed_of_answer(a, n, pw, aht_s)
    sl_cct = cct.calc_service_level(a, n, pw, target_s, aht_s)
    print(f"erlang-c calls={calls}/{interval_s}s aht={aht_s}s target={sl_target}/{target_s}s")
    print(f"  agents={n} P(wait)={pw!r} SL={e.service_level(n)!r} (cct {sl_cct!r}) ASA={asa!r} occ={a / n!r}")


def birth_death(n, lam, mu, theta):
    """p_k for k = 0.. (truncated far past the mass) of M/M/n+M."""
    logs = [0.0]
    for k in range(1, n + 1):
        logs.append(logs[-1] + math.log(lam / (k * mu)))
    k = n
    while True:
        k += 1
        logs.append(logs[-1] + math.log(lam / (n * mu + (k - n) * theta)))
        if logs[-1] < max(logs) - 60 and k > n + 10:
            break
    top = max(logs)
    w = [math.exp(l - top) for l in logs]
    s = sum(w)
    return [x / s for x in w]


def erlang_a_case(calls, interval_s, aht_s, patience_s, n, target_s):
    lam, mu, theta = calls / interval_s, 1 / aht_s, 1 / patience_s
    q = ErlangA(arrival_rate=lam, service_rate=mu, servers=n, patience_rate=theta)
    p = birth_death(n, lam, mu, theta)
    x = n * mu / theta
    y0 = math.exp(-theta * target_s)
    immediate = sum(p[:n])
    within = immediate
    answered = immediate
    wait_answered = 0.0
    for j, pj in enumerate(p[n:]):
        # P(S_j <= t, patience > S_j) = E[Y; Y >= y0], Y ~ Beta(x, j + 1)
        mean_y = x / (x + j + 1)
        within += pj * mean_y * (1 - betainc(x + 1, j + 1, y0))
        answered += pj * mean_y
        # E[S_j e^{-theta S_j}] = E[-ln(Y) Y] / theta
        wait_answered += pj * mean_y * (digamma(x + j + 2) - digamma(x + 1)) / theta
    print(f"erlang-a calls={calls}/{interval_s}s aht={aht_s}s patience={patience_s}s agents={n} t={target_s}s")
    print(f"  pyqueueing: P(wait)={q.prob_wait()!r} P(abandon)={q.prob_abandon()!r} E[Wq]={q.mean_wait()!r}")
    print(f"  chain:      P(wait)={1 - immediate!r} P(abandon)={1 - answered!r} SL={within!r} ASA={wait_answered / answered!r}")


erlang_c_case(100, 1800, 180, 20, 0.8)
erlang_c_case(123 * 3600 / 300, 3600, 300, 20, 0.8)
erlang_c_case(2000, 1800, 240, 15, 0.9)
erlang_a_case(100, 1800, 180, 120, 14, 20)
erlang_a_case(100, 1800, 180, 120, 12, 20)
erlang_a_case(100, 1800, 180, 60, 9, 20)
erlang_a_case(2000, 1800, 240, 180, 270, 15)
# Large: 3000 Erlang (pyqueueing's truncation gives up here; the chain holds).
erlang_a_case(18000, 1800, 300, 180, 2760, 20)
erlang_a_case(18000, 1800, 300, 180, 2759, 20)

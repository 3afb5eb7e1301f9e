#!/usr/bin/env python3
"""Property-based API fuzzing of a real zezaro against its own OpenAPI
document (schemathesis, all checks), as the platform admin, a client admin
and an agent. Any finding fails the run (exit status 1).

Starts `target/debug/zezaro serve --demo` on a temporary data directory and
a free loopback port, signs the three demo users in and has each create an
API token, then runs schemathesis once per role. Bounded by
ZEZARO_FUZZ_EXAMPLES (examples per operation and phase, default 10:
about 9 minutes and 17,700 requests on 2 busy cores).

Usage: python3 tests/fuzz/run.py [path/to/zezaro]   (from .ci/fuzz)
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
# The demo users' password (src/demo.rs, DEMO_PASSWORD).
DEMO_PASSWORD = "Hafenkran-Sonnenblume-7"
# Agent first, platform admin last: an admin's writes (deactivating users,
# say) then cannot take the others' tokens away mid-run.
ROLES = [
    ("agent", "anna.schmidt@acme-energie.example"),
    ("client-admin", "kadmin@acme-energie.example"),
    ("admin", "admin@zezaro.example"),
]
# Operations that end the fuzzer's own credentials: testing them would
# turn the rest of the run into 401s. Covered by tests/it/api_contract.rs.
EXCLUDE_PATH_REGEX = r"(/tokens/\{[^}]+\}$|/auth/logout$)"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(opener, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with opener.open(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def token_for(base, email):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    me = request(opener, f"{base}/api/v1/auth/login", {"email": email, "password": DEMO_PASSWORD})
    created = request(
        opener,
        f"{base}/api/v1/me/tokens",
        {"name": "fuzz"},
        {"X-CSRF-Token": me["csrf_token"]},
    )
    return created["token"]


def wait_healthy(base, server, deadline=60):
    start = time.time()
    while time.time() - start < deadline:
        if server.poll() is not None:
            sys.exit(f"zezaro exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit("zezaro did not answer /healthz within 60 s")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/zezaro")
    st = os.environ.get("ZEZARO_FUZZ_ST", "st")
    # schemathesis runs in the temporary directory: a relative path must not move.
    st = os.path.abspath(st) if os.sep in st else st
    binary = os.path.abspath(binary)
    examples = os.environ.get("ZEZARO_FUZZ_EXAMPLES", "10")
    seed = os.environ.get("ZEZARO_FUZZ_SEED", "20261203")
    phases = os.environ.get("ZEZARO_FUZZ_PHASES", "examples,coverage,fuzzing,stateful")
    report_dir = os.environ.get("ZEZARO_FUZZ_REPORT", os.path.join(ROOT, "target/fuzz-report"))
    data = tempfile.mkdtemp(prefix="zezaro-fuzz-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(data, "server.log"), "w")
    server = subprocess.Popen(
        [binary, "serve", "--demo", "--data-dir", os.path.join(data, "store"), "--listen", f"127.0.0.1:{port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
    )
    failed = []
    started = time.time()
    try:
        wait_healthy(base, server)
        tokens = {role: token_for(base, email) for role, email in ROLES}
        for role, _ in ROLES:
            print(f"== schemathesis as {role}", flush=True)
            cmd = [
                st,
                "--config-file", os.path.join(HERE, "schemathesis.toml"),
                "run", f"{base}/api/v1/openapi.json",
                "--url", base,
                "--checks", "all",
                "--phases", phases,
                "--max-examples", examples,
                "--seed", seed,
                "--workers", "2",
                "--request-timeout", "10",
                "--max-response-time", "10",
                "--generation-database", "none",
                "--exclude-path-regex", EXCLUDE_PATH_REGEX,
                "-H", f"Authorization: Bearer {tokens[role]}",
                "--report", "junit,ndjson",
                "--report-dir", os.path.join(report_dir, role),
                "--no-color",
            ]
            # Its crash cache lands in the working directory: the throwaway one.
            if subprocess.run(cmd, cwd=data).returncode != 0:
                failed.append(role)
            if server.poll() is not None:
                failed.append("server exited")
                break
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if failed:
            print("---- server log (last 60 lines) ----")
            with open(os.path.join(data, "server.log")) as f:
                print("".join(f.readlines()[-60:]))
        shutil.rmtree(data, ignore_errors=True)
    print(f"fuzzing took {time.time() - started:.0f} s")
    if failed:
        sys.exit(f"schemathesis found problems as: {', '.join(failed)}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Issue 19: case creation through the API with and without Litestream
replication, to a directory (`file`) or over SFTP to Debian's sshd on
loopback (`sftp`, attachments with rclone). Samples the WAL size and the
/healthz replication lag every 0.5 s.

    # throughput at the server's own limit, one round of each mode:
    python3 benches/issue19_replication.py --modes plain,file,sftp --secs 30
    # lag at a fixed rate (creations per second, all writers together):
    python3 benches/issue19_replication.py --modes file,sftp --rate 500 --secs 60
    # several rounds, modes interleaved, medians at the end:
    python3 benches/issue19_replication.py --modes plain,file --rounds 3

ZEZARO_BIN (default target/release/zezaro) and ZEZARO_LITESTREAM name the
binaries; rclone and sshd come from Debian (`.ci/test` installs them).
"""
import argparse, json, os, shutil, statistics, subprocess, threading, time, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--modes", default="plain,file")
p.add_argument("--secs", type=float, default=30)
p.add_argument("--rate", type=float, default=0, help="creations/s in total; 0: as fast as it goes")
p.add_argument("--writers", type=int, default=4)
p.add_argument("--rounds", type=int, default=1)
p.add_argument("--attach-every", type=int, default=0, help="an attachment on every Nth case (0: none)")
p.add_argument("--port", type=int, default=18941)
p.add_argument("--client", default="python", choices=["python", "ab"],
               help="ab (Debian's apache2-utils): 8 keep-alive connections, the server's own limit")
a = p.parse_args()
BIN = os.path.abspath(os.environ.get("ZEZARO_BIN", "target/release/zezaro"))
LS = os.environ.get("ZEZARO_LITESTREAM", os.path.abspath("target/litestream-venv/bin/litestream"))
TMP = os.environ.get("TMPDIR", "/tmp")


def sshd(root):
    """sshd on loopback with keys of its own (as tests/it/replication.rs)."""
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{root}/{name}"], check=True)
    shutil.copy(f"{root}/client_key.pub", f"{root}/authorized_keys")
    os.makedirs(f"{root}/remote")
    os.makedirs("/run/sshd", exist_ok=True)
    import socket
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    with open(f"{root}/sshd_config", "w") as f:
        f.write(f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root}/host_key\n"
                f"AuthorizedKeysFile {root}/authorized_keys\nPermitRootLogin prohibit-password\n"
                f"PasswordAuthentication no\nKbdInteractiveAuthentication no\nStrictModes no\n"
                f"UsePAM no\nAllowUsers {user}\nSubsystem sftp internal-sftp\nPidFile {root}/sshd.pid\n")
    proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", f"{root}/sshd_config"], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc, port, user


def cpu_seconds(pid):
    """utime+stime of a process and its children that were waited for."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def children_cpu(pid):
    total = 0.0
    for tid in os.listdir("/proc"):
        if not tid.isdigit():
            continue
        try:
            with open(f"/proc/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                total += cpu_seconds(int(tid))
        except OSError:
            pass
    return total


def tree_cpu(pid):
    """utime+stime of a process and all its living descendants (sshd's
    per-connection processes run the SFTP sessions)."""
    kids = {}
    for tid in os.listdir("/proc"):
        if not tid.isdigit():
            continue
        try:
            with open(f"/proc/{tid}/stat") as f:
                kids.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(tid))
        except OSError:
            pass
    total, todo = 0.0, [pid]
    while todo:
        p_ = todo.pop()
        try:
            total += cpu_seconds(p_)
        except OSError:
            pass
        todo.extend(kids.get(p_, []))
    return total


def run(mode, port):
    root = os.path.join(TMP, f"zezaro-issue19-{mode}")
    shutil.rmtree(root, ignore_errors=True); os.makedirs(root)
    data = root + "/data"
    subprocess.run([BIN, "demo", "--cases", "0", "--data-dir", data], check=True, capture_output=True)
    tok = subprocess.run([BIN, "token", "create", "--email", "admin@zezaro.example", "--name", "b",
                          "--data-dir", data], check=True, capture_output=True, text=True).stdout.strip()
    args = [BIN, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}"]
    ssh = None
    if mode == "file":
        args += ["--replication-target", "file", "--replication-path", root + "/replica", "--litestream", LS]
    elif mode == "sftp":
        ssh, sport, user = sshd(root)
        with open(root + "/zezaro.toml", "w") as f:
            f.write(f'[replication]\ntarget = "sftp"\nhost = "127.0.0.1:{sport}"\nuser = "{user}"\n'
                    f'path = "{root}/remote"\nkey_path = "{root}/client_key"\nlitestream = "{LS}"\n')
        args += ["--config", root + "/zezaro.toml"]
    srv = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            h = json.load(urllib.request.urlopen(url + "/healthz"))
            if mode == "plain" or h.get("replication", {}).get("lag_seconds") is not None:
                break
        except Exception:
            pass
        time.sleep(0.2)

    def req(method, path, body=None, ctype="application/json"):
        data_ = body if isinstance(body, bytes) else (json.dumps(body).encode() if body else None)
        r = urllib.request.Request(url + path, method=method, data=data_,
                                   headers={"Authorization": "Bearer " + tok, "Content-Type": ctype})
        return json.load(urllib.request.urlopen(r))

    proj = req("GET", "/api/v1/projects")["items"][0]["id"]
    own0 = cpu_seconds(srv.pid); child0 = children_cpu(srv.pid)
    # The SFTP server shares this machine's cores here (a real target is
    # another machine): its CPU is reported apart.
    target0 = tree_cpu(ssh.pid) if ssh else 0.0
    if a.client == "ab":
        body = root + "/case.json"
        with open(body, "w") as f:
            json.dump({"project_id": proj, "subject": "Last", "channel": "email",
                       "message": {"kind": "inbound", "body_text": "Text"}}, f)
        ab = subprocess.Popen(["ab", "-q", "-k", "-c", "8", "-t", str(int(a.secs)), "-n", "100000000",
                               "-p", body, "-T", "application/json", "-H", "Authorization: Bearer " + tok,
                               url + "/api/v1/cases"], stdout=subprocess.PIPE, text=True)
    start = time.time(); stop = start + a.secs; count = [0]; lock = threading.Lock()
    interval = a.writers / a.rate if a.rate else 0

    def writer():
        n = 0; due = time.time()
        while time.time() < stop:
            if interval:
                due += interval
                pause = due - time.time()
                if pause > 0:
                    time.sleep(pause)
            case = req("POST", "/api/v1/cases", {"project_id": proj, "subject": "Last", "channel": "email",
                                                 "message": {"kind": "inbound", "body_text": "Text"}})
            n += 1
            if a.attach_every and n % a.attach_every == 0:
                req("POST", f"/api/v1/cases/{case['id']}/attachments?filename=a.txt",
                    f"Anhang {time.time()}".encode(), "text/plain")
            with lock:
                count[0] += 1

    ts = [] if a.client == "ab" else [threading.Thread(target=writer) for _ in range(a.writers)]
    [t.start() for t in ts]
    wal = []; frames = []; lags = []
    while time.time() < stop:
        time.sleep(0.5)
        try:
            wal.append(os.path.getsize(data + "/zezaro.db-wal"))
            # The WAL in use: frames since it last started over (the WAL
            # index header's mxFrame); the file keeps its longest length.
            with open(data + "/zezaro.db-shm", "rb") as f:
                frames.append(int.from_bytes(f.read(48)[16:20], "little"))
        except OSError:
            pass
        if mode != "plain":
            h = json.load(urllib.request.urlopen(url + "/healthz"))
            lag = h.get("replication", {}).get("lag_seconds")
            if lag is not None:
                lags.append(lag)
    [t.join() for t in ts]
    if a.client == "ab":
        report = ab.communicate()[0]
        done = next(int(l.split()[-1]) for l in report.splitlines() if l.startswith("Complete requests"))
        # ("Failed requests" counts bodies of another length, i.e. every
        # other case id: not failures.)
        bad = sum(int(l.split()[-1]) for l in report.splitlines() if l.startswith("Non-2xx responses"))
        count[0] = done - bad
        pct = {l.split()[0]: int(l.split()[1]) for l in report.splitlines()
               if l.strip().startswith(("50%", "99%", "100%"))}
    secs = time.time() - start
    # Server and its Litestream child: CPU per created case.
    own = cpu_seconds(srv.pid) - own0; child = children_cpu(srv.pid) - child0
    target_cpu = tree_cpu(ssh.pid) - target0 if ssh else 0.0
    cpu = own + child
    srv.terminate(); srv.wait()
    if ssh:
        ssh.kill(); ssh.wait()
    lags.sort()
    out = {"mode": mode, "client": a.client, "cases": count[0], "per_s": count[0] / secs, "cpu_ms_per_case": 1000 * cpu / max(count[0], 1),
           "server_ms_per_case": 1000 * own / max(count[0], 1), "litestream_ms_per_case": 1000 * child / max(count[0], 1),
           "sftp_server_ms_per_case": 1000 * target_cpu / max(count[0], 1),
           "wal_max_kib": max(wal) // 1024 if wal else 0, "wal_last_kib": wal[-1] // 1024 if wal else 0,
           "wal_in_use_max_kib": max(frames) * 4120 // 1024 if frames else 0}
    if a.client == "ab":
        out.update(post_p50_ms=pct.get("50%"), post_p99_ms=pct.get("99%"), post_max_ms=pct.get("100%"))
    if lags:
        out.update(lag_p50=lags[len(lags) // 2], lag_p95=lags[len(lags) * 95 // 100], lag_max=lags[-1], samples=len(lags))
    print(json.dumps(out), flush=True)
    shutil.rmtree(root, ignore_errors=True)
    return out


results = {}
modes = a.modes.split(",")
for r in range(a.rounds):
    for i, mode in enumerate(modes):
        results.setdefault(mode, []).append(run(mode, a.port + i))
print("medians over", a.rounds, "round(s):")
for mode, runs in results.items():
    med = lambda k: statistics.median(x[k] for x in runs) if all(k in x for x in runs) else None
    line = (f"  {mode}: {med('per_s'):.0f} cases/s, CPU {med('cpu_ms_per_case'):.2f} ms/case "
            f"(Litestream {med('litestream_ms_per_case'):.3f}, SFTP server {med('sftp_server_ms_per_case'):.3f}), "
            f"WAL file max {med('wal_max_kib'):.0f} KiB, in use max {med('wal_in_use_max_kib'):.0f} KiB")
    if med("post_p99_ms") is not None:
        line += f", POST p99 {med('post_p99_ms'):.0f} ms max {med('post_max_ms'):.0f} ms"
    if med("lag_p95") is not None:
        line += f", lag p50 {med('lag_p50'):.2f} s p95 {med('lag_p95'):.2f} s max {med('lag_max'):.2f} s"
    print(line)

#!/usr/bin/env python3
"""Issue 19: case creation through the API (4 client threads) with and
without Litestream replication to a local directory; samples the WAL size
and /healthz replication lag every 0.5 s.

    python3 benches/issue19_replication.py repl 40 18941
    python3 benches/issue19_replication.py plain 40 18942
"""
import json, os, subprocess, sys, threading, time, urllib.request, shutil
BIN=os.environ.get("ZEZARO_BIN", "target/debug/zezaro")
LS=os.environ.get("ZEZARO_LITESTREAM", os.path.abspath("target/litestream-venv/bin/litestream"))
mode=sys.argv[1]; secs=float(sys.argv[2]); port=sys.argv[3]
root=os.path.join(os.environ.get("TMPDIR", "/tmp"), f"zezaro-issue19-{mode}")
shutil.rmtree(root, ignore_errors=True); os.makedirs(root)
data=root+"/data"
subprocess.run([BIN,"demo","--cases","0","--data-dir",data],check=True,capture_output=True)
tok=subprocess.run([BIN,"token","create","--email","admin@zezaro.example","--name","b","--data-dir",data],check=True,capture_output=True,text=True).stdout.strip()
args=[BIN,"serve","--data-dir",data,"--listen","127.0.0.1:"+port]
if mode=="repl": args+=["--replication-target","file","--replication-path",root+"/replica","--litestream",LS]
srv=subprocess.Popen(args,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
url="http://127.0.0.1:"+port
for _ in range(100):
    try: urllib.request.urlopen(url+"/healthz"); break
    except Exception: time.sleep(0.2)
def req(method,path,body=None):
    r=urllib.request.Request(url+path,method=method,data=json.dumps(body).encode() if body else None,headers={"Authorization":"Bearer "+tok,"Content-Type":"application/json"})
    return json.load(urllib.request.urlopen(r))
proj=req("GET","/api/v1/projects")["items"][0]["id"]
stop=time.time()+secs; count=[0]
def w():
    while time.time()<stop:
        req("POST","/api/v1/cases",{"project_id":proj,"subject":"Last","channel":"email","message":{"kind":"inbound","body_text":"Text"}})
        count[0]+=1
ts=[threading.Thread(target=w) for _ in range(4)]
[t.start() for t in ts]
wal=[];lags=[]
while time.time()<stop:
    time.sleep(0.5)
    try: wal.append(os.path.getsize(data+"/zezaro.db-wal"))
    except OSError: pass
    if mode=="repl":
        h=json.load(urllib.request.urlopen(url+"/healthz"))
        l=h.get("replication",{}).get("lag_seconds")
        if l is not None: lags.append(l)
[t.join() for t in ts]
lags.sort()
print(f"{mode}: {count[0]} cases in {secs:.0f} s = {count[0]/secs:.0f}/s; WAL max {max(wal)//1024} KiB, last {wal[-1]//1024} KiB; "
      + (f"lag p50 {lags[len(lags)//2]:.2f} p95 {lags[len(lags)*95//100]:.2f} max {lags[-1]:.2f} ({len(lags)} samples)" if lags else ""))
print("wal trace KiB:", [x//1024 for x in wal[::4]])
srv.terminate(); srv.wait()

#!/usr/bin/env python3
"""Drives docextract-extract outside the server, as the in-server workers do, for bench/extract.

  zygote_drive.py time HELPER MODE PAR FORMAT DIR
      every file of DIR once, PAR at a time (MODE zygote: PAR zygotes, each forking one child per
      document over the framing of src/core/runner_protocol.hpp; MODE spawn: one helper process
      per document); prints the wall time in seconds.
  zygote_drive.py memory HELPER MODE FORMAT DIR
      every file of DIR once, one at a time, sampling /proc/PID/smaps_rollup of the process that
      parses (a zygote's child, or the one-shot helper's confined process) every 5 ms; prints one
      JSON object: the medians over documents of the peak Rss and, at that sample, Pss, Shared
      and Private (KiB), and the zygote's own Rss/Pss.
"""
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time

ENV = {"OMP_THREAD_LIMIT": "1"}


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def rollup(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                    out[parts[0][:-1]] = int(parts[1])
    except OSError:
        return None
    return out or None


class Sampler(threading.Thread):
    """Peak Rss of whatever find() returns, every 5 ms, until stop is set."""

    def __init__(self, find):
        super().__init__(daemon=True)
        self.find, self.stop, self.best = find, threading.Event(), None

    def run(self):
        while not self.stop.is_set():
            pid = self.find()
            r = rollup(pid) if pid else None
            if r and (self.best is None or r.get("Rss", 0) > self.best.get("Rss", 0)):
                self.best = r
            time.sleep(0.005)


class Zygote:
    def __init__(self, helper, fmt_lang="eng"):
        self.sock, theirs = socket.socketpair()
        self.proc = subprocess.Popen([helper, "--zygote", "--lang", fmt_lang], stdin=theirs,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        theirs.close()
        typ, _ = self.frame()
        if typ != b"Y":
            raise SystemExit("zygote did not start")

    def frame(self):
        head = self.sock.recv(4, socket.MSG_WAITALL)
        (n,) = struct.unpack("<I", head)
        body = self.sock.recv(n, socket.MSG_WAITALL)
        return body[:1], body[1:]

    def inner(self):
        kids = children(self.proc.pid)
        return kids[0] if kids else None

    def run(self, fmt, data):
        i0, i1 = socket.socketpair()
        o0, o1 = os.pipe()
        e0, e1 = os.pipe()
        args = b"".join(a + b"\0" for a in [b"--format", fmt.encode(), b"--lang", b"eng"])
        socket.send_fds(self.sock, [struct.pack("<I", len(args) + 1) + b"R" + args], [i1.fileno(), o1, e1])
        i1.close()
        os.close(o1)
        os.close(e1)
        writer = threading.Thread(target=lambda: (i0.sendall(data), i0.shutdown(socket.SHUT_WR)))
        writer.start()
        out = read_all(o0, e0)
        writer.join()
        i0.close()
        typ, body = self.frame()
        status = struct.unpack("<qqq", body)[0] if typ == b"E" else -1
        return status, out

    def close(self):
        self.sock.close()
        self.proc.wait()


def read_all(o, e):
    out = b""
    for fd in (o, e):  # stderr is small; stdout first avoids a full pipe
        while True:
            c = os.read(fd, 1 << 16)
            if not c:
                break
            if fd == o:
                out += c
        os.close(fd)
    return out


def spawn(helper, fmt, data):
    p = subprocess.Popen([helper, "--format", fmt, "--lang", "eng"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ENV)
    out, _ = p.communicate(data)
    return p.returncode, out


def files(d):
    return [os.path.join(d, f) for f in sorted(os.listdir(d))]


def check(status, out, path):
    if status != 0 or b'"error"' in out[:200]:
        raise SystemExit(f"{path}: status {status}: {out[:200]!r}")


def time_mode(helper, mode, par, fmt, d):
    paths = files(d)
    docs = [(p, open(p, "rb").read()) for p in paths]
    zygotes = [Zygote(helper) for _ in range(par)] if mode == "zygote" else []
    lock = threading.Lock()

    def worker(k):
        while True:
            with lock:
                if not docs:
                    return
                path, data = docs.pop()
            status, out = zygotes[k].run(fmt, data) if zygotes else spawn(helper, fmt, data)
            check(status, out, path)

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(par)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    for z in zygotes:
        z.close()
    print(f"{elapsed:.3f}")


def memory_mode(helper, mode, fmt, d):
    samples, zyg = [], None
    z = Zygote(helper) if mode == "zygote" else None
    for path in files(d):
        data = open(path, "rb").read()
        if z:
            inner = z.inner()
            sampler = Sampler(lambda: (children(inner) or [None])[0])
            sampler.start()
            status, out = z.run(fmt, data)
        else:
            box = {}
            # The confined process is the child of the one we start (PID namespace).
            sampler = Sampler(lambda: (children(box["pid"]) or [None])[0] if "pid" in box else None)
            sampler.start()
            p = subprocess.Popen([helper, "--format", fmt, "--lang", "eng"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ENV)
            box["pid"] = p.pid
            out, _ = p.communicate(data)
            status = p.returncode
        sampler.stop.set()
        sampler.join()
        check(status, out, path)
        if sampler.best:
            samples.append(sampler.best)
    if z:
        zyg = rollup(z.inner())
        z.close()

    def med(key):
        vals = [s.get(key, 0) for s in samples]
        return statistics.median(vals) if vals else None

    result = {
        "documents": len(samples),
        "rss_kib": med("Rss"),
        "pss_kib": med("Pss"),
        "shared_kib": statistics.median([s.get("Shared_Clean", 0) + s.get("Shared_Dirty", 0) for s in samples])
        if samples else None,
        "private_kib": statistics.median([s.get("Private_Clean", 0) + s.get("Private_Dirty", 0) for s in samples])
        if samples else None,
    }
    if zyg:
        result["zygote_rss_kib"] = zyg.get("Rss")
        result["zygote_pss_kib"] = zyg.get("Pss")
    print(json.dumps(result))


def main():
    cmd = sys.argv[1]
    if cmd == "time":
        helper, mode, par, fmt, d = sys.argv[2:7]
        time_mode(helper, mode, int(par), fmt, d)
    elif cmd == "memory":
        helper, mode, fmt, d = sys.argv[2:6]
        memory_mode(helper, mode, fmt, d)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""bench/run.py: run the kv benchmarks beside their anchors and print one table.

Run through make (see bench/bench.mk and bench/README.md):

    make bench           full size, medians of 3 runs, writes bench/results/
    make bench-quick     1/100 size, one run, fails if an available workload
                         did not produce figures (asserts no timing)
    make bench-profile W=W1 TOOL=perf|callgrind

Every workload runs on kv and on its anchors in the same run, on the same
data (bench/data.h). A kv feature that has not landed (no symbol in
libkv.a, no kvctl command) gives a row saying so, never a figure.
Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Sizes at scale 1 (make bench); make bench-quick uses scale 0.01.
FULL = {
    "keys": 1_000_000,  # W1 store size
    "gets": 100_000,  # W2
    "commits": 10_000,  # W3
    "merge_changes": 10_000,  # W4, per side
    "push_keys": 100_000,  # W5
    "history": 100_000,  # W6 log
    "fork": 50_000,  # W6 merge base depth
}

WORKLOADS = {
    "W1": "bulk load of {keys} keys in one commit",
    "W2": "{gets} random gets at the head",
    "W3": "{commits} one-key commits on the {keys}-key store",
    "W4": "merge, {merge_changes} changes per side, {keys} keys",
    "W5": "push / clone of a {push_keys}-key store",
    "W6": "log of {history} commits; merge base {fork} deep",
    "W7": "peak memory of W1",
    "W8": "store size after W1",
}

# DESIGN.md targets: (workload, kv system prefix, anchor system, kind,
# bound, text). kind "faster": anchor_time / kv_time >= bound; "time":
# kv_time / anchor_time <= bound; "rate": kv ops/s >= bound; "rss" and
# "disk": kv / anchor <= bound.
TARGETS = [
    ("W1", "kv lmdb", "git fast-import", "faster", 10, ">= 10x faster than fast-import"),
    ("W1", "kv lmdb", "raw LMDB", "time", 4, "<= 4x raw LMDB"),
    ("W2", "kv lmdb", "git cat-file --batch", "faster", 50, ">= 50x cat-file"),
    ("W2", "kv lmdb", "raw LMDB", "time", 3, "<= 3x raw LMDB"),
    ("W3", "kv lmdb nosync", None, "rate", 20000, ">= 20k commits/s nosync"),
    ("W4", "kv lmdb", "git merge-tree --write-tree", "faster", 5, ">= 5x faster than merge-tree"),
    ("W5", "kv lmdb push", "git push", "time", 1.5, "push <= 1.5x git push"),
    ("W5", "kv lmdb clone", "git clone", "time", 1.5, "clone <= 1.5x git clone"),
    ("W6", "kv lmdb log", "git log", "time", 1, "log <= git log"),
    ("W6", "kv lmdb merge-base", "git merge-base", "time", 1, "merge base <= git merge-base"),
    ("W7", "kv lmdb", "git fast-import", "rss", 0.5, "peak RSS <= 1/2 of fast-import"),
    ("W8", "kv lmdb", "git gc --aggressive pack", "disk", 2, "size <= 2x gc --aggressive pack"),
]


def human_time(s):
    if s is None:
        return "-"
    if s >= 100:
        return "%.0f s" % s
    if s >= 1:
        return "%.2f s" % s
    if s >= 1e-3:
        return "%.1f ms" % (s * 1e3)
    return "%.0f us" % (s * 1e6)


def human_bytes(b):
    if b is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if b < 1024 or unit == "GiB":
            return ("%.0f %s" if unit == "B" else "%.1f %s") % (b, unit)
        b /= 1024.0
    return "-"


def human_rate(r):
    if r is None:
        return "-"
    if r >= 1e6:
        return "%.2fM/s" % (r / 1e6)
    if r >= 1e3:
        return "%.1fk/s" % (r / 1e3)
    return "%.1f/s" % r


def disk_usage(path):
    """Bytes allocated on disk under `path` (st_blocks, so sparse files and
    LMDB's unused map count for what they really take)."""
    total = 0
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            total += st.st_blocks * 512
    try:
        total += os.lstat(path).st_blocks * 512 if os.path.isfile(path) else 0
    except OSError:
        pass
    return total


class Failure(Exception):
    pass


FAILED = object()  # what Bench.attempt returns when its function failed


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.bindir = os.path.join(self.build, "bench")
        self.kvctl = os.path.join(self.build, "kvctl")
        self.quick = args.quick
        scale = args.scale if args.scale else (0.01 if args.quick else 1.0)
        self.scale = scale
        self.size = {k: max(10, int(v * scale)) for k, v in FULL.items()}
        self.size["fork"] = min(self.size["fork"], self.size["history"] - 1)
        self.runs = args.runs if args.runs else (1 if args.quick or args.profile else 3)
        self.only = set(args.only.split(",")) if args.only else None
        self.samples = {}  # (workload, system) -> dict of lists and facts
        self.order = []  # (workload, system) in the order first seen
        self.failures = []
        self.checks = []  # cross-system consistency checks (text)
        self.tmp = tempfile.mkdtemp(prefix="kv-bench-", dir=args.tmpdir)
        home = os.path.join(self.tmp, "home")
        os.mkdir(home)
        env = dict(os.environ)
        for var in list(env):
            if var.startswith("GIT_") or var.startswith("KV_"):
                del env[var]
        env.update({
            "HOME": home,
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@kv",
            "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@kv",
            "GIT_ALLOW_PROTOCOL": "file",
            "GIT_TERMINAL_PROMPT": "0",
            "KV_AUTHOR": "bench <bench@kv>",
            "LC_ALL": "C",
        })
        if self.quick:
            env["BENCH_VERIFY"] = "1"
        self.env = env
        self.base_commit = None  # the W1 commit of the last pipeline
        self.feature = {}  # name -> True, or why it is absent
        self.broken = set()  # features that should be there and are not

    # ------------------------------------------------------------------
    # processes

    def prog(self, name):
        return os.path.join(self.bindir, name)

    def git(self, *argv):
        return ["git", "-c", "user.name=bench", "-c", "user.email=bench@kv",
                "-c", "init.defaultBranch=main", "-c", "gc.auto=0",
                "-c", "maintenance.auto=false"] + list(argv)

    def run(self, argv, stdin=None, stdout=None, cwd=None, check=True):
        """Run argv through bench/measure.c; return (wall seconds, peak RSS
        in KiB, stdout text or None, exit status). stdin/stdout are paths
        (stdout None: captured into a temp file and returned)."""
        argv = [str(a) for a in argv]
        out_path = stdout or os.path.join(self.tmp, "stdout")
        err_path = os.path.join(self.tmp, "stderr")
        fig_path = os.path.join(self.tmp, "measure")
        fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
        with open(out_path, "wb") as fout, open(err_path, "wb") as ferr:
            p = subprocess.run([self.prog("measure"), fig_path] + argv,
                               stdin=fin, stdout=fout, stderr=ferr,
                               env=self.env, cwd=cwd)
        if stdin:
            fin.close()
        try:
            with open(fig_path) as f:
                wall, rss, _ = f.read().split()
            os.unlink(fig_path)
        except (OSError, ValueError):
            wall, rss = "0", "0"
        text = None
        if stdout is None:
            with open(out_path, "r", errors="replace") as f:
                text = f.read()
        if check and p.returncode != 0:
            with open(err_path, "r", errors="replace") as f:
                err = f.read().strip()
            cmd = [os.path.basename(a) for a in argv if not a.startswith("-")]
            raise Failure("%s exited %d: %s" % (" ".join(cmd[:3]), p.returncode,
                                               err[-800:]))
        return float(wall), int(rss), text, p.returncode

    def run_json(self, argv, **kw):
        """Run one of our C programs: (its JSON figures, peak RSS KiB)."""
        wall, rss, text, _ = self.run(argv, **kw)
        lines = [l for l in text.splitlines() if l.startswith("{")]
        if not lines:
            raise Failure("%s printed no figures" % " ".join(argv[:2]))
        fig = json.loads(lines[-1])
        fig["wall"] = wall
        return fig, rss

    # ------------------------------------------------------------------
    # results

    def key(self, w, system):
        k = (w, system)
        if k not in self.samples:
            self.samples[k] = {"seconds": [], "rss_kb": [], "status": "ok",
                               "note": "", "ops": None, "unit": "",
                               "disk_bytes": None, "kind": "anchor"}
            self.order.append(k)
        return self.samples[k]

    def sample(self, w, system, seconds, ops, unit, rss_kb=None, kind="anchor",
               disk=None, note=None):
        s = self.key(w, system)
        s["seconds"].append(seconds)
        if rss_kb is not None:
            s["rss_kb"].append(rss_kb)
        s["ops"] = ops
        s["unit"] = unit
        s["kind"] = kind
        if disk is not None:
            s["disk_bytes"] = disk
        if note:
            s["note"] = note

    def status(self, w, system, status, note, kind="kv"):
        s = self.key(w, system)
        if s["status"] == "ok" and s["seconds"] and status != "failed":
            return
        s["status"] = status
        s["note"] = note
        s["kind"] = kind

    def attempt(self, w, system, fn, kind="anchor"):
        """Run fn(); a Failure marks the row failed and is remembered."""
        try:
            return fn()
        except Failure as e:
            self.status(w, system, "failed", str(e), kind=kind)
            self.failures.append("%s %s: %s" % (w, system, e))
            print("  FAILED %s %s: %s" % (w, system, e), file=sys.stderr)
            return FAILED

    def settle(self):
        """Flush every file's deferred writes before a timed process.

        Setups and nosync runs leave hundreds of MiB dirty (raw LMDB does
        not sync at close with MDB_NOSYNC). A commit's fdatasync then waits
        for that writeback (ext4 commits its journal with the data of other
        files in it): W4's merge measured 0.20 s right after copying its
        store, 0.05 s after a sync."""
        os.sync()

    def wanted(self, w):
        return self.only is None or w in self.only

    # ------------------------------------------------------------------
    # what is there

    def nm_symbols(self):
        liba = os.path.join(self.build, "libkv.a")
        if not os.path.exists(liba):
            return set()
        try:
            out = subprocess.run(["nm", "-g", "--defined-only", liba],
                                 capture_output=True, text=True).stdout
        except OSError:
            return set()
        return {l.split()[-1] for l in out.splitlines()
                if re.match(r"^[0-9a-f]+ T ", l)}

    def kvctl_has(self, cmd):
        if not os.access(self.kvctl, os.X_OK):
            return False
        r = subprocess.run([self.kvctl, cmd, "--help"], env=self.env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return r.returncode == 0

    def detect(self):
        syms = self.nm_symbols()
        core = ["kv_store_open", "kv_txn_begin", "kv_txn_set", "kv_txn_commit",
                "kv_get", "kv_set", "kv_commit_lookup", "kv_backend_lmdb_new"]
        missing = [s for s in core if s not in syms]
        f = self.feature
        if missing:
            f["kv"] = "libkv.a lacks %s%s" % (
                ", ".join(missing[:2]),
                " and %d more" % (len(missing) - 2) if len(missing) > 2 else "")
        elif not os.access(self.prog("kv_bench"), os.X_OK):
            f["kv"] = "libkv.a has the API but kv_bench was not built"
            self.broken.add("kv")
            self.failures.append("kv: " + f["kv"])
        else:
            f["kv"] = True
        f["log"] = True if "kv_log" in syms else "no kv_log in libkv.a"
        f["git"] = True if "kv_backend_git_new" in syms else \
            "no kv_backend_git_new in libkv.a"
        for cmd in ("merge", "merge-base", "push", "clone"):
            f[cmd] = True if self.kvctl_has(cmd) else \
                "no `kvctl %s`" % cmd
        if f["kv"] is not True:
            for k in ("log", "git", "merge", "merge-base", "push", "clone"):
                f[k] = f["kv"]
                if "kv" in self.broken:
                    self.broken.add(k)

    def kv_backends(self):
        """The kv backends to measure in W1-W3: lmdb, and git once it lands."""
        if not self.have("kv"):
            return []
        return ["lmdb"] + (["git"] if self.have("git") else [])

    def have(self, feature):
        return self.feature.get(feature) is True

    def absent(self, w, system, feature):
        """A row for a kv feature that cannot run: not landed, or broken."""
        self.status(w, system, "failed" if feature in self.broken else
                    "not landed", self.why(feature))

    def why(self, feature):
        v = self.feature.get(feature)
        return v if isinstance(v, str) else ""

    def versions(self):
        v = {}
        try:
            v["git"] = subprocess.run(["git", "--version"], capture_output=True,
                                      text=True).stdout.strip().replace("git version ", "")
        except OSError:
            v["git"] = "?"
        for name, prog in (("libgit2", "git2_anchor"), ("lmdb", "lmdb_anchor"),
                           ("kv", "kv_bench")):
            try:
                fig, _ = self.run_json([self.prog(prog), "version"])
                v[name] = fig["version"]
            except (Failure, OSError):
                v[name] = "not built"
        try:
            v["cc"] = subprocess.run(["cc", "--version"], capture_output=True,
                                     text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            v["cc"] = "?"
        return v

    @staticmethod
    def machine():
        m = {"cores": os.cpu_count(), "kernel": platform.release(),
             "python": platform.python_version()}
        try:
            with open("/proc/meminfo") as f:
                for line in f:
                    if line.startswith("MemTotal:"):
                        m["memory_bytes"] = int(line.split()[1]) * 1024
        except OSError:
            pass
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        m["cpu"] = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        return m

    # ------------------------------------------------------------------
    # data

    def data(self, name, argv):
        """A datagen output file, made once per run of the driver."""
        path = os.path.join(self.tmp, "data", name)
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            self.run([self.prog("datagen")] + [str(a) for a in argv], stdout=path)
        return path

    def fast_import(self, repo, stream, init=True):
        if init:
            self.run(self.git("init", "-q", "--bare", repo))
        wall, rss, _, _ = self.run(self.git("-C", repo, "fast-import", "--quiet"),
                                   stdin=stream)
        return wall, rss

    def git_out(self, repo, *argv):
        _, _, text, _ = self.run(self.git("-C", repo, *argv))
        return text.strip()

    def check_same(self, what, ids, kind="tree", fatal=True):
        """ids: {system: object id}; all must be equal (a failure if
        `fatal`, else only noted)."""
        vals = {k: v for k, v in ids.items() if v}
        if len(set(vals.values())) > 1:
            msg = "%s: %s ids differ: %s" % (what, kind, ", ".join(
                "%s %s" % (k, v[:12]) for k, v in vals.items()))
            if fatal:
                self.failures.append(msg)
            self.checks.append(("MISMATCH " if fatal else "note: ") + msg)
        elif len(vals) > 1:
            self.checks.append("%s: same %s %s in %s" % (
                what, kind, list(vals.values())[0][:12], ", ".join(vals)))

    # ------------------------------------------------------------------
    # W1, W2, W3, W7, W8: one pipeline per run on fresh stores

    def pipeline(self, r):
        n, z = self.size["keys"], self.size
        d = os.path.join(self.tmp, "run%d" % r)
        os.makedirs(d)
        lmdir = os.path.join(d, "lmdb")
        repo = os.path.join(d, "git.git")
        # kv stores: {backend: folder}; the lmdb one is d/kv (W4 uses it)
        stores = {be: os.path.join(d, "kv" if be == "lmdb" else "kv-" + be)
                  for be in self.kv_backends()}
        os.mkdir(lmdir)
        trees, commits = {}, {}
        stream = self.data("load.fi", ["load", n])

        # W1 (and W7 peak RSS, W8 size) ---------------------------------
        for be, kvdir in stores.items():
            def kv_load(be=be, kvdir=kvdir):
                system = "kv " + be
                fig, rss = self.run_json([self.prog("kv_bench"), "load",
                                          be + ":" + kvdir, n, "nosync"])
                size = disk_usage(kvdir)
                self.sample("W1", system, fig["seconds"], n, "keys", rss, "kv",
                            note="nosync; set %.2f s + commit %.2f s" % (
                                fig["set_seconds"], fig["commit_seconds"]))
                self.sample("W7", system, fig["seconds"], n, "keys", rss, "kv")
                self.sample("W8", system, fig["seconds"], n, "keys", None, "kv",
                            disk=size)
                trees[system] = fig["tree"]
                commits[system] = fig["commit"]
            self.attempt("W1", "kv " + be, kv_load, kind="kv")

        def lm_load():
            fig, rss = self.run_json([self.prog("lmdb_anchor"), "load", lmdir,
                                      n, "nosync"])
            self.sample("W1", "raw LMDB", fig["seconds"], n, "keys", rss,
                        note="one txn, key string -> value")
            self.sample("W7", "raw LMDB", fig["seconds"], n, "keys", rss)
            self.sample("W8", "raw LMDB", fig["seconds"], n, "keys", None,
                        disk=disk_usage(lmdir))
        self.attempt("W1", "raw LMDB", lm_load)

        def fi_load():
            wall, rss = self.fast_import(repo, stream)
            self.sample("W1", "git fast-import", wall, n, "keys", rss,
                        note="M inline, one commit")
            self.sample("W7", "git fast-import", wall, n, "keys", rss)
            self.sample("W8", "git fast-import pack", wall, n, "keys", None,
                        disk=disk_usage(repo))
            trees["git"] = self.git_out(repo, "rev-parse", "main^{tree}")
            commits["git"] = self.git_out(repo, "rev-parse", "main")
        self.attempt("W1", "git fast-import", fi_load)

        def g2_load():
            fig, rss = self.run_json([self.prog("git2_anchor"), "load", n])
            self.sample("W1", "libgit2 treebuilder", fig["seconds"], n, "keys",
                        rss, note="mempack odb (in memory, not persisted)")
            self.sample("W7", "libgit2 treebuilder", fig["seconds"], n, "keys", rss)
            trees["libgit2"] = fig["tree"]
        self.attempt("W1", "libgit2 treebuilder", g2_load)
        self.check_same("W1 run %d" % r, trees)
        self.check_same("W1 run %d" % r, commits, "commit", fatal=False)
        # W4 branches off the W1 commit, which kv and git share when the
        # commit check above agrees
        self.base_commit = commits.get("git") or commits.get("kv lmdb")

        if r == 1 and os.path.isdir(repo) and not self.args.no_gc:
            def gc():
                copy = os.path.join(d, "gc.git")
                shutil.copytree(repo, copy, symlinks=True)
                wall, rss, _, _ = self.run(self.git("-C", copy, "gc", "--aggressive",
                                                    "--prune=now", "--quiet"))
                self.sample("W8", "git gc --aggressive pack", wall, n, "keys", rss,
                            disk=disk_usage(os.path.join(copy, "objects")),
                            note="objects/ after gc --aggressive (time is gc's)")
                shutil.rmtree(copy)
            self.attempt("W8", "git gc --aggressive pack", gc)

        # W2 --------------------------------------------------------------
        if self.wanted("W2"):
            m = z["gets"]
            for be, kvdir in stores.items():
                if not os.path.isdir(kvdir):
                    continue

                def kv_get(be=be, kvdir=kvdir):
                    fig, rss = self.run_json([self.prog("kv_bench"), "get",
                                              be + ":" + kvdir, n, m])
                    self.sample("W2", "kv " + be, fig["seconds"], m, "gets", rss,
                                "kv", note="kv_get(store, \"main\", key)")
                self.attempt("W2", "kv " + be, kv_get, kind="kv")

            def lm_get():
                fig, rss = self.run_json([self.prog("lmdb_anchor"), "get", lmdir,
                                          n, m])
                self.sample("W2", "raw LMDB", fig["seconds"], m, "gets", rss,
                            note="one read txn")
            self.attempt("W2", "raw LMDB", lm_get)

            def cat_file():
                req = self.data("gets.txt", ["gets", n, m])
                out = os.path.join(d, "cat-file.out")
                wall, rss, _, _ = self.run(self.git("-C", repo, "cat-file", "--batch"),
                                           stdin=req, stdout=out)
                size = os.path.getsize(out)
                want = m * (len("%s blob 100\n" % ("0" * 40)) + 100 + 1)
                os.unlink(out)
                if size != want:
                    raise Failure("cat-file printed %d bytes, expected %d "
                                  "(missing keys?)" % (size, want))
                self.sample("W2", "git cat-file --batch", wall, m, "gets", rss,
                            note="main:KEY lines")
            self.attempt("W2", "git cat-file --batch", cat_file)

            def g2_get():
                fig, rss = self.run_json([self.prog("git2_anchor"), "get", repo,
                                          n, m])
                self.sample("W2", "libgit2 entry_bypath", fig["seconds"], m,
                            "gets", rss, note="packed repo, root tree held")
            self.attempt("W2", "libgit2 entry_bypath", g2_get)

        # W3 --------------------------------------------------------------
        if self.wanted("W3"):
            c = z["commits"]
            trees3, commits3 = {}, {}
            for be, kvdir in stores.items():
                if not os.path.isdir(kvdir):
                    continue
                for mode, version in (("nosync", 0), ("sync", 1_000_000)):
                    def kv_commits(be=be, kvdir=kvdir, mode=mode, version=version):
                        system = "kv %s %s" % (be, mode)
                        if mode == "sync":
                            self.settle()
                        fig, rss = self.run_json([self.prog("kv_bench"), "commits",
                                                  be + ":" + kvdir, n, c, version,
                                                  mode])
                        self.sample("W3", system, fig["seconds"], c, "commits",
                                    rss, "kv", note="kv_set")
                        if mode == "nosync":
                            trees3["kv " + be] = fig["tree"]
                            commits3["kv " + be] = fig["commit"]
                    self.attempt("W3", "kv %s %s" % (be, mode), kv_commits,
                                 kind="kv")

            for mode, version in (("nosync", 2_000_000), ("sync", 3_000_000)):
                def lm_commits(mode=mode, version=version):
                    if mode == "sync":  # W1's load and the nosync runs leave
                        self.settle()   # raw LMDB's writes unflushed
                    fig, rss = self.run_json([self.prog("lmdb_anchor"), "commits",
                                              lmdir, n, c, version, mode])
                    self.sample("W3", "raw LMDB " + mode, fig["seconds"], c,
                                "commits", rss, note="one txn per put")
                self.attempt("W3", "raw LMDB " + mode, lm_commits)

                # The floor under kv: the same puts a kv commit makes.
                def lm_objects(mode=mode, version=version):
                    if mode == "sync":
                        self.settle()
                    fig, rss = self.run_json([self.prog("lmdb_anchor"),
                                              "commit-objects", lmdir, n, c,
                                              version, mode])
                    self.sample("W3", "raw LMDB commit objects " + mode,
                                fig["seconds"], c, "commits", rss,
                                note="5 objects + graph + ref per txn")
                self.attempt("W3", "raw LMDB commit objects " + mode, lm_objects)

            def fi_commits():
                s = self.data("commits.fi", ["commits", n, c, 0])
                wall, rss = self.fast_import(repo, s, init=False)
                self.sample("W3", "git fast-import", wall, c, "commits", rss,
                            note="one commit per key")
                trees3["git"] = self.git_out(repo, "rev-parse", "main^{tree}")
                commits3["git"] = self.git_out(repo, "rev-parse", "main")
            self.attempt("W3", "git fast-import", fi_commits)

            for mode, version in (("mempack", 4_000_000), ("disk", 5_000_000)):
                def g2_commits(mode=mode, version=version):
                    fig, rss = self.run_json([self.prog("git2_anchor"), "commits",
                                              repo, n, c, version, mode])
                    self.sample("W3", "libgit2 " + mode, fig["seconds"], c,
                                "commits", rss,
                                note="git_tree_create_updated" +
                                (", loose objects" if mode == "disk" else
                                 ", in-memory odb"))
                self.attempt("W3", "libgit2 " + mode, g2_commits)
            self.check_same("W3 run %d" % r, trees3)
            self.check_same("W3 run %d" % r, commits3, "commit", fatal=False)
        return d

    # ------------------------------------------------------------------
    # W4: merge on the 1M-key stores of the last pipeline

    def w4(self, d):
        n, ch = self.size["keys"], self.size["merge_changes"]
        kvdir, repo = os.path.join(d, "kv"), os.path.join(d, "git.git")
        runs = self.runs
        merged = {}  # system -> merged tree id of the last run

        base = self.base_commit
        if not base:
            self.status("W4", "git merge-tree --write-tree", "failed",
                        "W1 made no commit to branch from", kind="anchor")
            self.failures.append("W4: no W1 commit")
            return

        def git_setup():
            s = self.data("merge.fi", ["merge", n, ch, runs, base])
            self.fast_import(repo, s, init=False)
        if self.attempt("W4", "git merge-tree --write-tree", git_setup) is FAILED:
            return
        self.settle()
        for r in range(1, runs + 1):
            def merge_tree(r=r):
                wall, rss, text, _ = self.run(self.git(
                    "-C", repo, "merge-tree", "--write-tree", "l%d" % r, "r%d" % r))
                if not re.match(r"^[0-9a-f]{40}$", text.strip()):
                    raise Failure("merge-tree printed %r" % text[:200])
                merged["git"] = text.strip()
                self.sample("W4", "git merge-tree --write-tree", wall, 1, "merges",
                            rss, note="clean merge, writes the tree")
            self.attempt("W4", "git merge-tree --write-tree", merge_tree)

        # The floor under kv: the LMDB reads and puts of the same merge.
        lmdir = os.path.join(d, "lmdb")
        for r in range(1, runs + 1):
            def lm_merge(r=r):
                fig, rss = self.run_json([self.prog("lmdb_anchor"), "merge-objects",
                                          lmdir, n, ch, 6_000_000 + r, "sync"])
                self.sample("W4", "raw LMDB merge objects", fig["wall"], 1,
                            "merges", rss,
                            note="%d gets + %d puts, one txn, sync (process time)"
                            % (fig["reads"], fig["puts"]))
            self.attempt("W4", "raw LMDB merge objects", lm_merge)

        if not self.have("kv"):
            self.absent("W4", "kv lmdb", "kv")
            return
        if not self.have("merge"):
            self.absent("W4", "kv lmdb", "merge")
            return

        def kv_setup():
            self.run_json([self.prog("kv_bench"), "merge-setup", "lmdb:" + kvdir,
                           n, ch, runs, base])
        if self.attempt("W4", "kv lmdb", kv_setup, kind="kv") is FAILED:
            return
        self.settle()
        for r in range(1, runs + 1):
            def kv_merge(r=r):
                wall, rss, _, _ = self.run([self.kvctl, "--store", "lmdb:" + kvdir,
                                            "merge", "r%d" % r, "--into", "l%d" % r,
                                            "--no-ff", "-m", "merge"])
                self.sample("W4", "kv lmdb", wall, 1, "merges", rss, "kv",
                            note="kvctl merge --no-ff (process time)")
                _, _, text, _ = self.run([self.kvctl, "--store", "lmdb:" + kvdir,
                                          "rev-parse", "l%d^{tree}" % r])
                merged["kv"] = text.strip()
            self.attempt("W4", "kv lmdb", kv_merge, kind="kv")
        self.check_same("W4 merged", merged)

    # ------------------------------------------------------------------
    # W5: push and clone through a bare local remote (file://)

    def w5(self):
        n = self.size["push_keys"]
        d = os.path.join(self.tmp, "w5")
        os.makedirs(d)
        src = os.path.join(d, "src.git")
        stream = self.data("push.fi", ["load", n])
        ok = self.attempt("W5", "git push", lambda: self.fast_import(src, stream))
        self.settle()
        for r in range(1, self.runs + 1):
            if ok is FAILED:
                break
            remote = os.path.join(d, "remote%d.git" % r)
            clone = os.path.join(d, "clone%d.git" % r)

            def push(remote=remote):
                self.run(self.git("init", "-q", "--bare", remote))
                wall, rss, _, _ = self.run(self.git("-C", src, "push", "-q",
                                                    "file://" + remote, "main"))
                self.sample("W5", "git push", wall, n, "keys", rss,
                            note="file:// to a new bare repo")
            self.attempt("W5", "git push", push)

            def clone_it(remote=remote, clone=clone):
                wall, rss, _, _ = self.run(self.git("clone", "-q", "--bare",
                                                    "file://" + remote, clone))
                self.sample("W5", "git clone", wall, n, "keys", rss,
                            note="file://, bare", disk=disk_usage(clone))
            self.attempt("W5", "git clone", clone_it)

        for op in ("push", "clone"):
            if not self.have(op):
                self.absent("W5", "kv lmdb " + op, op)

        # kv clone reads the remote git push filled: the same commit kv
        # would push (same ids), so both clones copy the same objects.
        if self.have("clone") and ok is not FAILED:
            for r in range(1, self.runs + 1):
                remote = os.path.join(d, "remote%d.git" % r)
                clone = os.path.join(d, "kvclone%d" % r)

                def kv_clone(remote=remote, clone=clone, r=r):
                    if not os.path.isdir(remote):
                        raise Failure("no remote: git push failed")
                    wall, rss, _, _ = self.run([self.kvctl, "clone",
                                                "file://" + remote, clone])
                    self.sample("W5", "kv lmdb clone", wall, n, "keys", rss, "kv",
                                note="kvctl clone file://, a local copy through the git backend",
                                disk=disk_usage(clone))
                    if r == 1:
                        _, _, got, _ = self.run([self.kvctl, "--store",
                                                 os.path.join(clone, ".kv"),
                                                 "rev-parse", "main"])
                        want = self.git_out(remote, "rev-parse", "main")
                        self.check_same("W5 clone", {"kv": got.strip(),
                                                     "git": want}, "commit")
                self.attempt("W5", "kv lmdb clone", kv_clone, kind="kv")

        if not self.have("push"):
            return
        kvsrc = os.path.join(d, "kvsrc")

        def kv_setup():
            self.run_json([self.prog("kv_bench"), "load", "lmdb:" + kvsrc, n,
                           "nosync"])
        if self.attempt("W5", "kv lmdb push", kv_setup, kind="kv") is FAILED:
            return
        self.settle()
        for r in range(1, self.runs + 1):
            remote = os.path.join(d, "kvremote%d.git" % r)

            def kv_push(remote=remote):
                self.run(self.git("init", "-q", "--bare", remote))
                wall, rss, _, _ = self.run([self.kvctl, "--store", "lmdb:" + kvsrc,
                                            "push", "file://" + remote, "main"])
                self.sample("W5", "kv lmdb push", wall, n, "keys", rss, "kv",
                            note="kvctl push file://")
            self.attempt("W5", "kv lmdb push", kv_push, kind="kv")

    # ------------------------------------------------------------------
    # W6: log of H commits; merge base F commits deep

    def w6(self):
        h, fork = self.size["history"], self.size["fork"]
        d = os.path.join(self.tmp, "w6")
        os.makedirs(d)
        repo = os.path.join(d, "git.git")
        kvdir = os.path.join(d, "kv")
        stream = self.data("history.fi", ["history", h, fork])
        ok = self.attempt("W6", "git log", lambda: self.fast_import(repo, stream))
        graph = os.path.join(d, "graph.git")
        if ok is not FAILED:
            shutil.copytree(repo, graph, symlinks=True)
            self.attempt("W6", "git log (commit-graph)", lambda: self.run(self.git(
                "-C", graph, "commit-graph", "write", "--reachable")))
        kv_ok = False
        fork_id = {}  # the commit side forks from, as kv_bench made it
        if self.have("kv"):
            def kv_setup():
                fig, _ = self.run_json([self.prog("kv_bench"), "history",
                                        "lmdb:" + kvdir, h, fork])
                fork_id["kv"] = fig["fork"]
                return True
            kv_ok = self.attempt("W6", "kv lmdb log", kv_setup, kind="kv") is True
        for r in range(1, self.runs + 1):
            if ok is FAILED:
                break
            for name, rp in (("git log", repo), ("git log (commit-graph)", graph)):
                def log(name=name, rp=rp):
                    out = os.path.join(d, "log.out")
                    wall, rss, _, _ = self.run(self.git("-C", rp, "log", "--format=%H",
                                                        "main"), stdout=out)
                    lines = os.path.getsize(out) // 41
                    os.unlink(out)
                    if lines != h:
                        raise Failure("git log listed %d commits, not %d" % (lines, h))
                    self.sample("W6", name, wall, h, "commits", rss,
                                note="--format=%H")
                self.attempt("W6", name, log)

            def merge_base():
                wall, rss, text, _ = self.run(self.git("-C", repo, "merge-base",
                                                       "main", "side"))
                self.sample("W6", "git merge-base", wall, 1, "bases", rss,
                            note="fork %d commits below main" % (h - fork))
                return text.strip()
            base = self.attempt("W6", "git merge-base", merge_base)

            if kv_ok and self.have("log"):
                def kv_log():
                    fig, rss = self.run_json([self.prog("kv_bench"), "log",
                                              "lmdb:" + kvdir])
                    if fig["ops"] != h:
                        raise Failure("kv_log listed %d commits, not %d" %
                                      (fig["ops"], h))
                    self.sample("W6", "kv lmdb log", fig["seconds"], h, "commits",
                                rss, "kv", note="kv_log, ids formatted")
                self.attempt("W6", "kv lmdb log", kv_log, kind="kv")
            if kv_ok and self.have("merge-base"):
                def kv_base():
                    wall, rss, text, _ = self.run([self.kvctl, "--store",
                                                   "lmdb:" + kvdir, "merge-base",
                                                   "main", "side"])
                    got = text.strip().split()[0] if text.strip() else ""
                    if r == 1:
                        # kv must find the commit it forked from; git's
                        # history is the same bytes, so its base should be too
                        self.check_same("W6 merge base", {
                            "kvctl merge-base": got,
                            "kv fork point": fork_id.get("kv")}, "commit")
                        self.check_same("W6 merge base", {"kv": got, "git": base},
                                        "commit", fatal=False)
                    self.sample("W6", "kv lmdb merge-base", wall, 1, "bases", rss,
                                "kv", note="kvctl merge-base (process time)")
                self.attempt("W6", "kv lmdb merge-base", kv_base, kind="kv")
        if not self.have("log"):
            self.absent("W6", "kv lmdb log", "log")
        if not self.have("merge-base"):
            self.absent("W6", "kv lmdb merge-base", "merge-base")

    # ------------------------------------------------------------------

    def run_all(self):
        self.detect()
        print("kv benchmarks: %s, %d run(s), scratch %s" % (
            "quick (1/100 size)" if self.quick else "scale %g" % self.scale,
            self.runs, self.tmp), flush=True)
        for k, v in self.feature.items():
            if v is not True:
                print("  %s: %s" % (k, v))
        last = None
        for r in range(1, self.runs + 1):
            t0 = time.monotonic()
            if last and not self.args.keep:
                shutil.rmtree(last, ignore_errors=True)
            last = self.pipeline(r)
            print("  W1-W3 run %d/%d: %.0f s" % (r, self.runs, time.monotonic() - t0),
                  flush=True)
        if not self.have("kv"):
            for w, system in (("W1", "kv lmdb"), ("W2", "kv lmdb"),
                              ("W3", "kv lmdb nosync"), ("W3", "kv lmdb sync"),
                              ("W7", "kv lmdb"), ("W8", "kv lmdb")):
                if self.wanted(w):
                    self.absent(w, system, "kv")
        if not self.have("git"):
            for w in ("W1", "W2", "W3"):
                if self.wanted(w):
                    self.absent(w, "kv git", "git")
        for w, fn in (("W4", lambda: self.w4(last)), ("W5", self.w5), ("W6", self.w6)):
            if self.wanted(w):
                t0 = time.monotonic()
                fn()
                print("  %s: %.0f s" % (w, time.monotonic() - t0), flush=True)

    # ------------------------------------------------------------------
    # the table

    def rows(self):
        rows = []
        wl = list(WORKLOADS)
        order = sorted(self.order, key=lambda k: (
            wl.index(k[0]), self.samples[k]["kind"] != "kv", self.order.index(k)))
        for (w, system) in order:
            s = self.samples[(w, system)]
            row = {"workload": w, "system": system, "kind": s["kind"],
                   "status": s["status"], "note": s["note"], "unit": s["unit"],
                   "runs": len(s["seconds"])}
            if s["status"] == "ok" and s["seconds"]:
                sec = statistics.median(s["seconds"])
                row["seconds"] = sec
                row["samples"] = s["seconds"]
                row["ops"] = s["ops"]
                row["ops_per_s"] = s["ops"] / sec if sec > 0 else None
                row["rss_bytes"] = int(statistics.median(s["rss_kb"]) * 1024) \
                    if s["rss_kb"] else None
                row["disk_bytes"] = s["disk_bytes"]
            rows.append(row)
        # ratios of each kv row to each anchor of its workload
        for row in rows:
            if row["kind"] != "kv" or "seconds" not in row:
                continue
            ratios = {}
            for a in rows:
                if a["workload"] != row["workload"] or a["kind"] != "anchor" or \
                        "seconds" not in a:
                    continue
                if row["workload"] == "W7":
                    if a.get("rss_bytes") and row.get("rss_bytes"):
                        ratios[a["system"]] = row["rss_bytes"] / a["rss_bytes"]
                elif row["workload"] == "W8":
                    if a.get("disk_bytes") and row.get("disk_bytes"):
                        ratios[a["system"]] = row["disk_bytes"] / a["disk_bytes"]
                elif a["seconds"] > 0 and self.comparable(row, a):
                    ratios[a["system"]] = row["seconds"] / a["seconds"]
            row["ratios"] = ratios
        return rows

    @staticmethod
    def comparable(row, anchor):
        """Within W3, sync rows compare with sync anchors; within W5 and W6,
        push/clone/log/merge-base rows with their own anchors."""
        w, s, a = row["workload"], row["system"], anchor["system"]
        if w == "W3":
            if s.endswith(" sync"):
                return a.endswith(" sync")
            return not a.endswith(" sync")
        if w == "W5":
            return s.split()[-1] in a
        if w == "W6":
            return ("merge-base" in s) == ("merge-base" in a)
        return True

    def targets(self, rows):
        out = []
        by = {(r["workload"], r["system"]): r for r in rows}
        for w, kvsys, anchor, kind, bound, text in TARGETS:
            kvrow = by.get((w, kvsys))
            arow = by.get((w, anchor)) if anchor else None
            res = {"workload": w, "target": text, "value": None, "met": None}
            if kvrow is None or "seconds" not in kvrow:
                res["why"] = kvrow["note"] if kvrow else "no kv row"
            elif anchor and (arow is None or "seconds" not in arow):
                res["why"] = "anchor %s did not run" % anchor
            else:
                if kind == "faster":
                    v = arow["seconds"] / kvrow["seconds"]
                    res["value"], res["met"] = v, v >= bound
                    res["shown"] = "%.1fx faster" % v
                elif kind == "time":
                    v = kvrow["seconds"] / arow["seconds"]
                    res["value"], res["met"] = v, v <= bound
                    res["shown"] = "%.2fx the time" % v
                elif kind == "rate":
                    v = kvrow["ops_per_s"]
                    res["value"], res["met"] = v, v >= bound
                    res["shown"] = human_rate(v)
                elif kind == "rss":
                    v = kvrow["rss_bytes"] / arow["rss_bytes"]
                    res["value"], res["met"] = v, v <= bound
                    res["shown"] = "%.2fx the RSS" % v
                elif kind == "disk":
                    v = kvrow["disk_bytes"] / arow["disk_bytes"]
                    res["value"], res["met"] = v, v <= bound
                    res["shown"] = "%.2fx the size" % v
            out.append(res)
        return out

    @staticmethod
    def ratio_text(row):
        parts = []
        for a, v in row.get("ratios", {}).items():
            if row["workload"] in ("W7", "W8"):
                parts.append("%.2fx %s" % (v, a))
            elif v <= 1:
                parts.append("%.1fx faster than %s" % (1 / v, a))
            else:
                parts.append("%.1fx slower than %s" % (v, a))
        return "; ".join(parts)

    def table(self, rows):
        head = ["workload", "system", "time", "ops/s", "peak RSS", "disk",
                "ratio to anchors / note"]
        lines = []
        for row in rows:
            w = row["workload"]
            if "seconds" in row:
                if w == "W7":
                    t, rate, disk = "-", "-", "-"
                elif w == "W8":
                    t, rate = "-", "-"
                    disk = human_bytes(row["disk_bytes"])
                else:
                    t = human_time(row["seconds"])
                    rate = human_rate(row["ops_per_s"]) + " " + row["unit"]
                    disk = human_bytes(row["disk_bytes"])
                rss = human_bytes(row["rss_bytes"]) if w != "W8" else "-"
                extra = self.ratio_text(row) if row["kind"] == "kv" else ""
                if row["note"] and w not in ("W7", "W8"):
                    extra = (extra + " (" + row["note"] + ")") if extra else row["note"]
                elif row["note"] and w == "W8" and row["kind"] != "kv":
                    extra = row["note"]
                lines.append([w, row["system"], t, rate, rss, disk, extra])
            else:
                lines.append([w, row["system"], row["status"], "-", "-", "-",
                              row["note"]])
        widths = [max(len(str(x[i])) for x in lines + [head]) for i in range(6)]
        out = []
        fmt = "  ".join("%%-%ds" % wd for wd in widths) + "  %s"
        out.append(fmt % tuple(head))
        out.append(fmt % tuple("-" * wd for wd in widths + [23]))
        prev = None
        for x in lines:
            out.append(fmt % tuple(x if x[0] != prev else [""] + x[1:]))
            prev = x[0]
        return "\n".join(out)

    def markdown(self, rows):
        out = ["| workload | system | time | ops/s | peak RSS | disk | ratio / note |",
               "| --- | --- | --- | --- | --- | --- | --- |"]
        for row in rows:
            if "seconds" in row:
                w = row["workload"]
                t = "-" if w in ("W7", "W8") else human_time(row["seconds"])
                rate = "-" if w in ("W7", "W8") else \
                    human_rate(row["ops_per_s"]) + " " + row["unit"]
                rss = "-" if w == "W8" else human_bytes(row["rss_bytes"])
                disk = human_bytes(row["disk_bytes"]) if w != "W7" else "-"
                note = self.ratio_text(row) if row["kind"] == "kv" else row["note"]
                out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                    w, row["system"], t, rate, rss, disk, note))
            else:
                out.append("| %s | %s | %s | - | - | - | %s |" % (
                    row["workload"], row["system"], row["status"], row["note"]))
        return "\n".join(out)

    def report(self):
        rows = self.rows()
        targets = self.targets(rows)
        mach = self.machine()
        vers = self.versions()
        now = datetime.datetime.now()
        print()
        print("machine: %s cores, %s memory, %s, Linux %s" % (
            mach.get("cores"), human_bytes(mach.get("memory_bytes")),
            mach.get("cpu", "?"), mach.get("kernel")))
        print("versions: git %s, libgit2 %s, %s, kv %s" % (
            vers["git"], vers["libgit2"], vers["lmdb"], vers["kv"]))
        print("sizes: %s; medians of %d run(s)" % (
            ", ".join("%s=%d" % kv for kv in self.size.items()), self.runs))
        print()
        print(self.table(rows))
        print()
        print("targets (DESIGN.md):")
        for t in targets:
            if t["met"] is None:
                print("  %-3s %-34s n/a: %s" % (t["workload"], t["target"],
                                                t.get("why", "")))
            else:
                print("  %-3s %-34s %s: %s" % (t["workload"], t["target"],
                                              "met" if t["met"] else "MISSED",
                                              t["shown"]))
        if self.checks:
            print("checks:")
            for c in self.checks:
                print("  " + c)
        doc = {"date": now.isoformat(timespec="seconds"),
               "mode": "quick" if self.quick else "full", "scale": self.scale,
               "runs": self.runs, "sizes": self.size, "machine": mach,
               "versions": vers, "features": {k: (v if v is not True else "ok")
                                              for k, v in self.feature.items()},
               "rows": rows, "targets": targets, "checks": self.checks,
               "failures": self.failures, "markdown": self.markdown(rows)}
        if self.quick or self.args.only or self.args.scale:
            outdir = self.bindir
            paths = [os.path.join(outdir, "results-%s.json" % doc["mode"])]
        else:
            outdir = os.path.join(TOP, "bench", "results")
            paths = [os.path.join(outdir, now.strftime("%Y-%m-%d-%H%M%S") + ".json"),
                     os.path.join(outdir, "latest.json")]
        os.makedirs(outdir, exist_ok=True)
        for p in paths:
            with open(p + ".tmp", "w") as f:
                json.dump(doc, f, indent=1)
                f.write("\n")
            os.replace(p + ".tmp", p)
        print("results: " + ", ".join(os.path.relpath(p, TOP) for p in paths))
        return rows

    def verify(self, rows):
        """bench-quick: every workload that can run must have figures."""
        bad = list(self.failures)
        seen = {}
        for row in rows:
            if row["status"] == "ok" and "seconds" in row:
                seen.setdefault(row["workload"], []).append(row["system"])
        for w in WORKLOADS:
            if self.wanted(w) and w not in seen:
                bad.append("%s: no figures at all" % w)
        if self.have("kv"):
            for w in ("W1", "W2", "W3", "W7", "W8"):
                if self.wanted(w) and not any(s.startswith("kv") for s in seen.get(w, [])):
                    bad.append("%s: kv is built but produced no figures" % w)
        return bad

    # ------------------------------------------------------------------
    # profiles

    def profile(self, w, tool):
        if not self.have("kv"):
            raise Failure("kv is not available: %s" % self.why("kv"))
        n, z = self.size["keys"], self.size
        outdir = os.path.join(self.bindir, "profile")
        os.makedirs(outdir, exist_ok=True)
        store = "lmdb:" + os.path.join(self.tmp, "kv")
        kv = self.prog("kv_bench")
        if w == "W1":
            argv = [kv, "load", store, n, "nosync"]
        else:
            self.run_json([kv, "load", store, n, "nosync"])
            if w == "W2":
                argv = [kv, "get", store, n, z["gets"]]
            elif w == "W3":
                argv = [kv, "commits", store, n, z["commits"], 0, "nosync"]
            elif w == "W4":
                _, _, text, _ = self.run([self.kvctl, "--store", store, "rev-parse",
                                          "main"])
                self.run_json([kv, "merge-setup", store, n, z["merge_changes"], 1,
                               text.strip()])
                argv = [self.kvctl, "--store", store, "merge", "r1", "--into", "l1",
                        "--no-ff", "-m", "merge"]
            elif w == "W6":
                self.run_json([kv, "history", store + "h", z["history"], z["fork"]])
                argv = [kv, "log", store + "h"]
            else:
                raise Failure("profiles exist for W1, W2, W3, W4 and W6")
        argv = [str(a) for a in argv]
        base = os.path.join(outdir, "%s-%s" % (w, tool))
        if tool == "perf":
            # DWARF unwinding: the system libraries have no frame pointers,
            # so -g alone loses every caller inside libc and liblmdb.
            data = base + ".data"
            cmd = ["perf", "record", "-o", data, "-F", "499",
                   "--call-graph", "dwarf,16384", "--"] + argv
            self.run(cmd)
            report = ""
            for title, mode in (("inclusive (with callees)", "--children"),
                                ("self", "--no-children")):
                out = subprocess.run(["perf", "report", "-i", data, "--stdio", mode,
                                      "--percent-limit", "1.5", "-g", "none",
                                      "--sort", "symbol"],
                                     capture_output=True, text=True,
                                     env=self.env).stdout
                report += "== %s\n%s\n" % (title, out)
        elif tool == "callgrind":
            data = base + ".out"
            self.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + data]
                     + argv)
            report = subprocess.run(["callgrind_annotate", "--inclusive=no", data],
                                    capture_output=True, text=True).stdout
        else:
            raise Failure("TOOL must be perf or callgrind")
        with open(base + ".txt", "w") as f:
            f.write(report)
        lines = [re.sub(r"(\s+-)+\s*$", "", l) for l in report.splitlines()
                 if l.strip() and not l.startswith("#")]
        print("\n".join(lines[:45]))
        print("\nprofile of %s (%s): %s, full report %s" % (
            w, " ".join(os.path.basename(a) for a in argv[:4]), data, base + ".txt"))

    def cleanup(self):
        if self.args.keep:
            print("kept scratch folder %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build", help="the make BUILD folder")
    ap.add_argument("--quick", action="store_true", help="1/100 size, one run, checks")
    ap.add_argument("--scale", type=float, help="size factor (1 = full size)")
    ap.add_argument("--runs", type=int, help="runs per measurement (median)")
    ap.add_argument("--only", help="comma-separated workloads, e.g. W1,W2")
    ap.add_argument("--no-gc", action="store_true", help="skip git gc --aggressive")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    ap.add_argument("--tmpdir", help="where to make the scratch folder")
    ap.add_argument("--profile", metavar="W", help="profile one kv workload")
    ap.add_argument("--tool", default="perf", help="perf or callgrind")
    args = ap.parse_args()
    if args.profile and not args.scale and args.tool == "callgrind":
        args.scale = 0.1
    b = Bench(args)
    t0 = time.monotonic()
    try:
        if args.profile:
            b.detect()
            b.profile(args.profile, args.tool)
            return 0
        b.run_all()
        rows = b.report()
        print("total %.0f s" % (time.monotonic() - t0))
        if b.failures:
            print("\nfailures:", file=sys.stderr)
            for f in b.failures:
                print("  " + f, file=sys.stderr)
        if args.quick:
            bad = b.verify(rows)
            if bad:
                print("bench-quick: FAILED", file=sys.stderr)
                for x in bad:
                    print("  " + x, file=sys.stderr)
                return 1
            print("bench-quick: every available workload ran and produced figures")
        return 1 if b.failures else 0
    except Failure as e:
        print("bench: %s" % e, file=sys.stderr)
        return 1
    finally:
        b.cleanup()


if __name__ == "__main__":
    sys.exit(main())

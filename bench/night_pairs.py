"""Default nights of two code trees, alternated on one embedded server: files/s and the server's CPU.

    python -m bench.night_pairs --tree before=/work/main --tree after=/work/wt/h2 [--nights 3]
                                [--data-dir /work/wt/h2-night] [-- extra simulate arguments]

Each night runs `python -m opsdb.cli simulate --no-live --json ...` with PYTHONPATH set to the
tree (its code and its migrations), in a database of its own per tree (`night_<label>`, recreated
by every simulation) on one embedded server kept in `--data-dir` (OPSDB_DATA_DIR: not the shared
default), trees alternated night by night. The server's CPU of a night is read from /proc: the
postmaster's own and reaped children's time (utime, stime, cutime, cstime) plus every live
child's, before and after. Reports per night and the medians: registered files/s, the slowest
pipeline stage's files/s, the night's wall time and server CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _postmaster(data_dir: Path) -> int:
    return int((data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])


def _server_cpu(pid: int) -> float:
    """Seconds of CPU of the postmaster, its reaped children and its live children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            f = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(f[11]) + int(f[12])
    return total / TICK


def _night(tree: str, label: str, data_dir: Path, extra: list[str]) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": tree, "OPSDB_DATA_DIR": str(data_dir)}
    check = f"import opsdb, sys; sys.exit(not opsdb.__file__.startswith({str(Path(tree).resolve())!r}))"
    subprocess.run([sys.executable, "-c", check], env=env, cwd=tree, check=True)  # this tree's code
    env.pop("OPSDB_DSN", None)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "night.json"
        command = [sys.executable, "-m", "opsdb.cli", "simulate", "--no-live", "--database", f"night_{label}"]
        # the server up first (started on demand), so that its CPU is read around the night alone
        subprocess.run(
            [sys.executable, "-m", "opsdb.cli", "db", "up", "--database", f"night_{label}"],
            env=env,
            capture_output=True,
            check=True,
            cwd=tree,
        )
        pid = _postmaster(data_dir)
        before = _server_cpu(pid)
        start = time.perf_counter()
        # run from the tree (`python -m` puts the working directory first on sys.path)
        done = subprocess.run([*command, "--json", str(out), *extra], env=env, capture_output=True, text=True, cwd=tree)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
            raise SystemExit(f"{label}: simulate exited {done.returncode}")
        pid_after = _postmaster(data_dir)
        cpu = _server_cpu(pid_after) - (before if pid == pid_after else 0.0)
        result = json.loads(out.read_text())
    stages = result.get("pipeline_files_per_second") or {}
    return {
        "files_per_second": float(result["files_per_second"]),
        "slowest_stage": min(stages.values()) if stages else float("nan"),
        "wall_s": wall,
        "server_cpu_s": cpu,
        "stages": stages,  # type: ignore[dict-item]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", action="append", required=True, help="LABEL=PATH of a source tree (repeat)")
    parser.add_argument("--nights", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=Path("/work/wt/h2-night"))
    parser.add_argument("extra", nargs="*", help="further simulate arguments (after --)")
    args = parser.parse_args()
    trees = [t.split("=", 1) for t in args.tree]
    args.data_dir.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[dict[str, float]]] = {label: [] for label, _ in trees}
    for n in range(args.nights):
        for label, tree in trees:
            night = _night(tree, label, args.data_dir, args.extra)
            found[label].append(night)
            print(
                f"night {n + 1} {label}: {night['files_per_second']:,.0f} files/s registered, slowest stage "
                f"{night['slowest_stage']:,.0f} files/s, wall {night['wall_s']:.1f} s, server CPU "
                f"{night['server_cpu_s']:.1f} s; stages {night['stages']}; load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    for label, nights in found.items():
        m = {
            k: statistics.median(float(x[k]) for x in nights)
            for k in ("files_per_second", "slowest_stage", "wall_s", "server_cpu_s")
        }
        print(
            f"{label:<10} median of {len(nights)}: {m['files_per_second']:,.0f} files/s, slowest stage "
            f"{m['slowest_stage']:,.0f} files/s, wall {m['wall_s']:.1f} s, server CPU {m['server_cpu_s']:.1f} s"
        )


if __name__ == "__main__":
    main()

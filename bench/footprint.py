"""Benchmark: how long `pulse --help` takes and how much memory an idle `pulse run` holds.

    .venv/bin/python bench/footprint.py            # 7 runs of --help, one idle `pulse run`
    .venv/bin/python bench/footprint.py --runs 15

`pulse --help` is started as its own process (the console script), and the median and best
wall-clock times of `--runs` starts are printed. `pulse run` is started with the shipped
`config/pulse.yaml` and `config/keywords.yaml` (the full watchlist and catalogue: the real
tagger), Telegram pointed at the fake server and a temporary SQLite store; once it polls, its
resident memory (VmRSS from /proc) is read when it has stopped moving. Targets: `--help` under
0.3 s, idle `pulse run` under 250 MB. Numbers, not a test: they depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.telegram import FakeTelegram  # noqa: E402

HELP_TARGET_S = 0.3
RSS_TARGET_MB = 250
TOKEN = "123456:BENCH-token-abcdef"


def pulse_command() -> list[str]:
    """The console script next to this interpreter (what a user runs), else `python -m monitor`."""
    script = Path(sys.executable).with_name("pulse")
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor"]


def help_seconds(runs: int) -> tuple[list[float], list[float]]:
    """(wall-clock seconds, CPU seconds) of `pulse --help`, one process per run.

    CPU time (user + system of the child) is printed beside the wall clock because on a shared
    machine the wall clock also counts the time spent waiting for a core.
    """
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([*pulse_command(), "--help"], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        wall.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def rss_mb(pid: int) -> float:
    """VmRSS of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def settle(pid: int, seconds: float = 3.0, limit: float = 60.0) -> float:
    """RSS once it has moved less than 1 MB for `seconds`."""
    last, since = rss_mb(pid), time.monotonic()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = rss_mb(pid)
        if abs(now - last) > 1:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            break
    return last


def idle_run_mb(folder: Path, fake: FakeTelegram) -> tuple[float, float]:
    """(seconds until `pulse run` polled, its idle RSS in MB) with the shipped config."""
    config = folder / "config"
    shutil.copytree(ROOT / "config", config)
    settings = yaml.safe_load((config / "pulse.yaml").read_text(encoding="utf-8"))
    settings.setdefault("telegram", {})["api_base_url"] = fake.url
    settings["telegram"]["chat_ids"] = [-1001]
    settings["digest"] = {**settings.get("digest", {}), "out_dir": str(folder / "out")}
    (config / "pulse.yaml").write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "PULSE_DATABASE_URL": f"sqlite:///{folder / 'footprint.db'}",
        "PULSE_DOTENV": str(folder / "none"),
    }
    started = time.monotonic()
    proc = subprocess.Popen(
        [*pulse_command(), "--config", str(config / "pulse.yaml"), "run", "--poll-timeout", "1", "--no-catch-up"],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        fake.wait_for(lambda: fake.calls_to("getUpdates"), timeout=180, interval=0.1)
        ready = time.monotonic() - started
        return ready, settle(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(runs: int) -> int:
    times, cpu = help_seconds(runs)
    median, best = statistics.median(times), min(times)
    print(f"pulse --help: median {median:.3f}s, best {best:.3f}s over {runs} runs, CPU median {statistics.median(cpu):.3f}s "
          f"({'under' if median < HELP_TARGET_S else 'OVER'} the {HELP_TARGET_S}s target; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp, FakeTelegram() as fake:
        ready, idle = idle_run_mb(Path(tmp), fake)
    print(f"pulse run: polling after {ready:.1f}s, idle RSS {idle:.0f} MB "
          f"({'under' if idle < RSS_TARGET_MB else 'OVER'} the {RSS_TARGET_MB} MB target)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    sys.exit(main(args.runs))

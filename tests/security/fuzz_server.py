"""`make fuzz`: fuzz a real `customer-credit serve` with schemathesis.

Starts the service on a free loopback port with a fresh data directory (so the embedded store and
its first admin key are new), takes the admin secret from the last line it announces, and runs
the schemathesis CLI against `http://127.0.0.1:<port>/graphql` with that key, with the hooks of
tests/security/fuzz_hooks.py (the schema's scalars, and a check that fails on a masked
INTERNAL_SERVER_ERROR as well as on any 5xx). Exits with schemathesis's status.

    python -m tests.security.fuzz_server [--max-time SECONDS] [--seed N] [extra schemathesis options...]

Exploration, not regression: each run draws a fresh random seed, prints it first
(`fuzz: seed N ...`) and again at the end, and hands it to schemathesis (`--seed`), so every
`make fuzz` tries inputs no earlier run tried. To replay a run, pass its seed back:

    FUZZ_SEED=N make fuzz            # or: python -m tests.security.fuzz_server --seed N

A replay generates the same inputs in the same order (the generation database is off, so nothing
from earlier runs is mixed in); with the same --max-time it gets about as far. The short in-process
fuzz of `make test` (test_graphql_fuzz.py) is the opposite: derandomized, the same inputs every
run, a regression check.
"""

from __future__ import annotations

import argparse
import os
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
START_TIMEOUT = 180.0


def read_secret(server: subprocess.Popen, timeout: float) -> str:
    """The admin secret: the line after "shown only this once", which `serve` prints last."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in server.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    announced = False
    while True:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise SystemExit(f"fuzz: the service announced no admin key within {timeout:.0f} s") from None
        if line is None:
            raise SystemExit(f"fuzz: the service exited ({server.wait()}) before announcing an admin key")
        print(f"fuzz: serve: {line}" if not announced else "fuzz: serve: (admin secret read)", flush=True)
        if announced and line.strip():
            return line.strip()
        announced = announced or "shown only this once" in line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-time", type=int, default=int(os.environ.get("FUZZ_TIME", "120")))
    parser.add_argument(
        "--seed",
        type=int,
        default=int(os.environ["FUZZ_SEED"]) if os.environ.get("FUZZ_SEED") else None,
        help="replay the run that printed this seed (default: $FUZZ_SEED, else a fresh random seed)",
    )
    args, extra = parser.parse_known_args(argv)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**32)
    replay = f"replay with FUZZ_SEED={seed} make fuzz, or python -m tests.security.fuzz_server --seed {seed}"
    print(f"fuzz: seed {seed} ({replay})", flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="customer-credit-fuzz-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "CUSTOMER_CREDIT_DATA_DIR")}
    server_log = (workdir / "serve.log").open("w")
    server = subprocess.Popen(
        [
            str(BIN / "customer-credit"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(workdir / "data"),
        ],
        stdout=subprocess.PIPE,
        stderr=server_log,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        secret = read_secret(server, START_TIMEOUT)
        url = f"http://127.0.0.1:{port}/graphql"
        print(f"fuzz: {url} for {args.max_time} s; server log: {workdir / 'serve.log'}", flush=True)
        command = [
            str(BIN / "schemathesis"),
            "run",
            url,
            "--header",
            f"Authorization: Bearer {secret}",
            "--checks",
            "no_http_5xx,no_internal_server_error",
            "--mode",
            "all",
            "--max-time",
            str(args.max_time),
            "--seed",
            str(seed),
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--report-dir",
            str(workdir / "report"),
            *extra,
        ]
        fuzz_env = {
            **env,
            "SCHEMATHESIS_HOOKS": "tests.security.fuzz_hooks",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        }
        status = subprocess.run(command, env=fuzz_env, cwd=ROOT).returncode
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        server_log.close()
    errors = [
        line
        for line in (workdir / "serve.log").read_text(errors="replace").splitlines()
        if '"level": "ERROR"' in line or line.startswith(("ERROR", "Traceback"))
    ]
    if errors:
        print("fuzz: the server logged errors:", *errors[:20], sep="\n", flush=True)
        status = status or 1
    print(f"fuzz: seed was {seed} ({replay})", flush=True)
    if status == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"fuzz: kept {workdir} (server log, reports)", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())

"""The command line as a user meets it: `python -m python_ml ...` in a subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys

from conftest import PROJECT_DIR


def cli(*args, cwd=PROJECT_DIR):
    return subprocess.run(
        [sys.executable, "-m", "python_ml", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
    )


def test_generate_writes_the_sample_and_keeps_it_when_asked(tmp_path):
    raw_dir = tmp_path / "raw"
    first = cli("generate", "opsd", "--raw-dir", str(raw_dir), "--days", "3", "--quiet")
    assert first.returncode == 0, first.stderr
    time_series = raw_dir / "opsd" / "time_series_60min_singleindex.csv"
    assert "zones DE_LU, FR, NL" in first.stdout
    content = time_series.read_bytes()

    kept = cli("generate", "opsd", "--raw-dir", str(raw_dir), "--if-absent", "--seed", "1")
    assert kept.returncode == 0
    assert "kept" in kept.stdout
    assert time_series.read_bytes() == content

    appended = cli("generate", "opsd", "--raw-dir", str(raw_dir), "--append-hours", "5", "--quiet")
    assert appended.returncode == 0, appended.stderr
    assert "appended 5 hours" in appended.stdout


def test_drift_needs_a_start(tmp_path):
    result = cli("generate", "opsd", "--raw-dir", str(tmp_path), "--drift-kind", "load")
    assert result.returncode == 1
    assert (
        result.stderr.strip() == "error: --drift-kind needs --drift-start (a date such as "
        "2019-06-01)"
    )


def test_download_offline_fails_with_one_line(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli(
        "download",
        "opsd",
        "--raw-dir",
        str(tmp_path),
        "--quiet",
        "--base-url",
        f"http://127.0.0.1:{port}",
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("error: cannot reach"), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "opsd" / "time_series_60min_singleindex.csv").exists()


def test_summary_without_a_warehouse_says_what_to_do(tmp_path):
    result = cli("summary", "--warehouse", str(tmp_path / "none.duckdb"))
    assert result.returncode == 1
    assert "run `make demo`" in result.stderr

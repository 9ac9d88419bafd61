"""Tests for python_ml.data.download against a real HTTP server on 127.0.0.1.

The server (http.server, one thread per request) serves small CSVs in the OPSD layout, answers
Range requests (206 / 416), can publish a checksums.txt, drop the connection after K bytes,
announce a longer Content-Length than it sends, or ignore Range headers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from python_ml.data import download
from python_ml.data.download import (
    PACKAGES,
    DownloadError,
    DownloadResult,
    download_opsd,
)

TS = PACKAGES["time_series"]
WEATHER = PACKAGES["weather"]
TS_PATH = f"/time_series/{TS.default_version}/{TS.file_name}"
TS_SUMS = f"/time_series/{TS.default_version}/checksums.txt"
WEATHER_PATH = f"/weather_data/{WEATHER.default_version}/{WEATHER.file_name}"
WEATHER_SUMS = f"/weather_data/{WEATHER.default_version}/checksums.txt"


# --------------------------------------------------------------------------------------------
# fixture data in OPSD format
# --------------------------------------------------------------------------------------------


def _hours(n: int) -> list[datetime]:
    start = datetime(2018, 1, 1, tzinfo=UTC)
    return [start + timedelta(hours=i) for i in range(n)]


def _utc(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def time_series_csv(n_rows: int = 48, *, header: str | None = None) -> bytes:
    header = header or (
        "utc_timestamp,cet_cest_timestamp,DE_LU_load_actual_entsoe_transparency,"
        "DE_LU_price_day_ahead,DE_solar_generation_actual,DE_wind_generation_actual"
    )
    lines = [header]
    for i, ts in enumerate(_hours(n_rows)):
        local = (ts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0100")
        solar = "" if i % 24 < 7 else f"{(i % 24) * 310.5:.1f}"  # OPSD leaves gaps empty
        lines.append(
            f"{_utc(ts)},{local},{45000 + 37 * i:.1f},{30 + (i % 24) * 1.25:.2f},"
            f"{solar},{12000 - 51 * i:.1f}"
        )
    return ("\n".join(lines) + "\n").encode()


def weather_csv(n_rows: int = 48) -> bytes:
    lines = [
        "utc_timestamp,DE_temperature,DE_radiation_direct_horizontal,"
        "DE_radiation_diffuse_horizontal"
    ]
    for i, ts in enumerate(_hours(n_rows)):
        lines.append(
            f"{_utc(ts)},{-1.5 + 0.1 * i:.3f},{max(0, 40 * (i % 24) - 300)},"
            f"{max(0, 20 * (i % 24) - 150)}"
        )
    return ("\n".join(lines) + "\n").encode()


def opsd_checksums(**files: bytes) -> bytes:
    """checksums.txt the way OPSD writes it: ``<file>,<sha256 hex>`` per line."""
    return "".join(
        f"{name},{hashlib.sha256(body).hexdigest()}\n" for name, body in files.items()
    ).encode()


# --------------------------------------------------------------------------------------------
# local HTTP server
# --------------------------------------------------------------------------------------------


@dataclass
class ServerState:
    files: dict[str, bytes] = field(default_factory=dict)
    #: path -> number of bytes to send on the next request before closing the socket
    drop_after: dict[str, int] = field(default_factory=dict)
    #: path -> bytes announced on top of the real body (Content-Length larger than body)
    extra_length: dict[str, int] = field(default_factory=dict)
    #: path -> new body that replaces the file once a connection to it has been dropped
    swap_after_drop: dict[str, bytes] = field(default_factory=dict)
    ignore_range: bool = False
    #: path -> HTTP status to answer with instead of serving the file
    status: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_for(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [headers for p, headers in self.requests if p == path]


class OPSDHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (signature)
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        state = self.server.state
        path = urlsplit(self.path).path
        with state.lock:
            state.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
            body = state.files.get(path)
            drop = state.drop_after.pop(path, None)
            extra = state.extra_length.get(path, 0)
            forced_status = state.status.get(path)
        if forced_status is not None:
            self._send_simple(forced_status, b"error\n")
            return
        if body is None:
            self._send_simple(404, b"not found\n")
            return

        announced_total = len(body) + extra
        start = 0
        status = 200
        range_header = self.headers.get("Range")
        if range_header and not state.ignore_range:
            match = re.fullmatch(r"bytes=(\d+)-", range_header.strip())
            assert match, f"client sent an unexpected Range header {range_header!r}"
            start = int(match.group(1))
            if start >= announced_total:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{announced_total}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206

        payload = body[start:]
        self.send_response(status)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(announced_total - start))
        if status == 206:
            self.send_header(
                "Content-Range", f"bytes {start}-{announced_total - 1}/{announced_total}"
            )
        self.end_headers()
        if drop is not None:
            payload = payload[:drop]
        self.wfile.write(payload)
        self.wfile.flush()
        if drop is not None:
            with state.lock:
                if path in state.swap_after_drop:
                    state.files[path] = state.swap_after_drop.pop(path)
        if drop is not None or extra:
            # the body is short of what was announced: hang up, as a dropped link would
            self.close_connection = True

    def _send_simple(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: ServerState) -> None:
        super().__init__(("127.0.0.1", 0), OPSDHandler)
        self.state = state


@dataclass
class LocalOPSD:
    state: ServerState
    base_url: str

    def publish(
        self,
        *,
        time_series: bytes | None = None,
        weather: bytes | None = None,
        checksums: bool = True,
    ) -> None:
        """Serve the given files and (optionally) a checksums.txt made from them."""
        if time_series is not None:
            self.state.files[TS_PATH] = time_series
            if checksums:
                self.state.files[TS_SUMS] = opsd_checksums(**{TS.file_name: time_series})
        if weather is not None:
            self.state.files[WEATHER_PATH] = weather
            if checksums:
                self.state.files[WEATHER_SUMS] = opsd_checksums(**{WEATHER.file_name: weather})


@pytest.fixture
def opsd() -> Iterator[LocalOPSD]:
    state = ServerState()
    server = _Server(state)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield LocalOPSD(state, f"http://{host}:{port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "RETRY_BACKOFF_SECONDS", 0.0)


def _get(opsd: LocalOPSD, dest: Path, **kwargs) -> list[DownloadResult]:
    kwargs.setdefault("progress", False)
    kwargs.setdefault("timeout", 5.0)
    return download_opsd(dest, base_url=opsd.base_url, **kwargs)


def _part(dest: Path, info=TS, version: str | None = None) -> Path:
    return dest / ".download" / f"{info.file_name}.{version or info.default_version}.part"


# --------------------------------------------------------------------------------------------
# happy path
# --------------------------------------------------------------------------------------------


def test_happy_path_installs_both_files_with_provenance(opsd: LocalOPSD, tmp_path: Path) -> None:
    ts_body, weather_body = time_series_csv(), weather_csv()
    opsd.publish(time_series=ts_body, weather=weather_body)

    results = _get(opsd, tmp_path)

    assert [r.package for r in results] == ["time_series", "weather"]
    for result, body, info in ((results[0], ts_body, TS), (results[1], weather_body, WEATHER)):
        assert result.path == tmp_path / info.file_name
        assert result.path.read_bytes() == body
        assert result.bytes == len(body)
        assert result.sha256 == hashlib.sha256(body).hexdigest()
        assert result.checksum_verified is True
        assert result.version == info.default_version
        assert result.url == opsd.base_url + (TS_PATH if info is TS else WEATHER_PATH)

        provenance = json.loads((tmp_path / f"{info.file_name}.provenance.json").read_text())
        assert provenance["url"] == result.url
        assert provenance["version"] == info.default_version
        assert provenance["bytes"] == len(body)
        assert provenance["sha256"] == hashlib.sha256(body).hexdigest()
        assert provenance["md5"] == hashlib.md5(body).hexdigest()
        assert provenance["checksum_source"].endswith("/checksums.txt")
        assert provenance["checksum_algorithm"] == "sha256"
        assert provenance["checksum_verified"] is True
        assert provenance["rows"] == 48
        assert provenance["first_utc_timestamp"] == "2018-01-01T00:00:00Z"
        assert provenance["last_utc_timestamp"] == "2018-01-02T23:00:00Z"
        assert datetime.strptime(provenance["downloaded_at"], "%Y-%m-%dT%H:%M:%SZ")

    # nothing half-written is left behind
    assert not any((tmp_path / ".download").glob("*"))
    # a fresh download does not send Range
    assert all("range" not in h for h in opsd.state.requests_for(TS_PATH))


def test_rerun_reuses_verified_file_and_force_downloads_again(
    opsd: LocalOPSD, tmp_path: Path
) -> None:
    opsd.publish(time_series=time_series_csv())
    _get(opsd, tmp_path, packages=["time_series"])
    assert len(opsd.state.requests_for(TS_PATH)) == 1

    (again,) = _get(opsd, tmp_path, packages=["time_series"])
    assert again.reused is True and again.checksum_verified is True
    assert len(opsd.state.requests_for(TS_PATH)) == 1

    (forced,) = _get(opsd, tmp_path, packages=["time_series"], force=True)
    assert forced.reused is False
    assert len(opsd.state.requests_for(TS_PATH)) == 2


def test_version_option_overrides_default(opsd: LocalOPSD, tmp_path: Path) -> None:
    body = weather_csv()
    opsd.state.files[f"/weather_data/2019-04-09/{WEATHER.file_name}"] = body

    (result,) = _get(opsd, tmp_path, packages=["weather"], versions={"weather": "2019-04-09"})

    assert result.version == "2019-04-09"
    assert result.url.endswith(f"/weather_data/2019-04-09/{WEATHER.file_name}")
    assert result.path.read_bytes() == body


# --------------------------------------------------------------------------------------------
# resume
# --------------------------------------------------------------------------------------------


def test_resumes_with_range_after_dropped_connection(opsd: LocalOPSD, tmp_path: Path) -> None:
    body = time_series_csv()
    opsd.publish(time_series=body)
    cut = 1000
    opsd.state.drop_after[TS_PATH] = cut

    (result,) = _get(opsd, tmp_path, packages=["time_series"])

    requests = opsd.state.requests_for(TS_PATH)
    assert len(requests) == 2
    assert "range" not in requests[0]
    assert requests[1]["range"] == f"bytes={cut}-"
    assert result.path.read_bytes() == body
    assert result.checksum_verified is True
    assert not _part(tmp_path).exists()


def test_resumes_part_file_left_by_earlier_run(opsd: LocalOPSD, tmp_path: Path) -> None:
    body = time_series_csv()
    opsd.publish(time_series=body)
    _part(tmp_path).parent.mkdir(parents=True)
    _part(tmp_path).write_bytes(body[:777])

    (result,) = _get(opsd, tmp_path, packages=["time_series"])

    (request,) = opsd.state.requests_for(TS_PATH)
    assert request["range"] == "bytes=777-"
    assert result.path.read_bytes() == body


def test_server_ignoring_range_restarts_from_zero(opsd: LocalOPSD, tmp_path: Path) -> None:
    body = time_series_csv()
    opsd.publish(time_series=body)
    opsd.state.ignore_range = True
    _part(tmp_path).parent.mkdir(parents=True)
    _part(tmp_path).write_bytes(b"stale bytes from another version " * 10)

    (result,) = _get(opsd, tmp_path, packages=["time_series"])

    (request,) = opsd.state.requests_for(TS_PATH)
    assert "range" in request  # asked to resume, got 200 with the whole file
    assert result.path.read_bytes() == body


def test_file_changed_on_server_between_attempts_starts_over(
    opsd: LocalOPSD, tmp_path: Path
) -> None:
    old, new = time_series_csv(48), time_series_csv(72)
    opsd.publish(time_series=old, checksums=False)
    opsd.state.drop_after[TS_PATH] = 1000
    opsd.state.swap_after_drop[TS_PATH] = new  # a new upload lands while we are resuming

    (result,) = _get(opsd, tmp_path, packages=["time_series"])

    ranges = [r.get("range") for r in opsd.state.requests_for(TS_PATH)]
    assert ranges == [None, "bytes=1000-", None]
    assert result.path.read_bytes() == new


def test_complete_part_file_answered_416_is_verified_and_installed(
    opsd: LocalOPSD, tmp_path: Path
) -> None:
    body = time_series_csv()
    opsd.publish(time_series=body)
    _part(tmp_path).parent.mkdir(parents=True)
    _part(tmp_path).write_bytes(body)

    (result,) = _get(opsd, tmp_path, packages=["time_series"])

    (request,) = opsd.state.requests_for(TS_PATH)
    assert request["range"] == f"bytes={len(body)}-"
    assert result.path.read_bytes() == body
    assert result.checksum_verified is True


def test_oversized_part_file_answered_416_starts_over(opsd: LocalOPSD, tmp_path: Path) -> None:
    body = time_series_csv()
    opsd.publish(time_series=body)
    _part(tmp_path).parent.mkdir(parents=True)
    _part(tmp_path).write_bytes(body + b"junk that does not belong to the file\n" * 5)

    (result,) = _get(opsd, tmp_path, packages=["time_series"])

    requests = opsd.state.requests_for(TS_PATH)
    assert [("range" in r) for r in requests] == [True, False]
    assert result.path.read_bytes() == body


# --------------------------------------------------------------------------------------------
# verification failures
# --------------------------------------------------------------------------------------------


def test_checksum_mismatch_fails_and_cleans_up(opsd: LocalOPSD, tmp_path: Path) -> None:
    body = time_series_csv()
    opsd.publish(time_series=body)
    opsd.state.files[TS_PATH] = body.replace(b"45000.0", b"45001.0")  # corrupted on the way

    with pytest.raises(DownloadError) as info:
        _get(opsd, tmp_path, packages=["time_series"])

    message = str(info.value)
    assert message.startswith(
        f"checksum mismatch for {TS.file_name}: expected sha256 {hashlib.sha256(body).hexdigest()}"
    )
    assert "\n" not in message
    assert not (tmp_path / TS.file_name).exists()
    assert not (tmp_path / f"{TS.file_name}.provenance.json").exists()
    assert not _part(tmp_path).exists()


def test_md5sum_style_checksums_are_understood(opsd: LocalOPSD, tmp_path: Path) -> None:
    body = weather_csv()
    opsd.publish(weather=body, checksums=False)
    opsd.state.files[WEATHER_SUMS] = (
        f"{hashlib.md5(b'other').hexdigest()}  {WEATHER.file_name}\n".encode()
    )

    with pytest.raises(DownloadError, match=r"checksum mismatch .* expected md5 "):
        _get(opsd, tmp_path, packages=["weather"])

    opsd.state.files[WEATHER_SUMS] = (
        f"{hashlib.md5(body).hexdigest()} *{WEATHER.file_name}\n".encode()
    )
    (result,) = _get(opsd, tmp_path, packages=["weather"])
    assert result.checksum_verified is True
    provenance = json.loads((tmp_path / f"{WEATHER.file_name}.provenance.json").read_text())
    assert provenance["checksum_algorithm"] == "md5"


def test_missing_checksums_still_succeeds_unverified(
    opsd: LocalOPSD, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = time_series_csv()
    opsd.publish(time_series=body, checksums=False)

    with caplog.at_level(logging.INFO, logger=download.__name__):
        (result,) = _get(opsd, tmp_path, packages=["time_series"])

    assert result.checksum_verified is False
    assert result.path.read_bytes() == body
    assert any(
        r.levelno == logging.WARNING
        and "relying on size, header and parse checks" in r.getMessage()
        for r in caplog.records
    )
    assert any(
        "no checksums.txt published" in r.getMessage() and "404" in r.getMessage()
        for r in caplog.records
    )
    provenance = json.loads((tmp_path / f"{TS.file_name}.provenance.json").read_text())
    assert provenance["checksum_source"] is None
    assert provenance["checksum_verified"] is False
    assert provenance["md5"] == hashlib.md5(body).hexdigest()


def _datapackage(file_name: str, body: bytes, *, hash_value: str | None = None) -> bytes:
    resource = {
        "profile": "tabular-data-resource",
        "path": file_name,
        "format": "csv",
        "bytes": len(body),
        # OPSD writes the bare SHA-256 hex digest
        "hash": hash_value or hashlib.sha256(body).hexdigest(),
    }
    other = {"path": "time_series.xlsx", "bytes": 1, "hash": "0" * 64}
    return json.dumps({"name": "opsd_time_series", "resources": [other, resource]}).encode()


def test_datapackage_json_hash_used_when_no_checksums_txt(opsd: LocalOPSD, tmp_path: Path) -> None:
    body = time_series_csv()
    opsd.publish(time_series=body, checksums=False)
    datapackage = f"/time_series/{TS.default_version}/datapackage.json"
    opsd.state.files[datapackage] = _datapackage(TS.file_name, body)

    (result,) = _get(opsd, tmp_path, packages=["time_series"])

    assert result.checksum_verified is True
    provenance = json.loads((tmp_path / f"{TS.file_name}.provenance.json").read_text())
    assert provenance["checksum_source"] == opsd.base_url + datapackage
    assert provenance["checksum_algorithm"] == "sha256"

    # a prefixed digest that does not match is a mismatch like any other
    opsd.state.files[datapackage] = _datapackage(
        TS.file_name, body, hash_value="md5:" + hashlib.md5(b"other").hexdigest()
    )
    with pytest.raises(DownloadError, match=r"checksum mismatch .* expected md5 "):
        _get(opsd, tmp_path, packages=["time_series"], force=True)


def test_checksums_server_error_is_retried_then_unverified(
    opsd: LocalOPSD, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = time_series_csv()
    opsd.publish(time_series=body)
    opsd.state.status[TS_SUMS] = 503

    with caplog.at_level(logging.WARNING, logger=download.__name__):
        (result,) = _get(opsd, tmp_path, packages=["time_series"], retries=2)

    assert len(opsd.state.requests_for(TS_SUMS)) == 3
    assert result.checksum_verified is False
    assert any("HTTP 503" in r.getMessage() for r in caplog.records)


def test_data_server_error_is_retried(opsd: LocalOPSD, tmp_path: Path) -> None:
    opsd.publish(time_series=time_series_csv())
    opsd.state.status[TS_PATH] = 502

    with pytest.raises(DownloadError, match=r"failed after 1 retry: HTTP 502"):
        _get(opsd, tmp_path, packages=["time_series"], retries=1)

    assert len(opsd.state.requests_for(TS_PATH)) == 2


def test_checksums_without_entry_for_file_is_unverified(opsd: LocalOPSD, tmp_path: Path) -> None:
    body = time_series_csv()
    opsd.publish(time_series=body, checksums=False)
    opsd.state.files[TS_SUMS] = opsd_checksums(**{"time_series_15min_singleindex.csv": b"x"})

    (result,) = _get(opsd, tmp_path, packages=["time_series"])

    assert result.checksum_verified is False


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            time_series_csv(
                header="utc_timestamp,DE_LU_load_actual_entsoe_transparency,"
                "DE_LU_price_day_ahead,DE_solar_generation_actual,"
                "DE_wind_generation_actual,extra"
            ),
            "header lacks cet_cest_timestamp",
            id="no-cet-cest-timestamp",
        ),
        pytest.param(
            time_series_csv(header="utc_timestamp,cet_cest_timestamp,a,b,c,d"),
            "header has no value column",
            id="no-opsd-value-column",
        ),
        pytest.param(
            b"<html><body>Maintenance</body></html>\n",
            "header lacks utc_timestamp",
            id="html-page",
        ),
    ],
)
def test_bad_header_is_rejected(
    opsd: LocalOPSD, tmp_path: Path, body: bytes, expected: str
) -> None:
    opsd.publish(time_series=body)  # checksum matches: the header check must catch it

    with pytest.raises(DownloadError, match=re.escape(expected)) as info:
        _get(opsd, tmp_path, packages=["time_series"])

    assert str(info.value).startswith(TS.file_name)
    assert not (tmp_path / TS.file_name).exists()
    assert not _part(tmp_path).exists()


def _replace_line(body: bytes, index: int, new: str) -> bytes:
    lines = body.decode().splitlines()
    lines[index] = new
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda b: _replace_line(
                b, 5, b.decode().splitlines()[5].replace("T04:00:00Z", " 04:00")
            ),
            "line 6: utc_timestamp '2018-01-01 04:00' is not of the form",
            id="unparseable",
        ),
        pytest.param(
            lambda b: _replace_line(b, 5, b.decode().splitlines()[4]),
            "line 6: utc_timestamp 2018-01-01T03:00:00Z is not after 2018-01-01T03:00:00Z",
            id="duplicate",
        ),
        pytest.param(
            lambda b: _replace_line(b, 5, b.decode().splitlines()[2]),
            "line 6: utc_timestamp 2018-01-01T01:00:00Z is not after 2018-01-01T03:00:00Z",
            id="going-back",
        ),
        pytest.param(
            lambda b: _replace_line(b, 5, b.decode().splitlines()[5] + ",1.0"),
            "line 6: 7 fields, header has 6",
            id="ragged-row",
        ),
        pytest.param(
            lambda b: _replace_line(b, 5, "2018-02-30T04:00:00Z,x,1,2,3,4"),
            "line 6: utc_timestamp '2018-02-30T04:00:00Z' is not of the form",
            id="impossible-date",
        ),
        pytest.param(
            lambda b: b.decode().splitlines()[0].encode() + b"\n",
            "header only, no data rows",
            id="no-rows",
        ),
    ],
)
def test_parse_check_rejects_bad_rows(
    opsd: LocalOPSD, tmp_path: Path, mutate, expected: str
) -> None:
    opsd.publish(time_series=mutate(time_series_csv()))

    with pytest.raises(DownloadError, match=re.escape(expected)):
        _get(opsd, tmp_path, packages=["time_series"])

    assert not (tmp_path / TS.file_name).exists()
    assert not _part(tmp_path).exists()


def test_size_mismatch_fails_after_retries(opsd: LocalOPSD, tmp_path: Path) -> None:
    body = time_series_csv()
    opsd.publish(time_series=body)
    opsd.state.extra_length[TS_PATH] = 100  # Content-Length says 100 bytes more than sent

    with pytest.raises(DownloadError) as info:
        _get(opsd, tmp_path, packages=["time_series"], retries=2)

    message = str(info.value)
    assert message.startswith(f"download of {TS.file_name} failed after 2 retries")
    assert f"received {len(body)} bytes" in message
    assert "\n" not in message
    requests = opsd.state.requests_for(TS_PATH)
    assert len(requests) == 3  # first try + 2 retries, each resuming
    assert all(r["range"] == f"bytes={len(body)}-" for r in requests[1:])
    assert not (tmp_path / TS.file_name).exists()


def test_missing_file_on_server_is_a_clear_error(opsd: LocalOPSD, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"not found at .* \(HTTP 404\)"):
        _get(opsd, tmp_path, packages=["time_series"])


# --------------------------------------------------------------------------------------------
# offline, options, existing files
# --------------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_offline_is_one_line_download_error(tmp_path: Path) -> None:
    port = _closed_port()
    started = time.monotonic()

    with pytest.raises(DownloadError) as info:
        download_opsd(tmp_path, base_url=f"http://127.0.0.1:{port}", progress=False, timeout=2)

    message = str(info.value)
    assert message.startswith(f"cannot reach 127.0.0.1:{port} (offline?): ")
    assert "refused" in message.lower()
    assert "\n" not in message
    assert time.monotonic() - started < 5  # no pointless retries when nothing answers
    assert not (tmp_path / TS.file_name).exists()


def test_existing_final_file_kept_when_new_download_fails(opsd: LocalOPSD, tmp_path: Path) -> None:
    good = time_series_csv(24)
    opsd.publish(time_series=good)
    _get(opsd, tmp_path, packages=["time_series"])
    final = tmp_path / TS.file_name
    provenance = tmp_path / f"{TS.file_name}.provenance.json"
    before = (final.read_bytes(), provenance.read_bytes())

    # a newer upload at the same url whose checksum does not match
    opsd.state.files[TS_PATH] = time_series_csv(48)
    with pytest.raises(DownloadError, match="checksum mismatch"):
        _get(opsd, tmp_path, packages=["time_series"], force=True)
    assert (final.read_bytes(), provenance.read_bytes()) == before

    # a broken file with a matching checksum
    opsd.publish(time_series=b"utc_timestamp,cet_cest_timestamp\n")
    with pytest.raises(DownloadError, match="no value column"):
        _get(opsd, tmp_path, packages=["time_series"], force=True)
    assert (final.read_bytes(), provenance.read_bytes()) == before
    assert not _part(tmp_path).exists()


def test_existing_file_without_provenance_is_replaced_only_after_success(
    opsd: LocalOPSD, tmp_path: Path
) -> None:
    final = tmp_path / TS.file_name
    final.write_bytes(b"old copy\n")
    body = time_series_csv()
    opsd.publish(time_series=body)

    (result,) = _get(opsd, tmp_path, packages=["time_series"])

    assert result.reused is False
    assert final.read_bytes() == body


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"versions": {"time_series": "2020-13-06"}}, "not a valid date"),
        ({"versions": {"time_series": "20201006"}}, "must look like YYYY-MM-DD"),
        ({"versions": {"time_series": "latest"}}, "must look like YYYY-MM-DD"),
        ({"versions": {"prices": "2020-10-06"}}, "unknown package"),
        ({"packages": ["time_series", "ercot"]}, "unknown OPSD package"),
        ({"base_url": "ftp://example.org"}, "must start with http"),
    ],
)
def test_bad_options_raise_before_any_request(
    opsd: LocalOPSD, tmp_path: Path, kwargs: dict, expected: str
) -> None:
    base_url = kwargs.pop("base_url", opsd.base_url)
    with pytest.raises(DownloadError, match=expected):
        download_opsd(tmp_path, base_url=base_url, progress=False, **kwargs)
    assert opsd.state.requests == []


def test_parse_checksums_forms() -> None:
    sha = hashlib.sha256(b"a").hexdigest()
    md5 = hashlib.md5(b"a").hexdigest()
    parse = download._parse_checksums
    opsd_style = f"time_series.sqlite,{md5}\ntime_series_60min_singleindex.csv,{sha}\n"
    assert parse(opsd_style, TS.file_name, "s").algorithm == "sha256"
    assert parse(opsd_style, TS.file_name, "s").hexdigest == sha
    assert parse(f"{md5.upper()}  ./{TS.file_name}\n", TS.file_name, "s").algorithm == "md5"
    assert parse(f"{sha}  other.csv\n", TS.file_name, "s") is None
    assert parse(f"{TS.file_name},nothex\n", TS.file_name, "s") is None


def test_package_registry_matches_platform_layout() -> None:
    assert download.BASE_URL == "https://data.open-power-system-data.org"
    assert TS.url(download.BASE_URL, TS.default_version) == (
        "https://data.open-power-system-data.org/time_series/2020-10-06/"
        "time_series_60min_singleindex.csv"
    )
    assert WEATHER.url(download.BASE_URL, WEATHER.default_version) == (
        "https://data.open-power-system-data.org/weather_data/2020-09-16/weather_data.csv"
    )
    assert WEATHER.checksums_url(download.BASE_URL, "2020-09-16").endswith(
        "/weather_data/2020-09-16/checksums.txt"
    )

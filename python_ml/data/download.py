"""Download the Open Power System Data (OPSD) packages the spike-risk use case is built on.

Two files are fetched from the OPSD data platform:

* time series, 60-minute single-index (``time_series_60min_singleindex.csv``)
* weather (``weather_data.csv``)

Every file goes through the same pipeline:

1. Stream to ``<dest>/.download/<file>.<version>.part``. A part file left by an earlier run or
   a dropped connection is resumed with an HTTP ``Range: bytes=N-`` request (206 appends,
   200 means the server ignored the range and the file starts over, 416 means the part is
   already complete or does not fit the file on the server).
2. Verify the part file: size (bytes received equal the announced length), the published
   checksum when the package has a ``checksums.txt`` (OPSD writes ``<file>,<sha256>`` lines;
   ``<hex>  <file>`` lines of the ``sha256sum``/``md5sum`` tools are read too, the algorithm
   follows from the digest length), the header (OPSD column conventions) and a full parse
   (same number of fields on every row, parseable and strictly increasing ``utc_timestamp``).
3. Only then move it into place with :func:`os.replace` and write a provenance sidecar
   ``<file>.provenance.json``. A failed check deletes the part file, so the next run starts
   clean, and leaves a file already at the final path untouched.

Only the standard library talks HTTP (``urllib.request``); ``tqdm`` draws the progress bar.
Every error a user can cause or meet (offline, HTTP error, failed check, bad option) is a
:class:`DownloadError` whose message is one line.
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import json
import logging
import os
import re
import socket
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from tqdm import tqdm

__all__ = [
    "BASE_URL",
    "PACKAGES",
    "DownloadError",
    "DownloadResult",
    "PackageInfo",
    "download_opsd",
]

logger = logging.getLogger(__name__)

BASE_URL = "https://data.open-power-system-data.org"

#: Seconds to wait before retry ``n`` (1-based): ``RETRY_BACKOFF_SECONDS * 2 ** (n - 1)``.
RETRY_BACKOFF_SECONDS = 1.0
#: Bytes read from the socket (and hashed from disk) at a time.
CHUNK_SIZE = 1 << 20
#: checksums.txt and datapackage.json are read up to this many bytes.
_METADATA_MAX_BYTES = 16 << 20
USER_AGENT = "open-power-ml-downloader/0.1 (+python urllib)"
PART_DIR_NAME = ".download"

_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ISO 8601 with an explicit offset: Z, +00:00, +01:00 or +0100 (as staging accepts)
_UTC_TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})$")
_HEX_RE = re.compile(r"^[0-9a-fA-F]+$")
_ALGORITHM_BY_HEX_LENGTH = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}


class DownloadError(Exception):
    """A download or verification failed; the message is one line meant for the user."""


@dataclass(frozen=True)
class PackageInfo:
    """One OPSD data package and the file of it that this project uses.

    ``url_template`` and ``checksums_template`` are :meth:`str.format` templates with the
    fields ``base_url``, ``version`` and ``file_name``.
    """

    name: str
    file_name: str
    default_version: str
    url_template: str
    checksums_template: str
    #: Columns the header must contain.
    required_columns: tuple[str, ...] = ("utc_timestamp",)
    #: At least one header column must match this pattern (OPSD naming convention).
    value_column_pattern: str = r".+"
    #: Human description of ``value_column_pattern`` for error messages.
    value_column_hint: str = "a value column"
    #: Template of the package's ``datapackage.json`` (checksum fallback), or None.
    datapackage_template: str | None = None

    def url(self, base_url: str, version: str) -> str:
        return self.url_template.format(
            base_url=base_url.rstrip("/"), version=version, file_name=self.file_name
        )

    def checksums_url(self, base_url: str, version: str) -> str:
        return self.checksums_template.format(
            base_url=base_url.rstrip("/"), version=version, file_name=self.file_name
        )


PACKAGES: dict[str, PackageInfo] = {
    "time_series": PackageInfo(
        name="time_series",
        file_name="time_series_60min_singleindex.csv",
        default_version="2020-10-06",
        url_template="{base_url}/time_series/{version}/{file_name}",
        checksums_template="{base_url}/time_series/{version}/checksums.txt",
        datapackage_template="{base_url}/time_series/{version}/datapackage.json",
        required_columns=("utc_timestamp", "cet_cest_timestamp"),
        # DE_LU_price_day_ahead, AT_load_actual_entsoe_transparency,
        # DE_50hertz_wind_generation_actual, GB_UKM_solar_capacity, ...
        value_column_pattern=r"^[A-Z]{2}(?:_[A-Za-z0-9]+)*_(?:load|price|solar|wind)_[a-z0-9_]+$",
        value_column_hint=(
            "a column like <zone>_price_day_ahead or <zone>_load_actual_entsoe_transparency"
        ),
    ),
    "weather": PackageInfo(
        name="weather",
        file_name="weather_data.csv",
        default_version="2020-09-16",
        url_template="{base_url}/weather_data/{version}/{file_name}",
        checksums_template="{base_url}/weather_data/{version}/checksums.txt",
        datapackage_template="{base_url}/weather_data/{version}/datapackage.json",
        required_columns=("utc_timestamp",),
        value_column_pattern=(
            r"^[A-Z]{2}_(?:temperature|radiation_direct_horizontal|radiation_diffuse_horizontal)$"
        ),
        value_column_hint="a column like <CC>_temperature or <CC>_radiation_direct_horizontal",
    ),
}


@dataclass(frozen=True)
class DownloadResult:
    """What :func:`download_opsd` put on disk for one package."""

    package: str
    version: str
    path: Path
    bytes: int
    sha256: str
    checksum_verified: bool
    url: str
    #: True when a verified copy of the same url was already in place and nothing was fetched.
    reused: bool = False


@dataclass(frozen=True)
class _PublishedChecksum:
    algorithm: str
    hexdigest: str
    source: str
    #: Size the metadata publishes for the file, when it does (datapackage.json ``bytes``).
    expected_bytes: int | None = None


@dataclass(frozen=True)
class _ParseSummary:
    rows: int
    columns: int
    first_utc_timestamp: str
    last_utc_timestamp: str


# --------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------


def download_opsd(
    dest_dir: Path,
    *,
    packages: Sequence[str] = ("time_series", "weather"),
    versions: Mapping[str, str] | None = None,
    base_url: str = BASE_URL,
    progress: bool = True,
    timeout: float = 30.0,
    retries: int = 3,
    force: bool = False,
) -> list[DownloadResult]:
    """Download, verify and atomically install OPSD package files into ``dest_dir``.

    ``versions`` maps package names to ``YYYY-MM-DD`` versions and overrides the defaults.
    A file that is already in place with a provenance sidecar for the same url, whose size and
    SHA-256 still match, is reused without a download unless ``force`` is true.

    Raises :class:`DownloadError` (one-line message) on any failure; files already installed
    for earlier packages in ``packages`` stay installed.
    """
    if isinstance(packages, str):
        packages = (packages,)
    unknown = [name for name in packages if name not in PACKAGES]
    if unknown:
        raise DownloadError(
            f"unknown OPSD package(s) {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(PACKAGES)}"
        )
    versions = dict(versions or {})
    stray = [name for name in versions if name not in PACKAGES]
    if stray:
        raise DownloadError(
            f"version given for unknown package(s) {', '.join(map(repr, stray))}; "
            f"choose from {', '.join(PACKAGES)}"
        )
    chosen = {
        name: _validate_version(name, versions.get(name, PACKAGES[name].default_version))
        for name in packages
    }
    if retries < 0:
        raise DownloadError(f"retries must be 0 or more, got {retries}")
    if timeout <= 0:
        raise DownloadError(f"timeout must be positive, got {timeout}")
    scheme = urllib.parse.urlsplit(base_url).scheme
    if scheme not in {"http", "https"}:
        raise DownloadError(f"base url must start with http:// or https://, got {base_url!r}")

    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for name in packages:
        results.append(
            _download_package(
                PACKAGES[name],
                chosen[name],
                dest_dir=dest_dir,
                base_url=base_url,
                progress=progress,
                timeout=timeout,
                retries=retries,
                force=force,
            )
        )
    return results


# --------------------------------------------------------------------------------------------
# one package
# --------------------------------------------------------------------------------------------


def _validate_version(package: str, version: str) -> str:
    version = str(version).strip()
    if not _VERSION_RE.match(version):
        raise DownloadError(f"version for {package} must look like YYYY-MM-DD, got {version!r}")
    try:
        date.fromisoformat(version)
    except ValueError as exc:
        raise DownloadError(f"version for {package} is not a valid date: {version!r}") from exc
    return version


def _download_package(
    info: PackageInfo,
    version: str,
    *,
    dest_dir: Path,
    base_url: str,
    progress: bool,
    timeout: float,
    retries: int,
    force: bool,
) -> DownloadResult:
    url = info.url(base_url, version)
    final_path = dest_dir / info.file_name
    provenance_path = dest_dir / f"{info.file_name}.provenance.json"

    if not force:
        reused = _reuse_existing(info, version, url, final_path, provenance_path)
        if reused is not None:
            return reused

    published = _fetch_published_checksum(info, version, base_url, timeout=timeout, retries=retries)

    part_dir = dest_dir / PART_DIR_NAME
    part_dir.mkdir(parents=True, exist_ok=True)
    part_path = part_dir / f"{info.file_name}.{version}.part"

    expected_size = _fetch_to_part(
        url,
        part_path,
        file_name=info.file_name,
        timeout=timeout,
        retries=retries,
        progress=progress,
    )

    try:
        size, digests = _verify_size_and_checksum(
            info.file_name, part_path, expected_size, published
        )
        summary = _check_csv(info, part_path)
    except DownloadError:
        part_path.unlink(missing_ok=True)
        raise

    _fsync_file(part_path)
    os.replace(part_path, final_path)
    _fsync_dir(dest_dir)
    _remove_empty_dir(part_dir)

    provenance = {
        "package": info.name,
        "file": info.file_name,
        "version": version,
        "url": url,
        "bytes": size,
        "sha256": digests["sha256"],
        "md5": digests["md5"],
        "checksum_source": published.source if published else None,
        "checksum_algorithm": published.algorithm if published else None,
        "checksum_verified": published is not None,
        "checks": [
            "size" if expected_size is not None else "size (no length announced)",
            "header",
            "parse",
        ]
        + (["checksum"] if published else []),
        "rows": summary.rows,
        "columns": summary.columns,
        "first_utc_timestamp": summary.first_utc_timestamp,
        "last_utc_timestamp": summary.last_utc_timestamp,
        "downloaded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    _write_json_atomic(provenance_path, provenance)
    logger.info(
        "installed %s (%s, %d bytes, sha256 %s, checksum %s)",
        final_path,
        version,
        size,
        digests["sha256"],
        "verified" if published else "not published",
    )
    return DownloadResult(
        package=info.name,
        version=version,
        path=final_path,
        bytes=size,
        sha256=digests["sha256"],
        checksum_verified=published is not None,
        url=url,
    )


def _reuse_existing(
    info: PackageInfo, version: str, url: str, final_path: Path, provenance_path: Path
) -> DownloadResult | None:
    """Return a result for an installed file that still matches its provenance, else None."""
    if not (final_path.is_file() and provenance_path.is_file()):
        return None
    try:
        provenance = json.loads(provenance_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(provenance, dict):
        return None
    if provenance.get("url") != url or provenance.get("version") != version:
        return None
    if final_path.stat().st_size != provenance.get("bytes"):
        return None
    digests = _hash_file(final_path, ("sha256",))
    if digests["sha256"] != provenance.get("sha256"):
        logger.warning("%s no longer matches its provenance; downloading again", final_path)
        return None
    logger.info("%s %s already present and unchanged; skipping download", info.file_name, version)
    return DownloadResult(
        package=info.name,
        version=version,
        path=final_path,
        bytes=final_path.stat().st_size,
        sha256=digests["sha256"],
        checksum_verified=bool(provenance.get("checksum_verified")),
        url=url,
        reused=True,
    )


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


def _host_of(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


def _reason_of(exc: BaseException) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    text = str(reason) or type(reason).__name__
    return " ".join(text.split())


def _is_unreachable(exc: urllib.error.URLError) -> bool:
    """DNS failure, refused connection, no route: retrying right away will not help."""
    reason = exc.reason
    return isinstance(reason, socket.gaierror | ConnectionRefusedError) or (
        isinstance(reason, OSError)
        and not isinstance(reason, TimeoutError | ssl.SSLError | ConnectionResetError)
        and getattr(reason, "errno", None) is not None
    )


def _offline_error(url: str, exc: BaseException) -> DownloadError:
    return DownloadError(f"cannot reach {_host_of(url)} (offline?): {_reason_of(exc)}")


def _open(url: str, *, timeout: float, headers: Mapping[str, str] | None = None):
    request = urllib.request.Request(
        url,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(headers or {})},
    )
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http(s) checked)


class _NotPublished(Exception):
    """The platform answered that a metadata file does not exist (HTTP 403/404/410)."""


def _fetch_small(url: str, *, timeout: float, retries: int) -> str | None:
    """Text of a small metadata file; None (logged) if it could not be fetched.

    Raises _NotPublished for 403/404/410 and DownloadError when the host is unreachable.
    """
    failures = 0
    while True:
        try:
            with _open(url, timeout=timeout) as response:
                return response.read(_METADATA_MAX_BYTES).decode("utf-8", errors="replace")
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code in (403, 404, 410):
                raise _NotPublished(f"HTTP {exc.code}") from None
            transient = exc.code in (408, 429) or exc.code >= 500
            reason = f"HTTP {exc.code} {exc.reason}"
        except urllib.error.URLError as exc:
            if _is_unreachable(exc):
                raise _offline_error(url, exc) from None
            transient, reason = True, _reason_of(exc)
        except (OSError, http.client.HTTPException) as exc:
            transient, reason = True, _reason_of(exc)
        failures += 1
        if not transient or failures > retries:
            logger.warning("could not fetch %s (%s)", url, reason)
            return None
        time.sleep(RETRY_BACKOFF_SECONDS * 2 ** (failures - 1))


def _fetch_published_checksum(
    info: PackageInfo, version: str, base_url: str, *, timeout: float, retries: int
) -> _PublishedChecksum | None:
    """The digest the package publishes for ``info.file_name``, or None if there is none.

    Looks in the package's ``checksums.txt`` first, then in the ``hash`` of the file's
    resource in ``datapackage.json``. Every outcome other than a usable digest is logged.
    """
    sources = [("checksums.txt", info.checksums_url(base_url, version), _parse_checksums)]
    if info.datapackage_template:
        datapackage_url = info.datapackage_template.format(
            base_url=base_url.rstrip("/"), version=version, file_name=info.file_name
        )
        sources.append(("datapackage.json", datapackage_url, _parse_datapackage))
    for label, url, parse in sources:
        try:
            text = _fetch_small(url, timeout=timeout, retries=retries)
        except _NotPublished as exc:
            logger.info("no %s published for %s %s (%s at %s)", label, info.name, version, exc, url)
            continue
        if text is None:
            continue
        published = parse(text, info.file_name, url)
        if published is not None:
            return published
        logger.warning("%s has no usable checksum for %s", url, info.file_name)
    logger.warning(
        "no published checksum for %s %s; relying on size, header and parse checks",
        info.file_name,
        version,
    )
    return None


def _parse_checksums(text: str, file_name: str, source: str) -> _PublishedChecksum | None:
    """Find ``file_name`` in a checksums file.

    Accepted line forms: ``<file>,<hex>`` (what OPSD writes), ``<hex>  <file>`` and
    ``<hex> *<file>`` (sha256sum/md5sum). The algorithm follows from the digest's length.
    """
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if "," in line:
            name, _, digest = (part.strip() for part in line.partition(","))
        else:
            pieces = line.split(maxsplit=1)
            if len(pieces) != 2:
                continue
            digest, name = pieces[0], pieces[1].strip().lstrip("*")
        if Path(name).name != file_name:
            continue
        algorithm = _ALGORITHM_BY_HEX_LENGTH.get(len(digest))
        if algorithm is None or not _HEX_RE.match(digest):
            continue
        return _PublishedChecksum(algorithm, digest.lower(), source)
    return None


def _parse_datapackage(text: str, file_name: str, source: str) -> _PublishedChecksum | None:
    """Digest (and size) of ``file_name`` from a Frictionless ``datapackage.json``.

    ``hash`` is ``<algorithm>:<hex>`` or bare hex; OPSD writes bare SHA-256 hex, so a bare
    digest's algorithm follows from its length (the Frictionless default would be MD5).
    """
    try:
        package = json.loads(text)
    except ValueError:
        return None
    resources = package.get("resources") if isinstance(package, dict) else None
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict) or resource.get("path") != file_name:
            continue
        digest = str(resource.get("hash") or "").strip()
        algorithm, _, hexdigest = digest.rpartition(":")
        algorithm = algorithm.lower() or _ALGORITHM_BY_HEX_LENGTH.get(len(hexdigest), "")
        if algorithm not in _ALGORITHM_BY_HEX_LENGTH.values() or not _HEX_RE.match(hexdigest):
            continue
        size = resource.get("bytes")
        return _PublishedChecksum(
            algorithm,
            hexdigest.lower(),
            source,
            size if isinstance(size, int) and not isinstance(size, bool) else None,
        )
    return None


def _parse_content_range(value: str | None) -> tuple[int | None, int | None, int | None]:
    """``bytes 10-99/100`` -> (10, 99, 100); ``bytes */100`` -> (None, None, 100)."""
    if not value:
        return None, None, None
    match = re.match(r"^\s*bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)\s*$", value)
    if not match:
        return None, None, None
    start, end, total = match.groups()
    return (
        int(start) if start is not None else None,
        int(end) if end is not None else None,
        int(total) if total not in (None, "*") else None,
    )


def _content_length(response) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class _Interrupted(Exception):
    """The transfer stopped early; the part file keeps what arrived.

    ``total`` is the file size the server announced in this attempt, when it got that far.
    """

    def __init__(self, message: str, total: int | None = None) -> None:
        super().__init__(message)
        self.total = total


class _Unreachable(_Interrupted):
    """The host could not be reached at all (DNS failure, refused connection, no route)."""

    def __init__(self, error: DownloadError) -> None:
        super().__init__(str(error))
        self.error = error


def _fetch_to_part(
    url: str,
    part_path: Path,
    *,
    file_name: str,
    timeout: float,
    retries: int,
    progress: bool,
) -> int | None:
    """Fill ``part_path`` with the whole file at ``url``; return the announced total size.

    Resumes from an existing part file. Retries dropped connections, timeouts and 5xx answers
    up to ``retries`` times with exponential backoff.
    """
    failures = 0
    expected_total: int | None = None
    while True:
        offset = part_path.stat().st_size if part_path.exists() else 0
        try:
            total = _transfer_once(
                url, part_path, offset, file_name=file_name, timeout=timeout, progress=progress
            )
        except _Unreachable as exc:
            if failures == 0:
                # nothing was in flight: offline, wrong host or port; retrying will not help
                raise exc.error from None
            reason, total = str(exc), None
        except _Interrupted as exc:
            reason = str(exc)
            total = exc.total
        else:
            if total is None or expected_total is None or total == expected_total:
                return total
            reason = "the file changed on the server during the download"
        if total is not None and expected_total is not None and total != expected_total:
            # bytes of two different files would be stitched together: start over
            logger.warning(
                "%s changed size on the server (%d -> %d bytes); starting over",
                file_name,
                expected_total,
                total,
            )
            part_path.unlink(missing_ok=True)
        if total is not None:
            expected_total = total
        failures += 1
        received = part_path.stat().st_size if part_path.exists() else 0
        if failures > retries:
            raise DownloadError(
                f"download of {file_name} failed after {retries} "
                f"{'retry' if retries == 1 else 'retries'}: {reason}; "
                f"received {received} bytes (kept in {part_path.name}; rerun to resume)"
            )
        delay = RETRY_BACKOFF_SECONDS * 2 ** (failures - 1)
        logger.warning(
            "%s: %s; retry %d of %d in %.1f s, resuming at byte %d",
            file_name,
            reason,
            failures,
            retries,
            delay,
            received,
        )
        if delay > 0:
            time.sleep(delay)


def _transfer_once(
    url: str, part_path: Path, offset: int, *, file_name: str, timeout: float, progress: bool
) -> int | None:
    """One HTTP request. Returns the total size on success; raises _Interrupted to retry."""
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    try:
        response = _open(url, timeout=timeout, headers=headers)
    except urllib.error.HTTPError as exc:
        with exc:
            if exc.code == 416 and offset:
                _, _, total = _parse_content_range(exc.headers.get("Content-Range"))
                if total == offset:
                    logger.info("%s: part file is already complete (%d bytes)", file_name, offset)
                    return total
                logger.warning(
                    "%s: server rejected resuming at byte %d (file has %s bytes); starting over",
                    file_name,
                    offset,
                    total if total is not None else "an unknown number of",
                )
                part_path.unlink(missing_ok=True)
                raise _Interrupted("server rejected the resume range") from None
            if exc.code in (408, 429) or exc.code >= 500:
                raise _Interrupted(f"HTTP {exc.code} {exc.reason}") from None
            if exc.code == 404:
                raise DownloadError(
                    f"{file_name} not found at {url} (HTTP 404); check the package version"
                ) from None
            raise DownloadError(f"downloading {url} failed: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        if _is_unreachable(exc):
            raise _Unreachable(_offline_error(url, exc)) from None
        raise _Interrupted(_reason_of(exc)) from None
    except (OSError, http.client.HTTPException) as exc:
        raise _Interrupted(_reason_of(exc)) from None

    with response:
        status = response.status
        length = _content_length(response)
        if status == 206 and offset:
            start, _, total = _parse_content_range(response.headers.get("Content-Range"))
            if start != offset:
                part_path.unlink(missing_ok=True)
                raise _Interrupted(
                    f"server answered the resume at byte {offset} with range starting at {start}"
                )
            if total is None and length is not None:
                total = offset + length
            mode = "ab"
        elif status == 200:
            if offset:
                logger.info("%s: server ignored the Range request; starting over", file_name)
            offset = 0
            total = length
            mode = "wb"
        else:
            raise DownloadError(f"downloading {url} failed: unexpected HTTP {status}")

        received = offset
        with (
            open(part_path, mode) as sink,
            tqdm(
                total=total,
                initial=offset,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=file_name,
                file=sys.stderr,
                disable=not progress or not sys.stderr.isatty(),
                leave=False,
            ) as bar,
        ):
            try:
                for chunk in _iter_chunks(response):
                    sink.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            except (OSError, http.client.HTTPException) as exc:
                raise _Interrupted(
                    f"connection dropped after {received} of {total or '?'} bytes "
                    f"({_reason_of(exc)})",
                    total,
                ) from None

    if total is None:
        logger.warning("%s: server sent no Content-Length; size check skipped", file_name)
        return None
    if received < total:
        raise _Interrupted(f"connection dropped after {received} of {total} bytes", total)
    if received > total:
        part_path.unlink(missing_ok=True)
        raise DownloadError(
            f"size mismatch for {file_name}: server announced {total} bytes, received {received}"
        )
    return total


def _iter_chunks(response) -> Iterator[bytes]:
    while True:
        chunk = response.read(CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


# --------------------------------------------------------------------------------------------
# verification
# --------------------------------------------------------------------------------------------


def _hash_file(path: Path, algorithms: Sequence[str]) -> dict[str, str]:
    hashers = {name: hashlib.new(name) for name in dict.fromkeys(algorithms)}
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK_SIZE):
            for hasher in hashers.values():
                hasher.update(chunk)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


def _verify_size_and_checksum(
    file_name: str,
    part_path: Path,
    expected_size: int | None,
    published: _PublishedChecksum | None,
) -> tuple[int, dict[str, str]]:
    size = part_path.stat().st_size
    if expected_size is not None and size != expected_size:
        raise DownloadError(
            f"size mismatch for {file_name}: expected {expected_size} bytes, got {size}"
        )
    if published is not None and published.expected_bytes not in (None, size):
        raise DownloadError(
            f"size mismatch for {file_name}: {published.source} lists "
            f"{published.expected_bytes} bytes, got {size}"
        )
    if size == 0:
        raise DownloadError(f"{file_name} is empty")
    algorithms = ["sha256", "md5"] + ([published.algorithm] if published else [])
    digests = _hash_file(part_path, algorithms)
    if published is not None:
        actual = digests[published.algorithm]
        if actual != published.hexdigest:
            raise DownloadError(
                f"checksum mismatch for {file_name}: expected {published.algorithm} "
                f"{published.hexdigest}, got {actual} (from {published.source})"
            )
        logger.info("%s: %s matches %s", file_name, published.algorithm, published.source)
    return size, digests


def _check_csv(info: PackageInfo, path: Path) -> _ParseSummary:
    """Header check (OPSD conventions) and full parse check of a downloaded CSV."""
    name = info.file_name
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DownloadError(f"{name}: header row is not valid CSV ({exc})") from None
        if not header:
            raise DownloadError(f"{name}: file has no header row")
        header = [column.strip() for column in header]
        missing = [column for column in info.required_columns if column not in header]
        if missing:
            raise DownloadError(
                f"{name}: header lacks {', '.join(missing)} (is this an OPSD {info.name} "
                f"file? first columns: {', '.join(header[:3])})"
            )
        duplicates = sorted({column for column in header if header.count(column) > 1})
        if duplicates:
            raise DownloadError(f"{name}: duplicate header column(s) {', '.join(duplicates)}")
        pattern = re.compile(info.value_column_pattern)
        if not any(pattern.match(column) for column in header):
            raise DownloadError(
                f"{name}: header has no value column; expected {info.value_column_hint}"
            )

        n_columns = len(header)
        ts_index = header.index("utc_timestamp")
        first: str | None = None
        previous: str | None = None
        previous_parsed: datetime | None = None
        rows = 0
        try:
            for row in reader:
                line = reader.line_num
                if not row:
                    continue
                if len(row) != n_columns:
                    raise DownloadError(
                        f"{name} line {line}: {len(row)} fields, header has {n_columns}"
                    )
                stamp = row[ts_index]
                parsed = _parse_utc_timestamp(stamp)
                if parsed is None:
                    raise DownloadError(
                        f"{name} line {line}: utc_timestamp {stamp!r} is not of the form "
                        "YYYY-MM-DDTHH:MM:SSZ (or with an offset such as +01:00)"
                    )
                if previous_parsed is not None and parsed <= previous_parsed:
                    raise DownloadError(
                        f"{name} line {line}: utc_timestamp {stamp} is not after {previous} "
                        "(must be strictly increasing)"
                    )
                if first is None:
                    first = stamp
                previous, previous_parsed = stamp, parsed
                rows += 1
        except csv.Error as exc:
            raise DownloadError(f"{name} line {reader.line_num}: not valid CSV ({exc})") from None
        except UnicodeDecodeError as exc:
            raise DownloadError(
                f"{name}: not valid UTF-8 text ({exc.reason} at byte {exc.start} of a read block)"
            ) from None
    if rows == 0 or first is None or previous is None:
        raise DownloadError(f"{name}: header only, no data rows")
    return _ParseSummary(rows, n_columns, first, previous)


def _parse_utc_timestamp(value: str) -> datetime | None:
    if not _UTC_TIMESTAMP_RE.match(value):
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# filesystem
# --------------------------------------------------------------------------------------------


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_empty_dir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


def _write_json_atomic(path: Path, payload: Mapping[str, object]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)

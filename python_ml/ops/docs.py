"""The data-docs site: dbt docs and Great Expectations Data Docs, viewable offline.

`build_site(warehouse, out_dir)` writes
  <out>/index.html   one page linking both
  <out>/dbt/         `dbt docs generate --static` (one self-contained page)
  <out>/gx/          Great Expectations Data Docs for every suite on the warehouse's tables,
                     with the CSS and JavaScript its templates load from CDNs replaced by
                     copies from the npm registry (`npm pack`, cached in <out>/.npm-cache)
Run it with `make docs` (python -m python_ml docs).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import duckdb

from python_ml.data import quality
from python_ml.ops.runs import release_dbt_duckdb

# CDN address -> (npm package@version, path inside the package)
CDN_ASSETS: dict[str, tuple[str, str]] = {
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table@1.19.1",
        "dist/bootstrap-table.min.js",
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table@1.19.1",
        "dist/bootstrap-table.min.css",
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table@1.19.1",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table@1.19.0",
        "dist/extensions/filter-control/bootstrap-table-filter-control.css",
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table@1.19.0",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap@4.3.1",
        "dist/js/bootstrap.min.js",
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap@4.3.1",
        "dist/css/bootstrap.min.css",
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery@3.7.1", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js@1.12.9",
        "dist/umd/popper.min.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free@6.6.0",
        "css/all.min.css",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": (
        "bootstrap-datepicker@1.9.0",
        "dist/js/bootstrap-datepicker.min.js",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": (
        "bootstrap-datepicker@1.9.0",
        "dist/css/bootstrap-datepicker.min.css",
    ),
    "https://cdn.jsdelivr.net/npm/vega@5": ("vega@5", "build/vega.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": ("vega-lite@5", "build/vega-lite.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": ("vega-embed@6", "build/vega-embed.min.js"),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": (
        "@forevolve/bootstrap-dark@1.1.0",
        "dist/css/bootstrap-prefers-dark.css",
    ),
}
# remote images (the vendor's logos) are dropped, not fetched
REMOTE_IMAGE = re.compile(r'<img[^>]+src="https://great-expectations-web-assets[^"]*"[^>]*>')
REMOTE_BACKGROUND = re.compile(r"url\('https://great-expectations-web-assets[^']*'\)")
# Subresource-integrity and CORS attributes make a browser refuse local files on file://
SRI_ATTRIBUTES = re.compile(r'\s(?:integrity|crossorigin)(?:="[^"]*")?(?=[\s/>])')
STATIC_REF = re.compile(r'\b(href|src)="(?:\.\./)*static/')
CSS_URL = re.compile(r"url\(['\"]?([^'\")]+)['\"]?\)")
TABLE_SUITES = ("stg_opsd__time_series", "int_opsd__zone_hours", "fct_spike_features")
PARAMETER_VARS = (
    "price_floor_eur_mwh",
    "price_cap_eur_mwh",
    "max_zone_power_mw",
    "max_abs_standardized_feature",
)


class DocsError(RuntimeError):
    pass


def _folder_name(package: str) -> str:
    return package.replace("/", "__")


def vendor_assets(cache: Path) -> dict[str, Path]:
    """Unpack every package the CDN addresses name into `cache` (npm pack, once)."""
    npm = shutil.which("npm")
    found: dict[str, Path] = {}
    for url, (package, inner) in CDN_ASSETS.items():
        root = cache / _folder_name(package)
        if not root.exists():
            if npm is None:
                raise DocsError(
                    "npm is needed once to fetch the Data Docs' CSS and JavaScript "
                    "(apt-get install npm); it was not found"
                )
            with tempfile.TemporaryDirectory() as tmp:
                done = subprocess.run(
                    [npm, "pack", package, "--silent", "--pack-destination", tmp],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    raise DocsError(f"npm pack {package} failed: {done.stderr.strip()}")
                tarball = next(Path(tmp).glob("*.tgz"))
                partial = root.with_name(root.name + ".part")
                shutil.rmtree(partial, ignore_errors=True)
                with tarfile.open(tarball) as archive:
                    archive.extractall(partial, filter="data")
                os.replace(partial / "package", root)
                shutil.rmtree(partial, ignore_errors=True)
        asset = root / inner
        if not asset.exists():
            raise DocsError(f"{package} has no {inner}")
        found[url] = asset
    return found


def _copy_asset(asset: Path, vendor: Path, target: Path) -> Path:
    """Copy one asset, and for a stylesheet the relative files it loads (fonts)."""
    local = target / asset.relative_to(vendor)
    local.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(asset, local)
    if asset.suffix == ".css":
        for ref in set(CSS_URL.findall(asset.read_text(encoding="utf-8", errors="replace"))):
            if ref.startswith(("data:", "http:", "https:", "#")):
                continue
            source = (asset.parent / ref.split("?")[0].split("#")[0]).resolve()
            if source.is_file() and vendor.resolve() in source.parents:
                copy = target / source.relative_to(vendor.resolve())
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, copy)
    return local


def _localize(site: Path, assets: dict[str, Path], vendor: Path) -> int:
    """Point every page at local copies of its CDN assets; returns the replacements."""
    local = {url: _copy_asset(asset, vendor, site / "vendor") for url, asset in assets.items()}
    replaced = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for url, path in local.items():
            relative = os.path.relpath(path, page.parent)
            for quoted in (f'"{url}"', f"'{url}'"):
                count = text.count(quoted)
                if count:
                    text = text.replace(quoted, quoted[0] + relative + quoted[0])
                    replaced += count
        text = REMOTE_BACKGROUND.sub("none", REMOTE_IMAGE.sub("", text))
        text = SRI_ATTRIBUTES.sub("", text)
        # the templates count the folders up to static/ wrongly on the validation pages
        static = os.path.relpath(site / "static", page.parent)
        text = STATIC_REF.sub(rf'\1="{static}/', text)
        page.write_text(text, encoding="utf-8")
    return replaced


def build_gx_docs(warehouse: Path, out: Path, parameters: dict[str, object], cache: Path) -> Path:
    """Validate each table suite on the warehouse and render the Data Docs into `out`."""
    import great_expectations as gx

    assets = vendor_assets(cache)
    with tempfile.TemporaryDirectory() as tmp:
        context = gx.get_context(mode="file", project_root_dir=tmp)
        quality.quiet_progress(context)
        source = context.data_sources.add_pandas("warehouse")
        checkpoints = []
        with duckdb.connect(str(warehouse), read_only=True) as con:
            tables = {
                r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()
            }
            for name in TABLE_SUITES:
                if name not in tables:
                    raise DocsError(f"{warehouse}: table {name} is missing; run make demo")
                frame = con.sql(f"select * from {name}").df()
                definition = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(
                    "all"
                )
                suite = context.suites.add(quality.load_suite(name))
                validation = context.validation_definitions.add(
                    gx.ValidationDefinition(name=name, data=definition, suite=suite)
                )
                checkpoint = context.checkpoints.add(
                    gx.Checkpoint(
                        name=f"{name}_checkpoint",
                        validation_definitions=[validation],
                        actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
                    )
                )
                checkpoint.run(
                    batch_parameters={"dataframe": frame}, expectation_parameters=parameters
                )
                checkpoints.append(name)
        context.build_data_docs()
        site = Path(tmp) / "gx" / "uncommitted" / "data_docs" / "local_site"
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(site, out)
    _localize(out, assets, cache)
    return out / "index.html"


def build_dbt_docs(
    out: Path, project_dir: Path, work_dir: Path, dbt_vars: dict[str, object] | None = None
) -> Path:
    """`dbt docs generate --static` against the configured warehouse; one page. Compiling
    the models reads the raw files' headers, so var raw_dir must point at them."""
    import yaml
    from dbt.cli.main import dbtRunner

    # without usage stats the page loads no tracking script from a CDN
    result = dbtRunner().invoke(
        [
            "--no-send-anonymous-usage-stats",
            "docs",
            "generate",
            "--static",
            "--quiet",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
            *(["--vars", yaml.safe_dump(dbt_vars, default_flow_style=True)] if dbt_vars else []),
        ]
    )
    release_dbt_duckdb()
    if not result.success:
        raise DocsError(f"dbt docs generate failed: {result.exception}")
    out.mkdir(parents=True, exist_ok=True)
    page = (work_dir / "target" / "static_index.html").read_text(encoding="utf-8")
    # dbt's templates put Angular expressions in plain src and xlink:href attributes, which
    # the browser requests before Angular fills them in (a console error per icon on
    # file://); ng-src and ng-attr-* are Angular's attributes for exactly that
    page = page.replace(' src="{{', ' ng-src="{{').replace(
        ' xlink:href="{{', ' ng-attr-xlink:href="{{'
    )
    # and its favicon link is an unexpanded bundler expression
    page = re.sub(r'<link rel="shortcut icon" href="\$\{require\([^)]*\)\}"\s*/?>', "", page)
    (out / "index.html").write_text(page, encoding="utf-8")
    return out / "index.html"


INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Open Power ML data docs</title>
<style>body{{font-family:sans-serif;max-width:44rem;margin:3rem auto;line-height:1.5}}
li{{margin:.6rem 0}}</style></head>
<body><h1>Open Power ML data docs</h1>
<p>Built {built} from <code>{warehouse}</code>.</p>
<ul>
<li><a id="dbt-docs" href="dbt/index.html">dbt docs</a>: every model, column, source and
test, with the lineage graph.</li>
<li><a id="gx-docs" href="gx/index.html">Great Expectations Data Docs</a>: the suites and
their latest validation results on the warehouse ({suites}).</li>
</ul></body></html>
"""


def build_site(
    warehouse: Path,
    out: Path,
    project_dir: Path,
    parameters: dict[str, object],
    dbt_vars: dict[str, object] | None = None,
) -> Path:
    from datetime import UTC, datetime

    if not warehouse.exists():
        raise DocsError(f"{warehouse}: no warehouse yet; run make demo first")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        build_dbt_docs(out / "dbt", project_dir, Path(tmp), dbt_vars)
    build_gx_docs(warehouse, out / "gx", parameters, out / ".npm-cache")
    (out / "index.html").write_text(
        INDEX.format(
            built=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            warehouse=html.escape(str(warehouse)),
            suites=", ".join(TABLE_SUITES),
        ),
        encoding="utf-8",
    )
    return out / "index.html"


def dbt_var_defaults(project_dir: Path) -> dict[str, object]:
    import yaml

    values = yaml.safe_load((project_dir / "dbt_project.yml").read_text())["vars"]
    out = {name: values[name] for name in PARAMETER_VARS}
    # Great Expectations parameters cannot be negated inside a suite
    out["max_abs_standardized_feature_negative"] = -out["max_abs_standardized_feature"]
    return out

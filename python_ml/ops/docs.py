"""The data-docs site: dbt docs, Great Expectations Data Docs and the project's documentation
pages, viewable offline.

`build_site(warehouse, out_dir)` writes
  <out>/index.html   one page linking all of them
  <out>/dbt/         `dbt docs generate --static` (one self-contained page)
  <out>/gx/          Great Expectations Data Docs for every suite on the warehouse's tables,
                     with the CSS and JavaScript its templates load from CDNs replaced by
                     copies from the npm registry (`npm pack`, cached in <out>/.npm-cache)
  <out>/pages/       every docs/*.md page rendered to HTML (Python-Markdown); links between
                     pages point at the rendered pages, links to other files of the
                     repository at those files, and links to nothing become plain text
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
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

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


PAGES_DIR = "pages"


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


# ---------------------------------------------------------------- documentation pages

_HEADING_PUNCTUATION = re.compile(r"[^\w\- ]")
_ANCHOR = re.compile(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', re.DOTALL)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_MARKDOWN_LINK_TARGET = re.compile(r"\]\(([^)\s]+\.md)(?:#[^)\s]*)?\)")
# a row of docs/README.md's table: | [Title](page.md) | what it covers |
_INDEX_ROW = re.compile(r"^\|\s*\[[^\]]*\]\(([^)\s]+\.md)\)\s*\|\s*(.+?)\s*\|\s*$", re.MULTILINE)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · Open Power ML</title>
<style>
body{{font-family:sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;line-height:1.5;
color:#1f2328}}
nav{{font-size:.9rem;border-bottom:1px solid #d0d7de;padding-bottom:.6rem;margin-bottom:1rem}}
nav a{{margin-right:.8rem}}
code{{background:#f6f8fa;padding:.1em .3em;border-radius:4px;font-size:90%}}
pre{{background:#f6f8fa;padding:.8rem;overflow-x:auto;border-radius:6px;line-height:1.35}}
pre code{{background:none;padding:0}}
table{{border-collapse:collapse;margin:1rem 0;font-size:.92rem}}
th,td{{border:1px solid #d0d7de;padding:.3rem .6rem;vertical-align:top;text-align:left}}
th{{background:#f6f8fa}}
</style></head>
<body><nav id="docs-nav"><a href="../index.html">Data docs index</a>{nav}</nav>
<main>
{body}
</main></body></html>
"""


@dataclass(frozen=True)
class DocPage:
    """One rendered documentation page."""

    source: Path
    output: Path
    title: str
    summary: str = ""


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lowercase, punctuation dropped, each space a hyphen
    (duplicates get -1, -2, ... appended; the caller handles those)."""
    return _HEADING_PUNCTUATION.sub("", heading.strip().lower()).replace(" ", "-")


def _page_title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip().replace("`", "")
    return fallback


def _page_order(docs_dir: Path) -> list[Path]:
    """docs/README.md first, then the pages in the order it links them, then the rest."""
    pages = sorted(docs_dir.glob("*.md"))
    index = docs_dir / "README.md"
    order = [index] if index in pages else []
    if index.exists():
        for target in _MARKDOWN_LINK_TARGET.findall(index.read_text(encoding="utf-8")):
            path = docs_dir / unquote(target)
            if path in pages and path not in order:
                order.append(path)
    return order + [p for p in pages if p not in order]


def _rewrite_links(html_text: str, page: DocPage, pages: dict[Path, DocPage], root: Path) -> str:
    """Point relative links at the rendered page (another docs page) or at the file in the
    repository; a link whose target does not exist becomes plain text."""

    def rewrite(match: re.Match[str]) -> str:
        href, attributes, text = match.groups()
        if not href or href.startswith("#") or _SCHEME.match(href):
            return match.group(0)
        path, _, fragment = href.partition("#")
        target = (page.source.parent / unquote(path)).resolve()
        if target in pages:
            new = os.path.relpath(pages[target].output, page.output.parent)
        elif target.exists() and (target == root or root in target.parents):
            new = os.path.relpath(target, page.output.parent)
            if target.is_dir():
                new += "/"
            fragment = ""  # a repository file is shown as it is, without anchors
        else:
            return f'<span class="unresolved-link">{text}</span>'
        new = html.escape(Path(new).as_posix() + (f"#{fragment}" if fragment else ""), quote=True)
        return f'<a href="{new}"{attributes}>{text}</a>'

    return _ANCHOR.sub(rewrite, html_text)


def build_pages(docs_dir: Path, out: Path, root: Path | None = None) -> list[DocPage]:
    """Render every Markdown page of `docs_dir` into `out` (one .html per page); `root` is
    the repository the pages' other links point into (default: docs_dir's parent)."""
    try:
        import markdown
        from markdown.extensions.toc import TocExtension
    except ImportError:
        raise DocsError(
            "Python-Markdown renders the documentation pages; it is not installed "
            "(.venv/bin/pip install markdown)"
        ) from None

    root = (root or docs_dir.parent).resolve()
    sources = [p.resolve() for p in _page_order(docs_dir)]
    if not sources:
        raise DocsError(f"{docs_dir}: no Markdown pages")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    index = docs_dir / "README.md"
    summaries = {
        (docs_dir / unquote(target)).resolve(): summary
        for target, summary in _INDEX_ROW.findall(
            index.read_text(encoding="utf-8") if index.exists() else ""
        )
    }
    summaries.setdefault(index.resolve(), "what each page covers")
    pages: dict[Path, DocPage] = {}
    for source in sources:
        text = source.read_text(encoding="utf-8")
        title = _page_title(text, source.stem)
        summary = re.sub(r"`([^`]*)`", r"\1", summaries.get(source, ""))
        pages[source] = DocPage(source, out / f"{source.stem}.html", title, summary)
    links = [(html.escape(p.output.name), html.escape(p.title)) for p in pages.values()]
    nav = "".join(f'<a href="{name}">{title}</a>' for name, title in links)
    for page in pages.values():
        converter = markdown.Markdown(
            extensions=[
                "tables",
                "fenced_code",
                TocExtension(slugify=lambda value, _separator: github_slug(value)),
            ]
        )
        body = converter.convert(page.source.read_text(encoding="utf-8"))
        body = _rewrite_links(body, page, pages, root)
        page.output.write_text(
            PAGE.format(title=html.escape(page.title), nav=nav, body=body), encoding="utf-8"
        )
    return list(pages.values())


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
</ul>
<h2>Documentation</h2>
<p>The project's pages (<code>docs/</code>), rendered:</p>
<ul id="docs-pages">
{pages}
</ul></body></html>
"""


def build_site(
    warehouse: Path,
    out: Path,
    project_dir: Path,
    parameters: dict[str, object],
    dbt_vars: dict[str, object] | None = None,
    docs_dir: Path | None = None,
) -> Path:
    """Build the whole site into `out` and return its index page. The documentation pages
    come from `docs_dir` (default: the project's docs/)."""
    from datetime import UTC, datetime

    if not warehouse.exists():
        raise DocsError(f"{warehouse}: no warehouse yet; run make demo first")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        build_dbt_docs(out / "dbt", project_dir, Path(tmp), dbt_vars)
    build_gx_docs(warehouse, out / "gx", parameters, out / ".npm-cache")
    pages = build_pages(docs_dir or project_dir / "docs", out / PAGES_DIR, project_dir)
    items = "\n".join(
        f'<li><a class="doc-page" href="{PAGES_DIR}/{html.escape(p.output.name)}">'
        f"{html.escape(p.title)}</a>{': ' + html.escape(p.summary) if p.summary else ''}</li>"
        for p in pages
    )
    (out / "index.html").write_text(
        INDEX.format(
            built=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            warehouse=html.escape(str(warehouse)),
            suites=", ".join(TABLE_SUITES),
            pages=items,
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

"""Execute the walk-through notebook (notebooks/walkthrough.py, jupytext percent format) on a
warehouse and render it to one self-contained HTML page.

The notebook reads a snapshot copy of the warehouse, so a scheduled build is never blocked
while it runs. The source holds no outputs; they exist only in the rendered page.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "walkthrough.py"


class NotebookError(Exception):
    """The notebook failed; the message names the cell and the error."""


def execute(
    notebook: Path, warehouse: Path, raw_dir: Path | None = None, timeout: int = 600
) -> object:
    """Run every cell of `notebook` in a fresh kernel against `warehouse` and return the
    executed notebook (nbformat). A failing cell or a cell running longer than `timeout`
    seconds raises NotebookError."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = jupytext.read(notebook)
    env = {"OPEN_POWER_DUCKDB": str(warehouse)}
    if raw_dir is not None:
        env["OPEN_POWER_RAW_DIR"] = str(raw_dir)
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)  # the kernel inherits the environment it is started with
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(notebook.parent)}},
        )
        client.execute()
    except CellExecutionError as error:
        raise NotebookError(
            f"{notebook}, {_failed_cell(nb)}: {error.ename}: {error.evalue}"
        ) from None
    except CellTimeoutError:
        raise NotebookError(
            f"{notebook}, {_failed_cell(nb, running=True)}: ran longer than {timeout} s"
        ) from None
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return nb


def _failed_cell(nb, running: bool = False) -> str:
    """'cell N (its first line)' for the cell that raised, or the first cell without
    outputs when one timed out; code cells counted from 1."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code, start=1):
        failed = any(out.get("output_type") == "error" for out in cell.get("outputs", []))
        unfinished = running and cell.get("execution_count") is None
        if failed or unfinished:
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            return f"cell {number} ({first.strip()[:60]})"
    return "a cell"


def render(
    warehouse: Path,
    out: Path,
    notebook: Path = NOTEBOOK,
    raw_dir: Path | None = None,
    timeout: int = 600,
) -> Path:
    """Execute the notebook on a snapshot of `warehouse` and write `out`/<name>.html."""
    from nbconvert import HTMLExporter

    from python_ml.cli import snapshot_warehouse

    started = time.perf_counter()
    snapshot = snapshot_warehouse(warehouse, out / ".snapshot")
    try:
        executed = execute(notebook, snapshot, raw_dir, timeout)
    finally:
        snapshot.unlink(missing_ok=True)
        snapshot.with_name(snapshot.name + ".wal").unlink(missing_ok=True)
        if not any(snapshot.parent.iterdir()):
            snapshot.parent.rmdir()
    body, _ = HTMLExporter(embed_images=True).from_notebook_node(executed)
    out.mkdir(parents=True, exist_ok=True)
    page = out / f"{notebook.stem}.html"
    partial = page.with_suffix(".html.part")
    partial.write_text(body, encoding="utf-8")
    os.replace(partial, page)
    print(f"executed {notebook.name} in {time.perf_counter() - started:.0f} s")
    return page

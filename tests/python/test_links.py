"""Every relative link in the documentation resolves: README.md, docs/*.md and bench/README.md
(when present). A link must name an existing file or folder, and a `#anchor` into a Markdown
file (or within the same file) must match one of its headings by GitHub's slug rules."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import PROJECT_DIR

from python_ml.ops.docs import github_slug

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.MULTILINE)
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def documents() -> list[Path]:
    found = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
    bench = PROJECT_DIR / "bench" / "README.md"
    return found + ([bench] if bench.exists() else [])


def _prose(text: str) -> str:
    """The text without code: links and headings inside code blocks and spans do not count."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def _heading_text(markdown: str) -> str:
    """A heading's rendered text: code spans keep their content, links their text, and
    emphasis markers go (GitHub slugs the rendered text)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"`+([^`]*)`+", r"\1", text)
    return re.sub(r"(\*\*|__|\*)", "", text)


def anchors(path: Path) -> set[str]:
    """GitHub's anchors of a Markdown file's headings, duplicates numbered -1, -2, ..."""
    seen: dict[str, int] = {}
    found = set()
    for _level, heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        slug = github_slug(_heading_text(heading))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    prose = _prose(path.read_text(encoding="utf-8"))
    links = INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)
    return [link for link in links if link and not SCHEME.match(link)]


def broken_links(path: Path) -> list[str]:
    """Each relative link of `path` that resolves to nothing, with the reason."""
    broken = []
    for link in relative_links(path):
        target_part, _, fragment = link.partition("#")
        target = (path.parent / unquote(target_part)).resolve() if target_part else path
        if not target.exists():
            broken.append(f"{link}: no such file {target}")
        elif fragment and target.suffix == ".md" and unquote(fragment) not in anchors(target):
            broken.append(f"{link}: no heading #{fragment} in {target.name}")
    return broken


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Walk-forward backtest", "walk-forward-backtest"),
        ("Checks: what lives where", "checks-what-lives-where"),
        ("ERCOT (Texas) and DART", "ercot-texas-and-dart"),
        ("ERCOT hub and load-zone extract, 2024-26", "ercot-hub-and-load-zone-extract-2024-26"),
        ("Drift (PSI)", "drift-psi"),
        ("Hourly & daily", "hourly--daily"),
        ("`make demo` and `make_test`", "make-demo-and-make_test"),
    ],
    ids=lambda value: value if " " not in value else None,
)
def test_github_slug(heading, slug):
    assert github_slug(_heading_text(heading)) == slug


def test_the_documentation_is_found():
    names = {p.relative_to(PROJECT_DIR).as_posix() for p in documents()}
    assert {"README.md", "docs/README.md", "docs/architecture.md"} <= names


@pytest.mark.parametrize(
    "document", documents(), ids=lambda p: p.relative_to(PROJECT_DIR).as_posix()
)
def test_every_relative_link_resolves(document):
    assert broken_links(document) == []


def test_a_broken_link_and_a_broken_anchor_are_found(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## A section: with punctuation\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "[fine](other.md#a-section-with-punctuation) [fine too](#page)\n"
        "[missing file](nowhere.md) [missing anchor](other.md#no-such-section)\n"
        "[same page, missing anchor](#nothing)\n"
        "`[in code](ignored.md)`\n\n```\n[in a block](ignored.md)\n```\n"
        "[web](https://example.org/x.md)\n"
    )
    assert [entry.split(":")[0] for entry in broken_links(page)] == [
        "nowhere.md",
        "other.md#no-such-section",
        "#nothing",
    ]

"""The documentation site builds offline with `mkdocs build --strict` (as `make docs` does),
every internal link and anchor in it leads somewhere, nothing in it loads from the network, and
the README keeps to the pitch, the commands, install and one example each, linking to the pages
that now hold the reference."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.helpers import ROOT

MKDOCS = Path(sys.executable).with_name("mkdocs")


class Links(HTMLParser):
    """Every link and loaded resource of a page, and every id it has."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.loads: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        for name in ("src", "href") if tag in ("script", "img", "link", "iframe") else ():
            if found.get(name):
                self.loads.append(str(found[name]))


def parsed(page: Path) -> Links:
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built as `make docs` builds it (skipped, with the reason, without mkdocs)."""
    if not MKDOCS.exists() and shutil.which("mkdocs") is None:
        pytest.skip("mkdocs is not installed (make install brings it with the dev extra)")
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [str(MKDOCS if MKDOCS.exists() else "mkdocs"), "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1", "HOME": str(out)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.mark.slow
def test_every_internal_link_and_anchor_leads_somewhere(site: Path) -> None:
    pages = {page: parsed(page) for page in site.rglob("*.html")}
    assert len(pages) >= 12, sorted(p.name for p in pages)
    broken = []
    for page, links in pages.items():
        for link in links.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue  # external: not checked offline
            base = site if parts.path.startswith("/") else page.parent  # 404.html's are rooted
            path = unquote(parts.path).lstrip("/")
            target = (base / path).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {link} (no such file)")
            elif parts.fragment and unquote(parts.fragment) not in pages.get(target, Links()).ids:
                broken.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    assert broken == []


@pytest.mark.slow
def test_nothing_in_the_site_loads_from_the_network(site: Path) -> None:
    remote = [
        f"{page.name}: {load}"
        for page in site.rglob("*.html")
        for load in parsed(page).loads
        if urlsplit(load).scheme in ("http", "https") or load.startswith("//")
    ]
    assert remote == []
    css = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.css"))
    assert "fonts.googleapis" not in css and "@import url(http" not in css


def test_the_readme_keeps_the_pitch_the_commands_and_one_example_each() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", readme, re.M)
    assert headings[:3] == ["Quick start", "Install", "The talk, re-run"]
    for kept in ("Measure your own code", "Use the fake server in your tests", "Documentation"):
        assert kept in headings
    assert "make compare" in readme and "make test" in readme
    for page in re.findall(r"\]\(docs/([\w-]+\.md)\)", readme):
        assert (ROOT / "docs" / page).exists(), page
    linked = set(re.findall(r"\]\(docs/([\w-]+\.md)\)", readme))
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"index.md"}
    assert pages <= linked, pages - linked  # every reference page is one click away

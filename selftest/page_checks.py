"""What the selftest checks in the HTML reports as headless Chromium shows
them, after the page's script ran: the rows and columns, the counts, that
each filter (set through the URL fragment) hides exactly what it should,
and that hostile strings stay text.

Each check compares the DOM with what the results documents say, worked out
here in Python, and raises CheckFailed with what differs.
"""

from __future__ import annotations

from pathlib import Path

from runner.reports import matrix as report_matrix, page_parts
from runner.tests import htmltree

from . import headless


class CheckFailed(Exception):
    pass


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def dom(path: Path, fragment: str = "") -> htmltree.Element:
    return htmltree.parse(headless.dump_dom(path, fragment))


def row_id(row: htmltree.Element) -> str:
    return row.find("td").text()


def visible_ids(tree: htmltree.Element) -> list[str]:
    return [row_id(row) for row in tree.find_all("tr", data_item=True) if not row.hidden]


def shown_text(tree: htmltree.Element) -> str:
    shown = tree.by_id("shown")
    return shown.text() if shown is not None else ""


def ids_where(results, predicate) -> set[str]:
    return {result["id"] for result in results if predicate(result)}


def require_visible(tree, wanted: set[str], what: str) -> None:
    visible = visible_ids(tree)
    require(set(visible) == wanted and len(visible) == len(wanted),
            f"{what}: rows shown {sorted(visible)}, expected {sorted(wanted)}")
    total = len(tree.find_all("tr", data_item=True))
    require(shown_text(tree) == f"{len(wanted)} of {total} assertions shown",
            f"{what}: the count line says {shown_text(tree)!r}")


# ---- index.html of one run -----------------------------------------------------

def check_index(path: Path, doc: dict) -> None:
    """The page of a full run: structure and counts, then each filter."""
    results = doc["results"]
    all_ids = ids_where(results, lambda result: True)
    tree = dom(path)
    rows = tree.find_all("tr", data_item=True)
    require(sorted(row_id(row) for row in rows) == sorted(all_ids),
            f"index.html has rows {len(rows)}, expected one per assertion ({len(all_ids)})")
    require_visible(tree, all_ids, "no filter")
    require(not tree.find("div", class_="filters").hidden, "the script did not show the filter controls")
    cells = tree.find_all("td", data_status=True)
    require(len(cells) == len(results), f"index.html has {len(cells)} status cells for {len(results)} results")
    counts = tree.find("table", class_="counts")
    shown = dict(zip([th.text() for th in counts.find_all("th")], [td.text() for td in counts.find_all("td")]))
    stated = {status: str(count) for status, count in doc["run_info"]["counts"].items()}
    stated["unexpected"] = str(doc["run_info"]["unexpected"])
    require(shown == stated, f"index.html counts {shown}, results.json {stated}")
    sections = [section.attrs["id"] for section in tree.find_all("section", class_="clause")]
    require(sections == page_parts.clauses_present(results), f"index.html has clause sections {sections}")

    by_clause = dom(path, "clause=C5")
    require_visible(by_clause, ids_where(results, lambda r: r["clause"] == "C5"), "clause=C5")
    hidden_sections = [s.attrs["id"] for s in by_clause.find_all("section", class_="clause") if s.hidden]
    require(sorted(hidden_sections) == sorted(set(sections) - {"C5"}), f"clause=C5 left {hidden_sections} hidden")
    details = [d.attrs["id"] for d in by_clause.find_all("details", data_item=True) if not d.hidden]
    require(len(details) == sum(r["clause"] == "C5" for r in results), "clause=C5 shows other results' details")

    require_visible(dom(path, "backend=anon-fork"), ids_where(results, lambda r: r["backend"] == "anon-fork"),
                    "backend=anon-fork")
    require_visible(dom(path, "status=XFAIL"), ids_where(results, lambda r: r["status"] == "XFAIL"), "status=XFAIL")
    require_visible(dom(path, "q=native=EINVAL"),
                    ids_where(results, lambda r: "native=einval" in _searchable(r)), "q=native=EINVAL")

    # a link to a result opens its details, which start closed
    anchor = f"r-{results[0]['id']}-{results[0]['backend']}"
    opened = [d.attrs["id"] for d in dom(path, anchor).find_all("details", data_item=True) if "open" in d.attrs]
    require(opened == [anchor], f"#{anchor} opened the details {opened}")

    descending = dom(path, "sort=id&order=desc")
    for section in descending.find_all("section", class_="clause"):
        shown_order = [row_id(row) for row in section.find_all("tr", data_item=True)]
        wanted = sorted(shown_order, key=page_parts.id_key, reverse=True)
        require(shown_order == wanted, f"sort=id&order=desc: clause {section.attrs['id']} reads {shown_order}")


def _searchable(result: dict) -> str:
    fields = [result["id"], result["statement"], result["message"], result["reason"] or "", result["case"],
              result["evidence"]["transcript"], result["evidence"]["output"], result["evidence"]["process"]]
    return "\n".join(fields).lower()


def check_unexpected_filter(path: Path, doc: dict) -> None:
    """On a run with unexpected results, "unexpected only" keeps just their rows and details."""
    results = doc["results"]
    tree = dom(path, "unexpected=1")
    require_visible(tree, ids_where(results, lambda r: r["unexpected"]), "unexpected=1")
    details = [d for d in tree.find_all("details", data_item=True) if not d.hidden]
    require(len(details) == doc["run_info"]["unexpected"], f"unexpected=1 shows {len(details)} details")


# ---- the matrix of several runs ------------------------------------------------

def check_matrix(path: Path, docs: list[dict]) -> None:
    all_results = [result for doc in docs for result in doc["results"]]
    all_ids = ids_where(all_results, lambda result: True)
    tree = dom(path)
    headers = tree.find_all("th", class_="run")
    require(len(headers) == len(docs), f"the matrix has {len(headers)} run columns for {len(docs)} files")
    labels = [header.find("span", class_="label").text() for header in headers]
    require(len(set(labels)) == len(labels), f"two run columns share a title: {labels}")
    for header, doc in zip(headers, docs):
        info = doc["run_info"]
        wanted = f"{info['counts']['PASS']}/{len(doc['results'])} PASS, {info['unexpected']} unexpected"
        got = header.find("span", class_="pass-total").text()
        require(got == wanted, f"column {header.find('span', class_='label').text()!r} says {got!r}, expected {wanted!r}")
    rows = tree.find_all("tr", data_item=True)
    require(sorted(row_id(row) for row in rows) == sorted(all_ids),
            f"the matrix has {len(rows)} rows, expected one per assertion ({len(all_ids)})")
    require_visible(tree, all_ids, "no filter")
    for row in rows:
        cells = row.find_all("td")[2:]
        require(len(cells) == len(docs), f"row {row_id(row)} has {len(cells)} run cells")
        for cell, doc in zip(cells, docs):
            chips = sorted((chip.attrs["data-backend"], chip.attrs["data-status"]) for chip in cell.find_all(data_status=True))
            wanted = sorted((r["backend"], r["status"]) for r in doc["results"] if r["id"] == row_id(row))
            require(chips == wanted, f"row {row_id(row)}: a cell shows {chips}, its run has {wanted}")

    require_visible(dom(path, "unexpected=1"), ids_where(all_results, lambda r: r["unexpected"]), "unexpected=1")
    differing = {assertion_id for assertion_id in all_ids
                 if report_matrix.differs([[r for r in doc["results"] if r["id"] == assertion_id] for doc in docs])}
    require(differing, "the files given to the matrix check must differ somewhere")
    require_visible(dom(path, "differs=1"), differing, "differs=1")
    require_visible(dom(path, "clause=C4&backend=sysv"),
                    ids_where(all_results, lambda r: r["clause"] == "C4" and r["backend"] == "sysv"),
                    "clause=C4&backend=sysv")


# ---- hostile strings -------------------------------------------------------------

def check_hostile(path: Path, literal_texts: list[str], title_text: str) -> None:
    """A page rendered from hostile strings: nothing but its own script ran
    or was added, and the strings show as text."""
    tree = dom(path)
    scripts = tree.find_all("script")
    require(len(scripts) == 1 and not scripts[0].attrs, f"{path.name} has {len(scripts)} script elements")
    for tag in ("img", "b", "iframe", "object", "embed", "link"):
        require(not tree.find_all(tag), f"{path.name} gained a <{tag}> element from a results string")
    handlers = sorted({name for element in tree.iter() for name in element.attrs if name.startswith("on")})
    require(not handlers, f"{path.name} has event handler attributes {handlers}")
    text = tree.text()
    for literal in literal_texts:
        require(literal in text, f"{path.name} does not show {literal[:40]!r} as text")
    require(title_text in tree.find("h1").text() or title_text in tree.find("thead").text(),
            f"{path.name} does not show the hostile platform id in its title or column")
    require(shown_text(tree).endswith("assertions shown"), f"{path.name}: the script did not finish")

"""The arrows between modules run one way (issue #15): no import cycles, and views are imported only by
the app factory — so a domain function can be read, tested and reused without the web layer."""

import grimp
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("monitor")


def cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    edges = {module: sorted(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            if position < len(edges[node]):
                work.append((node, position + 1))
                child = edges[node][position]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_the_cycle_finder_finds_a_cycle_and_nothing_else():
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert cycles(graph) == [{"a.x", "a.y"}]


def test_no_module_imports_one_that_imports_it_back(graph):
    assert cycles(graph) == []


def test_only_the_app_factory_imports_views(graph):
    """A ``routes`` module (views and their blueprint) is imported by ``monitor`` (create_app) only; what two
    areas' views share lives in a module below both (forms, domain functions, permissions, security)."""
    views = {module for module in graph.modules if module.rsplit(".", 1)[-1] == "routes"}
    importers = {
        (importer, view)
        for view in views
        for importer in graph.find_modules_that_directly_import(view)
        if importer != "monitor" and not (view == "monitor.api.routes" and importer == "monitor.api")
    }
    assert importers == set()

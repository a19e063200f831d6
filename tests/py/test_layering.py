"""The C library's files call one another in one direction only.

Reads the symbols each object file of build/obj defines and uses (nm) and
checks the file-level call graph has no cycle: no two files call each
other, directly or around a circle (docs/internals.md, "the module map").
"""
import collections
import glob
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def call_graph():
    objs = sorted(glob.glob(os.path.join(ROOT, "build", "obj", "**", "*.o"),
                            recursive=True))
    if not objs:
        pytest.fail("build/obj is empty: run make")
    defs, uses = {}, collections.defaultdict(set)
    for o in objs:
        name = os.path.relpath(o, os.path.join(ROOT, "build", "obj"))[:-2]
        src = os.path.join(ROOT, name + ".c")
        if not os.path.exists(src):   # a stale object of a removed file
            continue
        out = subprocess.run(["nm", o], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "TDBR":
                defs[parts[2]] = name
            elif len(parts) == 2 and parts[0] == "U":
                uses[name].add(parts[1])
    graph = collections.defaultdict(set)
    for f, syms in uses.items():
        graph[f] |= {defs[s] for s in syms if s in defs and defs[s] != f}
    return graph


def cycles(graph):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_no_two_files_call_each_other():
    graph = call_graph()
    assert "src/view" in graph and graph["src/plan"], "the graph looks empty"
    assert cycles(graph) == []


def test_the_ir_does_not_depend_on_the_spec_printer_or_the_verifier():
    graph = call_graph()
    for base in ("src/view", "src/stage", "src/oplog", "src/certify"):
        assert not graph[base] & {"src/spec_print", "src/spec_lex",
                                   "src/verify", "src/explain"}, base

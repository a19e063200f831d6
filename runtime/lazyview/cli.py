"""The ``lazyview`` command line: explain, info, check, fmt, show, emit, view.

Every subcommand reads a spec file (``-`` for standard input).  Bad specs
give ``FILE:LINE:COL: error: ...`` with the offending line and a caret on
standard error and exit status 2; other failures (a missing raw file, a
refused op) exit with status 1.  No traceback is ever printed.
"""
import argparse
import ast
import os
import sys

import numpy as np

import lazyview as lv

SHOW_LIMIT = 10_000  # elements `show` prints at most


class CliError(Exception):
    """A failure to report on one line (exit status in .status)."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


SPEC_LIMIT = 64 << 20  # bytes: the longest spec the parser takes (LV_SPEC_MAX_BYTES)


def read_limited(f, name):
    """At most SPEC_LIMIT bytes of f, as text: an endless stream (/dev/zero)
    or a huge file is refused after reading one byte past the limit."""
    data = f.read(SPEC_LIMIT + 1)
    if len(data) > SPEC_LIMIT:
        raise CliError(f"{name}: longer than {SPEC_LIMIT >> 20} MiB, the "
                       "largest spec accepted", 2)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CliError(f"{name}: not UTF-8 text ({e.reason})", 2) from None


def read_spec(path):
    if path == "-":
        return read_limited(sys.stdin.buffer, "<stdin>"), "<stdin>"
    try:
        with open(path, "rb") as f:
            return read_limited(f, path), path
    except OSError as e:
        raise CliError(f"{path}: {e.strerror}") from None


def located(text, name, err):
    """FILE:LINE:COL: error: message, then the line and a caret."""
    line, col = err.lineno, err.colno
    msg = str(err)
    prefix = f"line {line}, column {col}: "
    if msg.startswith(prefix):
        msg = msg[len(prefix):]
    lines = text.splitlines() or [""]
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    return f"{name}:{line}:{col}: error: {msg}\n    {src}\n    {' ' * (col - 1)}^"


def load(path):
    text, name = read_spec(path)
    base = os.path.dirname(os.path.abspath(path)) if path != "-" else None
    try:
        return lv.parse(text, base_dir=base), text, name
    except lv.SpecError as e:
        raise CliError(located(text, name, e), 2) from None
    except (OSError, ValueError, TypeError, IndexError) as e:
        raise CliError(f"{name}: {e}") from None


def cmd_explain(args):
    v, _, _ = load(args.spec)
    print(v.explain())


def cmd_info(args):
    v, _, name = load(args.spec)
    nbytes = v.nbytes
    print(f"spec:       {name}")
    print(f"shape:      {v.shape}")
    print(f"dtype:      {v.dtype}")
    print(f"size:       {v.size} elements, {nbytes} bytes ({nbytes / 2**30:.3g} GiB)")
    print(f"source:     {v.source_kind}" + (f" {v.source_path[0]} (from byte "
                                             f"{v.source_path[1]})" if v.source_path else ""))
    print(f"strided:    {v.is_strided}")
    print(f"writable:   {v.writable}")
    if not v.is_strided:
        from . import _lazy
        print(f"chunks:     {_lazy.auto_chunks(v.shape)} (auto)")


def cmd_check(args):
    for path in args.spec:
        v, _, name = load(path)
        print(f"{name}: ok, {v.shape} {v.dtype}, "
              f"{'strided' if v.is_strided else 'not strided'}")


def cmd_fmt(args):
    v, _, _ = load(args.spec)
    sys.stdout.write(v.to_spec())


def parse_key(text):
    """A subscript such as '[0, 2:5, ::-1]' or '0, :3' as a Python key."""
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    try:
        tree = ast.parse(f"x[{body}]", mode="eval").body
    except SyntaxError:
        raise CliError(f"cannot read the index {text!r}", 2) from None

    def conv(node):
        if isinstance(node, ast.Slice):
            return slice(*(None if p is None else conv(p)
                           for p in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.Tuple):
            return tuple(conv(e) for e in node.elts)
        if isinstance(node, ast.List):
            return [conv(e) for e in node.elts]
        if isinstance(node, ast.Constant) and (node.value is None or
                                               isinstance(node.value, int)):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -conv(node.operand)
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            return Ellipsis
        raise CliError(f"cannot read the index {text!r}", 2)
    return conv(tree.slice)


def cmd_show(args):
    v, _, _ = load(args.spec)
    if args.index:
        try:
            v = v[parse_key(args.index)]
        except (IndexError, ValueError, TypeError) as e:
            raise CliError(f"index {args.index}: {e}") from None
    if v.size > SHOW_LIMIT:
        raise CliError(f"{v.shape} is {v.size} elements; show prints at most "
                       f"{SHOW_LIMIT}: give an index such as '[:10, :10]'")
    with np.printoptions(threshold=SHOW_LIMIT, linewidth=120):
        print(v.compute(threads=1))


def cmd_emit(args):
    from . import codegen
    v, text, name = load(args.spec)
    chunks = None
    if args.chunks:
        try:
            chunks = tuple(int(c) for c in args.chunks.split(","))
        except ValueError:
            raise CliError(f"--chunks takes integers separated by commas, "
                           f"not {args.chunks!r}", 2) from None
    try:
        script = codegen.to_script(v, portable=args.portable, chunks=chunks,
                                   spec_name=name)
    except (ValueError, TypeError) as e:
        raise CliError(f"{name}: {e}") from None
    if args.output in (None, "-"):
        sys.stdout.write(script)
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(script)
        except OSError as e:
            raise CliError(f"{args.output}: {e.strerror}") from None
        print(f"wrote {args.output}", file=sys.stderr)


def _x_server_answers(display):
    """Whether an X server accepts connections at DISPLAY (":1", "host:0.0")."""
    import socket
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return False
    try:
        if host in ("", "unix") or host.startswith("/"):
            for addr in (f"/tmp/.X11-unix/X{number}", f"\0/tmp/.X11-unix/X{number}"):
                with socket.socket(socket.AF_UNIX) as s:
                    s.settimeout(2)
                    if s.connect_ex(addr) == 0:
                        return True
            return False
        with socket.create_connection((host, 6000 + int(number)), timeout=2):
            return True
    except OSError:
        return False


def display_problem():
    """Why Qt could not open a window here, or None.  Qt aborts the process
    (SIGABRT) when it finds no display, so the CLI asks first (Linux)."""
    env = os.environ
    if not sys.platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    wayland = env.get("WAYLAND_DISPLAY")
    if wayland and os.path.exists(os.path.join(env.get("XDG_RUNTIME_DIR", "/"), wayland)):
        return None
    display = env.get("DISPLAY")
    if not display:
        return ("no display to open a window on: set DISPLAY (or WAYLAND_DISPLAY), "
                "or run under xvfb-run")
    if not _x_server_answers(display):
        return f"cannot connect to the X display {display!r}"
    return None


def cmd_view(args):
    problem = display_problem()
    if problem:
        raise CliError(f"view: {problem}")
    from . import napari_view
    from .napari_reader import spec_hints
    v, text, name = load(args.spec)
    napari_view.view(v, name=name, method=args.method, hints=spec_hints(text))


def build_parser():
    p = argparse.ArgumentParser(
        prog="lazyview",
        description="Explain, inspect and turn lazyview specs (.lzv) into scripts.")
    p.add_argument("--version", action="version", version=f"lazyview {lv.__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name, fn, help_text):
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.set_defaults(fn=fn)
        return sp

    add("explain", cmd_explain, "say the layout, or which op breaks striding "
        "and why").add_argument("spec", help="spec file, or - for stdin")
    add("info", cmd_info, "shape, dtype, size, source, striding").add_argument(
        "spec", help="spec file, or - for stdin")
    add("check", cmd_check, "parse specs and report problems (status 2 if any "
        "is malformed)").add_argument("spec", nargs="+", help="spec files")
    add("fmt", cmd_fmt, "print the spec in canonical form").add_argument(
        "spec", help="spec file, or - for stdin")
    sp = add("show", cmd_show, "print the values of a (small) view or slice")
    sp.add_argument("spec", help="spec file, or - for stdin")
    sp.add_argument("index", nargs="?", help="a subscript such as '[0, :5, ::2]'")
    sp = add("emit", cmd_emit, "write a standalone Python script defining `array`")
    sp.add_argument("spec", help="spec file, or - for stdin")
    sp.add_argument("-o", "--output", help="output file (default: stdout)")
    sp.add_argument("--portable", action="store_true",
                    help="use only numpy and dask (no lazyview import)")
    sp.add_argument("--chunks", help="dask chunk sizes per axis, e.g. 512,512")
    sp = add("view", cmd_view, "open the spec in napari as a multiscale image")
    sp.add_argument("spec", help="spec file, or - for stdin")
    sp.add_argument("--method", choices=("stride", "mean"), default="stride",
                    help="how coarser levels are made")
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.fn(args)
    except CliError as e:
        print(f"lazyview: {e}" if e.status != 2 or "error:" not in str(e) else str(e),
              file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # noqa: BLE001 -- the CLI never shows a traceback
        print(f"lazyview: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

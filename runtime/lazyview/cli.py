"""The ``lazyview`` command line: explain, info, check, fmt, show, emit, view, export.

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
    """A failure to report on one line (exit status in .status); quiet ones
    only set the status (their details were reported already)."""

    def __init__(self, message, status=1, quiet=False):
        super().__init__(message)
        self.status = status
        self.quiet = quiet


def report(e):
    """Prints a CliError as the CLI does: located errors as they are."""
    if e.quiet:
        return
    print(f"lazyview: {e}" if e.status != 2 or "error:" not in str(e) else str(e),
          file=sys.stderr)


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
    print(f"plan:       {v.plan.kind}, axes slowest to fastest in the source "
          f"{v.plan.order}")
    if not v.is_strided:
        from . import _lazy
        bulk = v.plan.chunks(_lazy.bulk_target(v.nbytes))
        print(f"chunks:     {bulk} (auto: bulk), {_lazy.auto_chunks(v.shape)} "
              "(napari tiles)")


def cmd_check(args):
    """Checks every file, reporting each; the status is the worst one."""
    status = 0
    for path in args.spec:
        try:
            v, _, name = load(path)
        except CliError as e:
            report(e)
            status = max(status, e.status)
            continue
        print(f"{name}: ok, {v.shape} {v.dtype}, "
              f"{'strided' if v.is_strided else 'not strided'}")
    if status:
        raise CliError(f"{sum(1 for _ in args.spec)} files checked, some with "
                       "problems (reported above)", status, quiet=True)


def cmd_fmt(args):
    """The spec laid out canonically, comments, hints and paths kept."""
    from .specfmt import FormatError, format_spec
    if args.in_place and args.spec == "-":
        raise CliError("--in-place needs a file, not standard input", 2)
    text, name = read_spec(args.spec)
    try:
        out = format_spec(text)
    except FormatError as e:
        raise CliError(located(text, name, e) if e.lineno else f"{name}: {e}", 2) from None
    if not args.in_place:
        sys.stdout.write(out)
        return
    if out != text:
        tmp = f"{args.spec}.lazyview-fmt.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(out)
            os.replace(tmp, args.spec)
        except OSError as e:
            raise CliError(f"{args.spec}: {e.strerror}") from None


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
        chunks = chunk_sizes(v, parse_chunks(args.chunks))
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


def parse_chunks(text):
    """--chunks as the chunks= argument it stands for: 'auto', one size for
    every axis ('256'), or one entry per axis ('512,512', '1,-1,auto')."""
    def one(item):
        item = item.strip()
        if item in ("auto", "-1", "None"):
            return {"auto": "auto", "-1": -1, "None": None}[item]
        try:
            n = int(item.replace("_", ""))
        except ValueError:
            raise CliError(f"--chunks takes 'auto', a size, or sizes separated by "
                           f"commas (-1: the whole axis), not {text!r}", 2) from None
        if n <= 0:
            raise CliError(f"--chunks: sizes must be positive, not {n}", 2)
        return n
    items = text.split(",")
    return one(items[0]) if len(items) == 1 else tuple(one(i) for i in items)


def chunk_sizes(v, chunks):
    """One chunk size per axis, resolved exactly as chunks= is (dask's rules
    after lazyview's 'auto')."""
    from . import _lazy
    if isinstance(chunks, tuple) and len(chunks) != v.ndim:
        raise CliError(f"--chunks has {len(chunks)} entries but the view has "
                       f"{v.ndim} axes", 2)
    try:
        norm = _lazy.chunks_for(v, chunks)
    except ValueError as e:
        raise CliError(f"--chunks: {e}", 2) from None
    return tuple(max(c) if c else 1 for c in norm)


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
    from .napari_reader import layer_name, spec_hints
    if os.path.isdir(args.spec):  # an OME-Zarr image (lazyview export's output)
        from . import zarr_reader
        try:
            zarr_reader.check_complete(args.spec)
        except ValueError as e:
            raise CliError(str(e)) from None
        zarr_reader.view(args.spec)
        return
    v, text, _ = load(args.spec)
    napari_view.view(v, name=layer_name(args.spec), method=args.method,
                     hints=spec_hints(text, v.ndim))


def cmd_export(args):
    """`lazyview export SPEC OUT.zarr`: an OME-Zarr multiscale image."""
    from . import export
    v, text, name = load(args.spec)
    opts = {}
    try:
        opts = export.cli_options(args, text, name)
        path = export.to_zarr(v, args.out, **opts)
    except (OSError, ValueError, TypeError, ImportError) as e:
        raise CliError(f"{args.out}: {e}") from None
    finally:
        if opts.get("client") is not None:
            opts["client"].close()
    print(f"wrote {path}", file=sys.stderr)


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
    add("check", cmd_check, "parse specs and report the problems of every one "
        "(status 2 if any is malformed, 1 if any fails otherwise)").add_argument(
        "spec", nargs="+", help="spec files")
    sp = add("fmt", cmd_fmt, "print the spec in canonical layout, keeping its "
             "comments, hints and paths as written")
    sp.add_argument("spec", help="spec file, or - for stdin")
    sp.add_argument("-i", "--in-place", action="store_true",
                    help="rewrite the file (only if it changes)")
    sp = add("show", cmd_show, "print the values of a (small) view or slice")
    sp.add_argument("spec", help="spec file, or - for stdin")
    sp.add_argument("index", nargs="?", help="a subscript such as '[0, :5, ::2]'")
    sp = add("emit", cmd_emit, "write a standalone Python script defining `array`")
    sp.add_argument("spec", help="spec file, or - for stdin")
    sp.add_argument("-o", "--output", help="output file (default: stdout)")
    sp.add_argument("--portable", action="store_true",
                    help="use only numpy and dask (no lazyview import)")
    sp.add_argument("--chunks", help="what chunks= means in the Python API: "
                    "'auto', one size for every axis (256), or one per axis "
                    "(512,512; -1 is the whole axis)")
    sp = add("view", cmd_view, "open the spec (or an OME-Zarr store) in napari as "
             "a multiscale image")
    sp.add_argument("spec", help="spec file, - for stdin, or an OME-Zarr folder")
    sp.add_argument("--method", choices=("stride", "mean"), default="stride",
                    help="how coarser levels are made")
    sp = add("export", cmd_export, "write the view as an OME-Zarr 0.5 multiscale "
             "image (one pass, bounded memory)")
    sp.add_argument("spec", help="spec file, or - for stdin")
    sp.add_argument("out", help="the store to write, e.g. out.zarr")
    from .export import add_cli_arguments
    add_cli_arguments(sp)
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.fn(args)
    except CliError as e:
        report(e)
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

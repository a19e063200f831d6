"""``lazyview fmt``: a spec in canonical layout, with nothing lost.

A spec is a subset of Python, so it is read with Python's own ``ast`` and
``tokenize`` and written back statement by statement: every binding (napari
hints included) and every comment stays, string literals (relative paths)
stay as written, and a chain of ops is laid out as ``View.to_spec()`` lays
it out (the source, then one op per line).  Canonical means: double-quoted
strings, plain decimal numbers, one space after commas, ``v[1, 2]`` for
``v[(1, 2)]``, at most one blank line between statements.

Safety: ``format_spec`` checks that the result parses to the same syntax
tree as the input (so the same view and the same hints), and formatting is
idempotent; tests/py/test_cli.py round-trips both.
"""
import ast
import io
import tokenize

__all__ = ["format_spec", "FormatError", "literal_bindings"]

INDENT = "    "
WIDTH = 79


def literal_bindings(text, names):
    """The literal values bound to `names` at a spec's top level (``rgb =
    True``, ``axes = "zyx"``): the hints napari and the exporter read.
    Bindings that are not literals, and text that is not Python, give
    nothing."""
    out = {}
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return out
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in names):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return out


class FormatError(ValueError):
    """The text is not a spec that can be formatted (lineno, colno set)."""

    def __init__(self, message, lineno=0, colno=0):
        super().__init__(message)
        self.lineno, self.colno = lineno, colno


def quote(s):
    """A double-quoted literal the spec lexer reads back as s."""
    out = []
    for ch in s:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 32 or code == 127:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def expr(node):
    """One expression on one line (chains included)."""
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, str):
            return quote(v)
        if v is Ellipsis:
            return "..."
        return repr(v)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return "-" + expr(node.operand)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Tuple):
        items = [expr(e) for e in node.elts]
        return "(" + items[0] + ",)" if len(items) == 1 else "(" + ", ".join(items) + ")"
    if isinstance(node, ast.List):
        return "[" + ", ".join(expr(e) for e in node.elts) + "]"
    if isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
        source, ops = chain(node)
        return source + "".join(text for text, _ in ops)
    raise FormatError(f"line {node.lineno}: {type(node).__name__} is not part of "
                      "the spec language", node.lineno, node.col_offset + 1)


def args(call, indent=None):
    """The argument list; with indent (the column after the opening
    parenthesis), lines longer than WIDTH are wrapped at commas and the
    continuation lines aligned under the first argument."""
    parts = [expr(a) for a in call.args]
    parts += [f"{k.arg}={expr(k.value)}" for k in call.keywords]
    one = "(" + ", ".join(parts) + ")"
    if indent is None or indent + len(one) <= WIDTH or len(parts) < 2:
        return one
    lines, line = [], "(" + parts[0]
    for p in parts[1:]:
        if indent + len(line) + len(p) + 3 > WIDTH:
            lines.append(line + ",")
            line = " " * (indent + 1) + p
            continue
        line += ", " + p
    return "\n".join(lines + [line + ")"])


def subscript(node):
    def item(n):
        if isinstance(n, ast.Slice):
            text = (expr(n.lower) if n.lower else "") + ":" + \
                   (expr(n.upper) if n.upper else "")
            return text + (":" + expr(n.step) if n.step else "")
        return expr(n)
    key = node.slice
    if isinstance(key, ast.Tuple) and key.elts:
        return "[" + ", ".join(item(e) for e in key.elts) + "]"
    if isinstance(key, ast.Tuple):
        return "[()]"
    return "[" + item(key) + "]"


def chain(node):
    """(source text, source node, [(op text, op node)]) for a chain of calls,
    attributes and subscripts, outermost op last."""
    ops = []
    while True:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            ops.append(("." + node.func.attr + args(node), node))
            node = node.func.value
        elif isinstance(node, ast.Attribute):
            ops.append(("." + node.attr, node))
            node = node.value
        elif isinstance(node, ast.Subscript):
            ops.append((subscript(node), node))
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return node.func.id + args(node), node, ops[::-1]
        else:
            return expr(node), node, ops[::-1]


def with_notes(line, notes):
    return line + ("  " + "  ".join(notes) if notes else "")


def statement(node, comments):
    """The statement's lines, with its inline comments ({line: text})."""
    target = node.targets[0].id + " = " if isinstance(node, ast.Assign) else ""
    value = node.value
    if isinstance(value, (ast.Call, ast.Attribute, ast.Subscript)):
        source, src_node, ops = chain(value)
        one = target + source + "".join(t for t, _ in ops)
        if len(ops) > 1 or (ops and len(one) > WIDTH):
            return laid_out(target, source, src_node, ops, comments)
        if not ops and isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            one = target + value.func.id + args(value, len(target) + len(value.func.id))
    else:
        one = target + expr(value)
    return [with_notes(one, [comments[n] for n in sorted(comments)])]


def laid_out(target, source, src_node, ops, comments):
    """A chain as to_spec writes it: (source, then one op per line).  A
    comment goes to the first output line whose node ends on or after the
    comment's line (the last line if none)."""
    rows = [(target + "(" + source, src_node.end_lineno)]
    rows += [(INDENT + text, node.end_lineno) for text, node in ops]
    notes = [[] for _ in rows]
    for n in sorted(comments):
        same = [k for k, (_, end) in enumerate(rows) if end == n]
        later = [k for k, (_, end) in enumerate(rows) if end > n]
        k = same[-1] if same else later[0] if later else len(rows) - 1
        notes[k].append(comments[n])
    out = [with_notes(text + (")" if k == len(rows) - 1 else ""), notes[k])
           for k, (text, _) in enumerate(rows)]
    return out


def comment_map(text):
    """{line: comment text} and the set of lines that hold only a comment."""
    comments, alone = {}, set()
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    last_line_with_code = 0
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.rstrip()
            if tok.start[0] != last_line_with_code:
                alone.add(tok.start[0])
        elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                              tokenize.DEDENT, tokenize.ENDMARKER):
            last_line_with_code = tok.end[0]
    return comments, alone


def format_spec(text):
    """The canonical layout of spec `text` (see the module doc)."""
    try:
        tree = ast.parse(text)
        comments, alone = comment_map(text)
    except SyntaxError as e:
        raise FormatError(f"line {e.lineno}, column {e.offset}: {e.msg}",
                          e.lineno or 0, e.offset or 0) from None
    except tokenize.TokenError as e:
        raise FormatError(str(e)) from None
    lines = text.splitlines()
    out, prev_end = [], 0
    for node in tree.body:
        if not isinstance(node, (ast.Expr, ast.Assign)) or (
                isinstance(node, ast.Assign) and (len(node.targets) != 1 or
                                                  not isinstance(node.targets[0], ast.Name))):
            raise FormatError(f"line {node.lineno}: only `name = expr` and `expr` "
                              "statements are spec statements", node.lineno,
                              node.col_offset + 1)
        out += between(lines, prev_end, node.lineno, comments, alone, bool(out))
        inline = {n: comments.pop(n) for n in list(comments)
                  if node.lineno <= n <= node.end_lineno and n not in alone}
        inline.update({n: comments.pop(n) for n in list(comments)
                       if node.lineno < n < node.end_lineno})
        out += statement(node, inline)
        prev_end = node.end_lineno
    out += between(lines, prev_end, len(lines) + 1, comments, alone, bool(out))
    result = "\n".join(out).rstrip("\n") + "\n" if out else ""
    if ast.dump(ast.parse(result)) != ast.dump(tree):
        raise FormatError("internal error: the formatted spec would mean something "
                          "else; please report it")
    return result


def between(lines, prev_end, next_start, comments, alone, started):
    """Full-line comments and (at most one) blank line between statements."""
    out, blank = [], False
    for n in range(prev_end + 1, next_start):
        if n in comments and n in alone:
            if blank and started:
                out.append("")
            blank = False
            out.append(comments.pop(n))
            started = True
        elif n - 1 < len(lines) and not lines[n - 1].strip():
            blank = True
    if blank and started and next_start <= len(lines):
        out.append("")
    return out

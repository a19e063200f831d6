"""Proof that a generated script's code does not depend on the spec's text.

Used by test_codegen.py and by the atheris target (tests/fuzz/fuzz_python.py).
A script is read the way Python reads a file: as bytes, decoded by the
encoding its first two lines declare (``tokenize.detect_encoding``, PEP 263),
then tokenized by Python's own tokenizer.  ``code_tokens`` keeps every token
that is code (names, operators, numbers), dropping string literals, comments
and layout.  Two scripts rendered from views that differ only in user text
(record field names, paths, the spec's name) must have the same code tokens:
then that text can only sit inside string literals or comments, and can
never become code.
"""
import ast
import io
import tokenize

LAYOUT = {tokenize.ENCODING, tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE,
          tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def read_as_python(script):
    """(declared encoding, tokens) of the script's bytes, as Python reads a
    file.  Raises AssertionError when the text is not printable ASCII lines
    or declares an encoding other than UTF-8."""
    data = script.encode("utf-8") if isinstance(script, str) else script
    bad = [b for b in set(data) if not (32 <= b < 127 or b == 10)]
    assert not bad, f"script holds bytes outside printable ASCII: {sorted(bad)[:8]}"
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    assert encoding == "utf-8", f"the script declares encoding {encoding!r}"
    return encoding, list(tokenize.tokenize(io.BytesIO(data).readline))


def is_plain_string(tok):
    """A string literal that is data: not an f-string (whose braces are
    code)."""
    if tok.type != tokenize.STRING:
        return False
    prefix = tok.string[:len(tok.string) - len(tok.string.lstrip("bBrRuUfF"))]
    return "f" not in prefix.lower()


def code_tokens(script):
    """The script's code: (type, text) of every token that is not a plain
    string literal, a comment or layout (f-strings count as code)."""
    _, toks = read_as_python(script)
    return [(t.type, t.string) for t in toks
            if t.type not in LAYOUT and not is_plain_string(t)]


def string_values(script):
    """The values of the script's plain string literals, in order."""
    _, toks = read_as_python(script)
    return [ast.literal_eval(t.string) for t in toks if is_plain_string(t)]


def assert_same_code(script, benign):
    """The two scripts differ only inside string literals and comments."""
    got, want = code_tokens(script), code_tokens(benign)
    if got != want:
        k = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                 min(len(got), len(want)))
        raise AssertionError(f"the script's code depends on user text: token "
                             f"{k} is {got[k:k + 3]}, with benign names "
                             f"{want[k:k + 3]}")

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""jsonq.py FILE [EXPR...] - check that FILE holds exactly one JSON
document as mxgatectl -j promises it, then print each EXPR.

The document must be UTF-8, RFC 8259 JSON with no NaN or Infinity, no
member name twice in one object, nothing after it but the one newline
that ends it. Each EXPR is a Python expression over the document, d
(d["verdict"]["action"], len(d["verdicts"]), ...); a string result is
printed as it is, anything else as JSON (true, null, 3, [...]). Exit 0,
or 1 with one line on stderr saying what is wrong."""
import json
import sys


def unique(pairs):
    """object_pairs_hook: a dict, refusing a member name seen twice"""
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError("member %r twice in one object" % key)
        seen[key] = value
    return seen


def no_constant(name):
    """parse_constant: NaN, Infinity and -Infinity are not JSON"""
    raise ValueError("%s is not JSON" % name)


def main():
    raw = open(sys.argv[1], "rb").read()
    try:
        text = raw.decode("utf-8", errors="strict")
        if not text.endswith("\n") or text.endswith("\n\n"):
            raise ValueError("the document does not end in exactly one newline")
        doc = json.loads(text, object_pairs_hook=unique, parse_constant=no_constant)
    except ValueError as e:     # UnicodeDecodeError and JSONDecodeError too
        print("jsonq: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        return 1
    for expr in sys.argv[2:]:
        value = eval(expr, {"d": doc})     # the tests' own expressions
        print(value if isinstance(value, str) else json.dumps(value))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""doc_commands: every shell command shown in README.md and docs/*.md, one
per line as FILE:LINE<TAB>BLOCK<TAB>COMMAND (continuation lines joined,
comments cut; BLOCK names the code block, FILE:FIRST_LINE, or "inline"),
for tests/integration/docs_commands.sh to run or to skip with a
reason. A command is a line of a fenced block marked sh, bash or shell;
a line of an unmarked fenced or indented block that starts with one of
our programs, make, cmake, cd or an environment assignment; or an inline
code span that is a whole `make ...`, `cmake ...` or `... bash bench/...`
command. Synopses ("sipmob-da [-p PORT] ...") count as commands too: the
test checks that their program exists and answers --help.

  doc_commands.py SRC_DIR
"""
import os
import re
import sys

START = re.compile(r"^(sipmob[a-z-]*|make|cmake|ctest|cd|bash|[A-Z_]+=\S*)(\s|$)")
INLINE = re.compile(r"`((?:make|cmake) [^`]+|(?:[A-Z_]+=\S+ )+bash bench/[^`]+)`")


def commands(path, rel):
    out = []
    lines = open(path, encoding="utf-8").read().split("\n")
    fence = None
    block = None
    in_indent = False
    i = 0
    prev_blank = True
    para = ""
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^```(\w*)", line)
        if m:
            fence = None if fence is not None else m.group(1)
            block = f"{rel}:{i + 2}"
            i += 1
            continue
        indented = fence is None and line.startswith("    ") and \
            line.strip() and (prev_blank or in_indent)
        if indented and not in_indent:
            block = f"{rel}:{i + 1}"
        in_indent = bool(indented) or (in_indent and not line.strip())
        if fence is not None or indented:
            marked = fence in ("sh", "bash", "shell")
            text, n = line.strip(), i
            while text.endswith("\\") and i + 1 < len(lines):
                i += 1
                text = text[:-1].rstrip() + " " + lines[i].strip()
            text = re.sub(r"\s+#.*$", "", text) if not text.startswith("#") else ""
            if text and (marked or START.match(text)) and \
                    fence not in ("json",):
                out.append((n + 1, block, text))
            i += 1
            continue
        prev_blank = not line.strip()
        # inline spans may wrap: look at the paragraph joined
        para = para + " " + line if line.strip() else ""
        for m in INLINE.finditer(para):
            c = re.sub(r"\s+", " ", m.group(1)).strip()
            out.append((i + 1, "inline", c))
        i += 1
    return [(rel, n, b, c) for n, b, c in out]


def main():
    src = sys.argv[1]
    files = ["README.md"] + sorted("docs/" + f for f in
                                   os.listdir(os.path.join(src, "docs"))
                                   if f.endswith(".md"))
    seen = set()
    for rel in files:
        for f, n, b, c in commands(os.path.join(src, rel), rel):
            if (f, c) in seen:
                continue
            seen.add((f, c))
            print(f"{f}:{n}\t{b}\t{c}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Differential test of Sealwatch's Prometheus text parser (Sources/Telemetry/PrometheusText.swift)
against the reference, prometheus_client's text_string_to_metric_families.

    scripts/telemetry-diff.py TOOL [N] [SEED]

TOOL is the driver built by scripts/telemetry-diff.sh (`TOOL dump FILE...` prints every sample
of each file, accept-all selection, in a canonical line format). Inputs: the recorded fixtures,
then N generated valid bodies (random names, labels with escapes and Unicode, NaN/±Inf, comments,
HELP/TYPE, timestamps, duplicate series, CRLF, blanks) and mutated fixtures (renamed families,
new labels, other values). For each, the multiset of (name, sorted labels, value) must be equal
(NaN == NaN, 0 == -0) and our parser must report no problem. Exit status 1 on any mismatch.

Excluded from the generator, where the 0.0.4 format allows a choice or prometheus_client is
laxer than the spec (and than Go's parser, which Sealwatch follows):
  - counters: prometheus_client renames the samples of a counter whose name lacks `_total` to
    `<name>_total` (OpenMetrics naming). Its input gets `# TYPE x counter` rewritten to `untyped`,
    which changes only its family grouping, not the samples.
  - label names starting with `__` (reserved; prometheus_client refuses them, we accept them).
  - escapes other than \\\\ \\" \\n (prometheus_client keeps `\\t` as two characters; the spec and
    Go's parser refuse them, as we do).
  - value spellings only Python's float() reads (`inf`, `infinity`, `nan` in other cases, Unicode
    digits) and values over 64 characters (our limit); float or extra timestamps (the spec says
    int64; prometheus_client takes the last of several tokens).
  - control characters outside label values (Python's str.strip() removes \\x0b, \\x0c, \\x1c-\\x1f,
    \\x85 at a line's ends; we treat only spaces and tabs as blanks).
  - exemplars and quoted (UTF-8) metric or label names: OpenMetrics / Prometheus 3, not 0.0.4.
"""
import math
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

from prometheus_client.parser import text_string_to_metric_families

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "TelemetryTests", "Fixtures")


def canonical_value(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if v == math.inf:
        return "inf"
    if v == -math.inf:
        return "-inf"
    if v == 0:
        return "0"
    return struct.pack(">d", v).hex()


def reference(text):
    """Sorted canonical sample lines by prometheus_client."""
    text = re.sub(r"^(#\s+TYPE\s+\S+\s+)counter\s*$", r"\1untyped", text, flags=re.M)
    lines = []
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = ",".join(f"{k}={v.encode('utf-8').hex()}" for k, v in sorted(s.labels.items()))
            lines.append(f"{s.name}\t{labels}\t{canonical_value(s.value)}")
    return sorted(lines)


NAME_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:"
NAME_REST = NAME_START + "0123456789"
LABEL_START = NAME_START.replace(":", "")
LABEL_REST = LABEL_START + "0123456789"
VALUE_CHARS = list("abc xyz019,={}#:/.-_'") + ["é", "ß", "日本", "🔒", "\t", "\r", "\x0b", "\x00", "\u2028"]


def rname(r, start=NAME_START, rest=NAME_REST, lo=1, hi=24):
    return r.choice(start) + "".join(r.choice(rest) for _ in range(r.randint(lo, hi) - 1))


def rlabel_name(r):
    while True:
        n = rname(r, LABEL_START, LABEL_REST, 1, 12)
        if not n.startswith("__"):
            return n


def rlabel_value(r):
    out = []
    for _ in range(r.randint(0, 12)):
        k = r.random()
        if k < 0.08:
            out.append("\\\\")
        elif k < 0.16:
            out.append('\\"')
        elif k < 0.22:
            out.append("\\n")
        else:
            out.append(r.choice(VALUE_CHARS))
    return "".join(out)


def rvalue(r):
    k = r.random()
    if k < 0.06:
        return r.choice(["NaN", "+Inf", "-Inf", "Inf"])
    if k < 0.3:
        return str(r.randint(-10**6, 10**12))
    if k < 0.4:
        return str(r.randint(0, 10**18)) + ".0"
    if k < 0.5:
        return r.choice(["0", "-0", "+0", "0.0", "-0.0", ".5", "5.", "+3", "1e999", "-1e999", "1e-400", "00012"])
    if k < 0.75:
        return repr(r.uniform(-1e6, 1e6))
    mantissa = f"{r.uniform(0, 10):.{r.randint(0, 8)}f}"
    return f"{r.choice(['', '-', '+'])}{mantissa}{r.choice('eE')}{r.choice(['', '+', '-'])}{r.randint(0, 320)}"


def rblank(r):
    return r.choice([" ", " ", " ", "  ", "\t"])


def rsample(r, name):
    parts = [name]
    n = r.choice([0, 0, 1, 2, 3, 5])
    if n or r.random() < 0.1:
        if r.random() < 0.1:
            parts.append(rblank(r))
        names = []
        while len(names) < n:
            ln = rlabel_name(r)
            if ln not in names:
                names.append(ln)
        pairs = []
        for ln in names:
            sp = rblank(r) if r.random() < 0.1 else ""
            pairs.append(f'{sp}{ln}{sp}={sp}"{rlabel_value(r)}"{sp}')
        trailing = "," if pairs and r.random() < 0.15 else ""
        parts.append("{" + ",".join(pairs) + trailing + "}")
        sep = "" if r.random() < 0.1 else None
    else:
        sep = None
    # One kind of blank per line: prometheus_client splits the value from the timestamp on " "
    # when the rest holds a space, else on "\t".
    blank = "\t" if r.random() < 0.1 else " "
    parts.append(blank if sep is None else sep)
    parts.append(rvalue(r))
    if r.random() < 0.2:
        parts.append(blank + str(r.randint(-10**12, 10**13)))
    if r.random() < 0.1:
        parts.append(blank)
    return "".join(parts)


def generated(r):
    lines = []
    for _ in range(r.randint(1, 12)):
        family = rname(r)
        kind = r.choice(["counter", "gauge", "summary", "untyped", "histogram", None])
        if r.random() < 0.5:
            help_text = "".join(r.choice(["\\\\", "\\n", "x", " ", "é", '"', "{", "#"]) for _ in range(r.randint(0, 20)))
            lines.append(f"# HELP {family} {help_text}")
        if kind:
            lines.append(f"# TYPE {family} {kind}")
        for _ in range(r.randint(0, 6)):
            suffix = r.choice(["", "", "_sum", "_count", "_bucket"]) if kind in ("summary", "histogram") else ""
            line = rsample(r, family + suffix)
            lines.append(line)
            if r.random() < 0.05:
                lines.append(line)   # a duplicate series
        if r.random() < 0.2:
            lines.append("")
        if r.random() < 0.1:
            lines.append("# a comment " + rlabel_value(r).replace("\\n", "").replace("\n", ""))
    if r.random() < 0.2:
        lines.insert(r.randint(0, len(lines)), rblank(r) + rsample(r, rname(r)))   # leading blanks
    eol = "\r\n" if r.random() < 0.1 else "\n"
    return eol.join(lines) + (eol if r.random() < 0.8 else "")


def mutated(r, fixture_lines):
    out = []
    renames = {}
    for line in fixture_lines:
        if r.random() < 0.3:
            continue
        if line.startswith("#") or not line.strip() or r.random() < 0.5:
            out.append(line)
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)$", line)
        if not m:
            out.append(line)
            continue
        name, labels, _ = m.groups()
        name = renames.setdefault(name, name + "_" + rname(r, LABEL_REST, LABEL_REST, 1, 6) if r.random() < 0.5 else name)
        if labels and r.random() < 0.5:
            # an added label; its name is x…_x, which no fixture label name is (names stay unique)
            labels = labels[:-1] + f',x{rlabel_name(r)}_x="{rlabel_value(r)}"' + "}"
        out.append(f"{name}{labels or ''} {rvalue(r)}")
    return "\n".join(out) + "\n"


def main():
    tool = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261202
    r = random.Random(seed)
    inputs = []
    fixtures = sorted(f for f in os.listdir(FIXTURES) if f.endswith(".prom"))
    fixture_texts = {}
    for f in fixtures:
        with open(os.path.join(FIXTURES, f), encoding="utf-8") as fh:
            fixture_texts[f] = fh.read()
        inputs.append(("fixture " + f, fixture_texts[f]))
    for i in range(n):
        if i % 10 == 9:
            f = r.choice(fixtures)
            inputs.append((f"mutated {f} #{i}", mutated(r, fixture_texts[f].split("\n"))))
        else:
            inputs.append((f"generated #{i}", generated(r)))

    failures = 0
    keep_dir = os.path.join(tempfile.gettempdir(), "sealwatch-telemetry-diff")
    with tempfile.TemporaryDirectory(prefix="telemetry-diff-") as tmp:
        paths = []
        expected = {}
        for i, (label, text) in enumerate(inputs):
            path = os.path.join(tmp, f"{i:05d}.prom")
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            paths.append(path)
            try:
                expected[path] = reference(text)
            except Exception as e:   # a generator bug, or prometheus_client refusing valid text
                print(f"REFERENCE REFUSED {label} ({path}): {e!r}")
                failures += 1
                expected[path] = None
        out = subprocess.run([tool, "dump", *paths], check=True, capture_output=True, text=True, encoding="utf-8").stdout
        ours = {}
        current = None
        for line in out.split("\n"):
            if line.startswith("=== "):
                head = line[4:].rsplit(" problems ", 1)
                current = head[0]
                ours[current] = {"problems": int(head[1].split()[0]), "notes": [], "samples": []}
            elif line.startswith("# "):
                ours[current]["notes"].append(line[2:])
            elif line:
                ours[current]["samples"].append(line)
        for (label, text), path in zip(inputs, paths):
            want = expected[path]
            got = ours.get(path)
            if want is None:
                continue
            if got is None:
                print(f"MISSING {label}")
                failures += 1
                continue
            if got["problems"] or got["samples"] != want:
                failures += 1
                kept = os.path.join(keep_dir, f"mismatch-{failures}.prom")
                print(f"MISMATCH {label} (input kept in {kept}): problems {got['problems']} {got['notes'][:3]}")
                a, b = set(want), set(got["samples"])
                for x in sorted(a - b)[:3]:
                    print(f"  only prometheus_client: {x!r}")
                for x in sorted(b - a)[:3]:
                    print(f"  only ours:              {x!r}")
                os.makedirs(keep_dir, exist_ok=True)
                with open(kept, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
        samples = sum(len(v) for v in expected.values() if v)
    print(f"telemetry diff: {len(inputs)} inputs ({len(fixtures)} fixtures, {n} generated or mutated, seed {seed}), "
          f"{samples} samples compared, {failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

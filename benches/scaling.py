#!/usr/bin/env python3
"""Scaling check: sites of unusual shapes at N and 2N, per-stage times of `haven -v build`.

    python3 benches/scaling.py [--haven target/release/haven] [--dir /dev/shm/haven-scaling] [N ...]

Each shape stresses one dimension that the benchmark corpora (benches/gen_corpus.rs) keep
moderate: one page with N citations, N paragraphs or N headings of the same text, a page
with N tags, N pages linking to one hub, N glossary terms with synonyms mentioned N times,
N/10 site synonym groups over 200 pages, N sources each cited once. For each shape and each
doubling it prints every stage's time and marks a stage that grew more than 2.6× (quadratic
work doubles to 4×). Not a test: timings depend on the machine; run it on a quiet one.
Sites are written under --dir (tmpfs by default) and built once before timing, so the
timed build replaces a site.
"""
import argparse
import json
import os
import re
import shutil
import subprocess

CONFIG = """title = "Scaling"
base_url = "/"
[notice]
text = "In an emergency call your local emergency number."
link_text = "Helplines"
link_url = "https://findahelpline.com/"
[citations]
bibliography = ["references.json"]
"""


def front(title, extra=""):
    return f'+++\ntitle = "{title}"\ndescription = "d"\n{extra}+++\n'


def write(root, rel, text):
    path = os.path.join(root, "content", rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def sources(n):
    return [{"id": f"src{i}", "type": "article-journal", "author": [{"family": f"Author{i}", "given": "A."}],
             "title": f"Title {i}", "container-title": "Journal", "issued": {"date-parts": [[1990 + i % 30]]}}
            for i in range(n)]


def site(root, shape, n):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "content"))
    refs = sources(n if shape == "all-sources-cited" else max(50, n // 4))
    with open(os.path.join(root, "references.json"), "w") as f:
        json.dump(refs, f)
    with open(os.path.join(root, "haven.toml"), "w") as f:
        f.write(CONFIG)
        if shape == "synonym-groups":
            groups = [f'["alpha{i}", "beta{i} gamma{i}", "delta{i}"]' for i in range(n // 10)] + ['["trust", "faith"]']
            f.write("[search]\nsynonyms = [" + ", ".join(groups) + "]\n")
    write(root, "_index.md", front("Home") + "Hello.\n")
    if shape == "citations-on-one-page":
        write(root, "n/big.md", front("Big") + "".join(f"Claim {i} holds [@src{i % len(refs)}].\n\n" for i in range(n)))
    elif shape == "paragraphs":
        write(root, "n/big.md", front("Big") + "".join(f"Sentence {i} about trust. Another one.\n\n" for i in range(n)))
    elif shape == "same-headings":
        write(root, "n/big.md", front("Big") + "".join(f"## Same heading\n\nText {i}.\n\n" for i in range(n)))
    elif shape == "tags-on-one-page":
        tags = ", ".join(f'"tag{i}"' for i in range(n))
        write(root, "n/big.md", front("Big", f"tags = [{tags}]\n") + "Body.\n")
    elif shape == "hub":
        write(root, "n/hub.md", front("Hub", 'tags = ["same"]\n') + "The hub.\n")
        for i in range(n):
            write(root, f"n/p{i}.md", front(f"Page {i}", 'tags = ["same"]\n') + f"Links to [[hub]] and [[p{(i + 1) % n}]].\n")
    elif shape == "glossary-synonyms":
        write(root, "glossary/_index.md", front("Glossary"))
        for i in range(n):
            syn = f'synonyms = ["syna{i}", "synb{i} phrase"]\n'
            write(root, f"glossary/term{i}.md", front(f"Termword{i}", syn) + f"Definition {i}.\n")
        for j in range(n):
            body = " ".join(f"Here syna{(i * 7 + j) % n} and synb{(i * 3 + j) % n} phrase." for i in range(25))
            write(root, f"n/p{j}.md", front(f"Page {j}") + body + "\n")
    elif shape == "synonym-groups":
        for j in range(200):
            body = "".join(f"Trust and beta{i} gamma{i} grow in session {i}.\n\n" for i in range(j, j + 50))
            write(root, f"n/p{j}.md", front(f"P{j}") + body)
    elif shape == "all-sources-cited":
        for j in range(n // 10):
            write(root, f"n/p{j}.md", front(f"P{j}") + "".join(f"Claim {i} [@src{(j * 10 + i) % n}].\n\n" for i in range(10)))


SHAPES = ["citations-on-one-page", "paragraphs", "same-headings", "tags-on-one-page", "hub",
          "glossary-synonyms", "synonym-groups", "all-sources-cited"]
STAGE = re.compile(r"^\s+(load|parse|link|lint|render|index|write)\s+([0-9.]+) ms")


def stages(haven, root):
    subprocess.run([haven, "build", "--root", root, "--quiet"], check=True, capture_output=True)
    out = subprocess.run([haven, "-v", "build", "--root", root], capture_output=True, text=True).stderr
    return {m.group(1): float(m.group(2)) for m in map(STAGE.match, out.splitlines()) if m}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--haven", default="target/release/haven")
    ap.add_argument("--dir", default="/dev/shm/haven-scaling")
    ap.add_argument("sizes", nargs="*", type=int, default=[2000, 4000, 8000])
    args = ap.parse_args()
    haven = os.path.abspath(args.haven)
    for shape in SHAPES:
        prev = None
        for n in args.sizes:
            root = os.path.join(args.dir, f"{shape}-{n}")
            site(root, shape, n)
            t = stages(haven, root)
            cells = []
            for k, v in t.items():
                grew = prev and prev.get(k, 0) >= 20 and v / prev[k] > 2.6
                cells.append(f"{k} {v:.0f}{' ← ' + format(v / prev[k], '.1f') + '×' if grew else ''}")
            print(f"{shape:22} {n:>6}: " + " | ".join(cells), flush=True)
            prev = t
    shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()

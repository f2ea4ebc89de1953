"""Reads every topic feed the way Python feedparser does: bozo 0, every entry present, ids the
same across two fetches. Usage: readers.py URL COUNT [URL COUNT ...] (COUNT: the entries jing saw)."""
import sys

import feedparser

failed = False
args = sys.argv[1:]
for url, count in zip(args[::2], args[1::2]):
    first, second = feedparser.parse(url), feedparser.parse(url)
    ids = [e.get("id") for e in first.entries]
    problems = []
    if first.bozo:
        problems.append(f"bozo: {first.bozo_exception!r}")
    if len(first.entries) != int(count):
        problems.append(f"{len(first.entries)} entries, expected {count}")
    if None in ids or len(set(ids)) != len(ids):
        problems.append("an entry without an id, or an id twice")
    if ids != [e.get("id") for e in second.entries]:
        problems.append("ids differ between two fetches")
    print(f"feedparser {first.version or '?'}: {url}: {len(first.entries)} entries" + ("" if not problems else ": " + "; ".join(problems)))
    failed |= bool(problems)
sys.exit(1 if failed else 0)

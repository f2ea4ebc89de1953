"""The W3C Feed Validator's rules that the RELAX NG schema does not check, on served Atom
documents: RFC 3339 dates with a zone, one id/title/updated each, unique entry ids, an author on
every entry (or the feed), a self link equal to the URL the document was fetched from, absolute
URLs and ids, well-formed xml:lang, one alternate link per type and language, and for an archive
page (RFC 5005) fh:archive with a current link.

Usage: atom_rules.py URL FILE [URL FILE ...]   (FILE: the document fetched from URL)"""
import re
import sys
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

A = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# RFC 5646 well-formed: a 2-3 letter language, then subtags of 1-8 letters or digits.
LANG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")


def absolute(iri):
    parts = urlsplit(iri)
    return bool(parts.scheme) and (parts.scheme in ("tag", "urn", "mailto") or bool(parts.netloc))


def check(url, path):
    problems = []
    root = ET.parse(path).getroot()
    if root.tag != A + "feed":
        return [f"the root is {root.tag}, not atom:feed"]

    def one(parent, name, where):
        found = parent.findall(A + name)
        if len(found) != 1:
            problems.append(f"{where}: {len(found)} atom:{name}, expected 1")
        return found[0] if found else None

    for name in ("id", "title", "updated"):
        one(root, name, "feed")
    for element in root.iter():
        if element.tag in (A + "updated", A + "published") and not RFC3339.match((element.text or "").strip()):
            problems.append(f"{element.tag[len(A):]} {element.text!r} is not an RFC 3339 date with a zone")
        lang = element.get(XML_LANG)
        if lang is not None and not LANG.match(lang):
            problems.append(f"xml:lang {lang!r} is not a well-formed language tag")
        if element.tag == A + "link" and not absolute(element.get("href", "")):
            problems.append(f"link href {element.get('href')!r} is not absolute")
        if element.tag in (A + "id", A + "uri", A + "icon", A + "logo") and not absolute((element.text or "").strip()):
            problems.append(f"{element.tag[len(A):]} {element.text!r} is not an absolute IRI")

    selfs = [l.get("href") for l in root.findall(A + "link") if l.get("rel") == "self"]
    if selfs != [url]:
        problems.append(f"self link {selfs} is not the served URL {url}")
    feed_author = root.find(A + "author") is not None
    ids = []
    for i, entry in enumerate(root.findall(A + "entry")):
        where = f"entry {i + 1}"
        for name in ("id", "title", "updated"):
            one(entry, name, where)
        ids.append((entry.findtext(A + "id") or "").strip())
        authors = entry.findall(A + "author") + entry.findall(f"{A}source/{A}author")
        if not feed_author and not authors:
            problems.append(f"{where}: no author, and the feed names none")
        for author in authors:
            if not (author.findtext(A + "name") or "").strip():
                problems.append(f"{where}: an author without a name")
        alternates = [(l.get("type"), l.get("hreflang")) for l in entry.findall(A + "link")
                      if l.get("rel", "alternate") == "alternate"]
        if len(alternates) != len(set(alternates)):
            problems.append(f"{where}: two alternate links of one type and language")
        if entry.find(A + "content") is None and not alternates:
            problems.append(f"{where}: neither content nor an alternate link")
    twice = {i for i in ids if ids.count(i) > 1}
    if twice:
        problems.append(f"entry ids twice: {sorted(twice)}")
    if root.find(FH + "archive") is not None:
        current = [l.get("href") for l in root.findall(A + "link") if l.get("rel") == "current"]
        if len(current) != 1 or (root.findtext(A + "id") or "").strip() != current[0]:
            problems.append(f"an archive page needs one current link, the feed's id: {current}")
    return problems


failed = False
args = sys.argv[1:]
for url, path in zip(args[::2], args[1::2]):
    problems = check(url, path)
    print(f"atom rules: {url}: " + ("ok" if not problems else "; ".join(problems)))
    failed |= bool(problems)
sys.exit(1 if failed else 0)

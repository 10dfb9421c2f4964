#!/usr/bin/env python3
# sbom-validate.py - validate CycloneDX 1.5 JSON documents (mvbuild's SBOMs)
# against the published schema in tests/data/cyclonedx, with Debian's
# python3-jsonschema.  Every reference (spdx, jsf) is resolved from that
# directory; any other reference is an error, never a download.
# usage: sbom-validate.py [--schemas DIR] FILE...
# Exit status: 0 all valid, 1 some invalid, 2 usage, 3 the validator or
# the schemas are missing.
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = "http://cyclonedx.org/schema/"
FILES = ["bom-1.5.SNAPSHOT.schema.json", "spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]


def fail(status, msg):
    print("sbom-validate: " + msg, file=sys.stderr)
    sys.exit(status)


def load_schemas(d):
    docs = {}
    for f in FILES:
        try:
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                docs[f] = json.load(fh)
        except OSError as e:
            fail(3, "cannot read schema %s: %s" % (f, e.strerror))
    # each under its own $id and under the name the others refer to it by
    store = {}
    for f, doc in docs.items():
        store[doc["$id"]] = doc
        store[BASE + f] = doc
    return docs[FILES[0]], store


def no_network(uri):
    raise LookupError("reference %s is not in the offline schema set" % uri)


def make_validator(root, store):
    try:
        import jsonschema
    except ImportError:
        fail(3, "python3-jsonschema is not installed (scripts/setup.sh installs it)")
    cls = jsonschema.Draft7Validator
    cls.check_schema(root)
    fc = getattr(cls, "FORMAT_CHECKER", None) or jsonschema.draft7_format_checker
    try:  # jsonschema >= 4.18 resolves through the referencing library
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT7

        def retrieve(uri):
            if uri in store:
                return Resource.from_contents(store[uri], default_specification=DRAFT7)
            no_network(uri)

        reg = Registry(retrieve=retrieve)
        for uri, doc in store.items():
            reg = reg.with_resource(uri, Resource.from_contents(doc, default_specification=DRAFT7))
        return cls(root, registry=reg, format_checker=fc)
    except ImportError:  # Debian bookworm's 4.10: RefResolver with a store
        resolver = jsonschema.RefResolver(root["$id"], root, store=store,
                                          handlers={"http": no_network, "https": no_network})
        return cls(root, resolver=resolver, format_checker=fc)


def main(argv):
    d = os.path.join(HERE, "..", "data", "cyclonedx")
    if len(argv) > 2 and argv[1] == "--schemas":
        d, argv = argv[2], argv[:1] + argv[3:]
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print("usage: sbom-validate.py [--schemas DIR] FILE...", file=sys.stdout if len(argv) > 1 else sys.stderr)
        return 0 if len(argv) > 1 else 2
    root, store = load_schemas(d)
    v = make_validator(root, store)
    bad = 0
    for f in argv[1:]:
        try:
            with open(f, encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, ValueError) as e:
            print("%s: error: not JSON: %s" % (f, e))
            bad += 1
            continue
        try:
            errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
        except Exception as e:  # RefResolutionError (4.10), referencing's Unresolvable (4.18+)
            print("%s: error: a schema reference is not resolved offline: %s" % (f, e))
            return 3
        for e in errs:
            where = "/".join(str(p) for p in e.absolute_path) or "(document)"
            print("%s: %s: error: %s" % (f, where, e.message[:300]))
        if errs:
            bad += 1
        else:
            print("%s: valid CycloneDX %s" % (f, doc.get("specVersion")))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

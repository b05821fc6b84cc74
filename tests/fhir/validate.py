#!/usr/bin/env python3
"""Validate every FHIR resource psyscreen writes with a real FHIR model
library (fhir.resources, R4B models: the R4 resources psyscreen writes
parse as R4B): each built-in instrument's Questionnaire (`instruments
export ID --fhir`), and `score --format fhir` (NDJSON, one resource per
line) and `--fhir-bundle` (a transaction Bundle) on generated answers for
every built-in and on the shipped examples. Also checks that no output
says "diagnosis". Usage: validate.py [PATH-TO-PSYSCREEN]

Ends with "fhir: N passed, N failed"; exits 1 on any failure.
"""

import csv
import io
import json
import os
import subprocess
import sys
import tempfile

from fhir.resources.R4B import get_fhir_model_class

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "psyscreen")

passed = 0
failed = []


def run(*args):
    p = subprocess.run([BIN, *args], cwd=ROOT, capture_output=True, text=True)
    if p.returncode not in (0, 1, 3):
        raise RuntimeError(f"psyscreen {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p.stdout


# Codes of required bindings, which the models take as plain strings.
REQUIRED = {
    ("Observation", "status"): {"registered", "preliminary", "final", "amended", "corrected", "cancelled",
                                "entered-in-error", "unknown"},
    ("QuestionnaireResponse", "status"): {"in-progress", "completed", "amended", "entered-in-error", "stopped"},
    ("Questionnaire", "status"): {"draft", "active", "retired", "unknown"},
    ("Bundle", "type"): {"transaction"},
}
ITEM_TYPES = {"group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string", "text",
              "url", "choice", "open-choice", "attachment", "reference", "quantity"}
OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}


def required_codes(resource):
    kind = resource["resourceType"]
    for (k, field), allowed in REQUIRED.items():
        if k == kind and resource.get(field) not in allowed:
            raise ValueError(f"{kind}.{field} = {resource.get(field)!r} is not one of {sorted(allowed)}")
    for item in resource.get("item", []) if kind == "Questionnaire" else []:
        if item["type"] not in ITEM_TYPES:
            raise ValueError(f"item {item['linkId']}: type {item['type']!r}")
        for e in item.get("enableWhen", []):
            if e["operator"] not in OPERATORS:
                raise ValueError(f"item {item['linkId']}: enableWhen operator {e['operator']!r}")
            if not any(q["linkId"] == e["question"] for q in resource["item"]):
                raise ValueError(f"item {item['linkId']}: enableWhen names {e['question']!r}, no item of the form")
        if item.get("enableWhen") and len(item["enableWhen"]) > 1 and item.get("enableBehavior") not in ("all", "any"):
            raise ValueError(f"item {item['linkId']}: several enableWhen need enableBehavior (que-12)")
    if kind == "Bundle":
        urls = {e["fullUrl"] for e in resource["entry"]}
        for e in resource["entry"]:
            if e["request"]["method"] != "PUT" or e["request"]["url"] != f"{e['resource']['resourceType']}/{e['resource']['id']}":
                raise ValueError(f"entry {e['fullUrl']}: request {e['request']}")
            required_codes(e["resource"])
            for ref in e["resource"].get("derivedFrom", []):
                if ref["reference"] not in urls:
                    raise ValueError(f"entry {e['fullUrl']}: derivedFrom {ref['reference']} is not in the bundle")


def check(what, resource):
    """Parse one resource with its R4B model; record the outcome."""
    global passed
    try:
        kind = resource["resourceType"]
        get_fhir_model_class(kind).model_validate(resource)
        required_codes(resource)
        if "diagnos" in json.dumps(resource, ensure_ascii=False).lower():
            raise ValueError('says "diagnosis": psyscreen screens, it does not diagnose')
        passed += 1
    except Exception as e:  # noqa: BLE001 - every failure is reported
        failed.append(f"{what}: {str(e)[:2000]}")


def check_score(what, args):
    ndjson = run("score", *args, "--format", "fhir", "--quiet")
    lines = [l for l in ndjson.splitlines() if l.strip()]
    if not lines:
        failed.append(f"{what}: no NDJSON lines")
    ids = set()
    for n, line in enumerate(lines, 1):
        r = json.loads(line)
        check(f"{what} line {n}", r)
        ids.add(f"{r['resourceType']}/{r['id']}")
        for ref in r.get("derivedFrom", []):
            if ref["reference"] not in ids:
                failed.append(f"{what} line {n}: derivedFrom {ref['reference']} is not an earlier line")
    bundle = json.loads(run("score", *args, "--format", "fhir", "--fhir-bundle", "--quiet"))
    check(f"{what} bundle", bundle)
    if len(bundle.get("entry", [])) != len(lines):
        failed.append(f"{what}: the bundle has {len(bundle.get('entry', []))} entries, NDJSON {len(lines)} lines")


def answers_for(instrument):
    """Rows of answers for every item: all lowest, all highest, one blank
    cell, everything blank (incomplete scales)."""
    q = json.loads(run("instruments", "export", instrument, "--fhir"))
    header = run("template", "-i", instrument).strip().split(",")
    values = {}
    for item in q["item"]:
        codes = [int(o["valueCoding"]["code"]) if o["valueCoding"]["code"].lstrip("-").isdigit()
                 else n for n, o in enumerate(item["answerOption"])]
        weights = [o["extension"][0]["valueDecimal"] for o in item["answerOption"]]
        values[item["linkId"]] = (codes, weights)
    rows = []
    for k, pick in enumerate(["low", "high", "blank-one", "blank"]):
        row = {"id": f"P{k + 1}"}
        for n, item in enumerate(header[1:]):
            codes, _ = values[item]
            # a coded answer set (LOINC) still takes the option's value in a CSV
            opts = [int(o["extension"][0]["valueDecimal"]) if not o["valueCoding"]["code"].lstrip("-").isdigit()
                    else int(o["valueCoding"]["code"]) for o in
                    next(i for i in q["item"] if i["linkId"] == item)["answerOption"]]
            if pick == "low":
                row[item] = min(opts)
            elif pick == "high":
                row[item] = max(opts)
            elif pick == "blank-one":
                row[item] = "" if n == 0 else opts[len(opts) // 2]
            else:
                row[item] = ""
        rows.append(row)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header)
    w.writeheader()
    w.writerows(rows)
    return out.getvalue()


def main():
    ids = [r["id"] for r in csv.DictReader(io.StringIO(run("instruments", "list", "--format", "csv")))]
    with tempfile.TemporaryDirectory() as tmp:
        for i in ids:
            check(f"{i} Questionnaire", json.loads(run("instruments", "export", i, "--fhir")))
            path = os.path.join(tmp, f"{i}.csv")
            with open(path, "w", encoding="utf-8") as f:
                f.write(answers_for(i))
            check_score(f"{i} score", [path, "-i", i])
        check_score("examples/class-survey.csv", ["examples/class-survey.csv", "-i", "phq9,gad7"])
        check_score("examples/class-survey.xlsx", ["examples/class-survey.xlsx", "-i", "phq9,gad7"])
        check_score("examples/class-survey.csv pseudonymized",
                    ["examples/class-survey.csv", "-i", "phq9,gad7", "--pseudonymize", os.path.join(tmp, "key")])
        check_score("examples/wjx-export-zh.csv",
                    ["examples/wjx-export-zh.csv", "-i", "phq9", "--lang", "zh"])
        check_score("examples/english-export.csv + map",
                    ["examples/english-export.csv", "-i", "phq9", "--map", "examples/map-example.yaml"])
        # every survey platform's export, as it comes (ids such as R_3example01)
        exports = os.path.join(ROOT, "examples", "exports")
        for name in sorted(os.listdir(exports)):
            if name.endswith((".csv", ".tsv")) and name != "expected.csv":
                extra = ["--one-based"] if name == "wjx-numbers.csv" else []
                check_score(f"examples/exports/{name}", [f"examples/exports/{name}", "-i", "phq9"] + extra)
        check_score("a mean scale (valueQuantity)",
                    ["tests/data/fhir/mean3.csv", "-i", "tests/data/fhir/mean3.yaml"])
        check("tests/data/fhir/mean3.yaml Questionnaire", json.loads(
            run("instruments", "export", "tests/data/fhir/mean3.yaml", "--fhir")))
        check("examples/dass42-anxiety.yaml Questionnaire (a user's file)",
              json.loads(run("instruments", "export", "examples/dass42-anxiety.yaml", "--fhir")))
    for f in failed:
        print(f"FAILED {f}", file=sys.stderr)
    print(f"fhir: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

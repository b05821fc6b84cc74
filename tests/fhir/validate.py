#!/usr/bin/env python3
"""Validate every FHIR resource psyscreen writes with a real FHIR model
library (fhir.resources, R4B models: the R4 resources psyscreen writes
parse as R4B): each built-in instrument's Questionnaire (`instruments
export ID --fhir`), and `score --format fhir` (NDJSON, one resource per
line) and `--fhir-bundle` (a transaction Bundle) on generated answers for
every built-in and on the shipped examples. Also checks what the models
take as any extension or reference: each translation is FHIR's
`translation` extension (a `lang` code and a `content` string), a
`subject` is the person by identifier only and the same on a response and
its observations, as is the time (`authored`, `effectiveDateTime`, from
the survey platforms' exports that have one); a
pseudonymized run holds no raw id; and no output says "diagnosis".
Usage: validate.py [PATH-TO-PSYSCREEN]

Ends with "fhir: N passed, N failed"; exits 1 on any failure.
"""

import csv
import io
import json
import os
import re
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
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
# BCP 47 as FHIR's `code` for a language (zh-CN, en, pt-BR)
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def translations(node, path="$"):
    """Every translation extension under `node` as (path, lang, content);
    a malformed one raises."""
    found = []
    if isinstance(node, list):
        for n, v in enumerate(node):
            found += translations(v, f"{path}[{n}]")
    elif isinstance(node, dict):
        for key, v in node.items():
            if key.startswith("_"):
                base = key[1:]
                if base not in node:
                    raise ValueError(f"{path}.{key}: a translation of {base}, which is not there")
                for e in v.get("extension", []):
                    if e.get("url") != TRANSLATION:
                        continue
                    parts = {p.get("url"): p for p in e.get("extension", [])}
                    if sorted(parts) != ["content", "lang"] or len(e["extension"]) != 2:
                        raise ValueError(f"{path}.{key}: translation parts {sorted(parts)}, not lang and content")
                    if set(parts["lang"]) != {"url", "valueCode"} or not LANGUAGE.fullmatch(parts["lang"]["valueCode"]):
                        raise ValueError(f"{path}.{key}: lang {parts['lang']}")
                    content = parts["content"].get("valueString")
                    if set(parts["content"]) != {"url", "valueString"} or not content or not content.strip():
                        raise ValueError(f"{path}.{key}: content {parts['content']}")
                    found.append((f"{path}.{key}", parts["lang"]["valueCode"], content))
            found += translations(v, f"{path}.{key}")
    return found


def person(resource):
    """The resource's subject: by identifier only (psyscreen knows no
    server's Patient), or none."""
    s = resource.get("subject")
    if s is None:
        return None
    if set(s) != {"identifier"} or set(s["identifier"]) - {"value", "system"} or not s["identifier"].get("value"):
        raise ValueError(f"{resource['resourceType']}/{resource['id']}: subject {s} is not a person's identifier")
    return s["identifier"]["value"]


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
    if kind == "Questionnaire":
        if resource.get("language") != "en":
            raise ValueError(f"Questionnaire language {resource.get('language')!r}: its texts are English")
        for where, lang, _ in translations(resource):
            if lang != "zh-CN":
                raise ValueError(f"{where}: a translation to {lang!r}")
    if kind == "QuestionnaireResponse":
        # the identifier is the person's id or pseudonym: the subject, unless it only numbers responses
        if person(resource) not in (None, resource.get("identifier", {}).get("value")):
            raise ValueError(f"subject {resource['subject']} is not the identifier {resource.get('identifier')}")
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


def check_score(what, args, subjects=None, raw_ids=(), authored=None):
    """`subjects`, `authored`: whether every response has a subject, a
    time (None: not checked); `raw_ids`: ids that must not appear
    (pseudonymized)."""
    ndjson = run("score", *args, "--format", "fhir", "--quiet")
    lines = [l for l in ndjson.splitlines() if l.strip()]
    if not lines:
        failed.append(f"{what}: no NDJSON lines")
    for raw in raw_ids:
        if raw in ndjson:
            failed.append(f"{what}: the raw id {raw} is in the output")
    ids = {}
    for n, line in enumerate(lines, 1):
        r = json.loads(line)
        check(f"{what} line {n}", r)
        try:
            # the person and the time of a response are those of its observations
            facts = (person(r), r.get("authored", r.get("effectiveDateTime")))
        except ValueError as e:
            failed.append(f"{what} line {n}: {e}")
            continue
        ids[f"{r['resourceType']}/{r['id']}"] = facts
        if r["resourceType"] == "QuestionnaireResponse" and subjects is not None and (facts[0] is not None) != subjects:
            failed.append(f"{what} line {n}: subject {r.get('subject')}, expected {'one' if subjects else 'none'}")
        if r["resourceType"] == "QuestionnaireResponse" and authored is not None and (facts[1] is not None) != authored:
            failed.append(f"{what} line {n}: authored {r.get('authored')}, expected {'one' if authored else 'none'}")
        for ref in r.get("derivedFrom", []):
            if ref["reference"] not in ids:
                failed.append(f"{what} line {n}: derivedFrom {ref['reference']} is not an earlier line")
            elif ids[ref["reference"]] != facts:
                failed.append(f"{what} line {n}: subject and time {facts}, its response's {ids[ref['reference']]}")
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
            q = json.loads(run("instruments", "export", i, "--fhir"))
            check(f"{i} Questionnaire", q)
            # every built-in is bilingual: its Chinese is there, as translations
            try:
                found = {w.rsplit(".", 1)[1] for w, _, _ in translations(q)}
                if found != {"_title", "_purpose", "_text", "_display"} - ({"_purpose"} if "purpose" not in q else set()):
                    failed.append(f"{i} Questionnaire: translations of {sorted(found)} only")
            except ValueError as e:
                failed.append(f"{i} Questionnaire: {e}")
            path = os.path.join(tmp, f"{i}.csv")
            with open(path, "w", encoding="utf-8") as f:
                f.write(answers_for(i))
            check_score(f"{i} score", [path, "-i", i])
        check_score("examples/class-survey.csv", ["examples/class-survey.csv", "-i", "phq9,gad7"], subjects=True)
        check_score("examples/class-survey.xlsx", ["examples/class-survey.xlsx", "-i", "phq9,gad7"], subjects=True)
        raw = [r["id"] for r in csv.DictReader(open(os.path.join(ROOT, "examples", "class-survey.csv"), encoding="utf-8"))]
        check_score("examples/class-survey.csv pseudonymized",
                    ["examples/class-survey.csv", "-i", "phq9,gad7", "--pseudonymize", os.path.join(tmp, "key")],
                    subjects=True, raw_ids=raw)
        # no id column: nobody to be the subject
        noid = os.path.join(tmp, "noid.csv")
        with open(os.path.join(ROOT, "examples", "class-survey.csv"), encoding="utf-8") as f, \
                open(noid, "w", encoding="utf-8") as out:
            for line in f:
                out.write(line.split(",", 1)[1])
        check_score("examples/class-survey.csv without its id column", [noid, "-i", "phq9,gad7"], subjects=False)
        check_score("examples/wjx-export-zh.csv",
                    ["examples/wjx-export-zh.csv", "-i", "phq9", "--lang", "zh"])
        check_score("examples/english-export.csv + map",
                    ["examples/english-export.csv", "-i", "phq9", "--map", "examples/map-example.yaml"])
        # every survey platform's export, as it comes (ids such as R_3example01);
        # a running number of responses (wjx 序号, 腾讯问卷 编号, LimeSurvey's id)
        # is no person's subject, Google Forms has no id, and a date with the
        # month or day first (Google Forms, SurveyMonkey) is no time
        exports = os.path.join(ROOT, "examples", "exports")
        nobody = ("wjx", "tencent", "limesurvey", "google")
        timed = ("wjx", "tencent", "limesurvey", "qualtrics")
        for name in sorted(os.listdir(exports)):
            if name.endswith((".csv", ".tsv")) and name != "expected.csv":
                extra = ["--one-based"] if name == "wjx-numbers.csv" else []
                check_score(f"examples/exports/{name}", [f"examples/exports/{name}", "-i", "phq9"] + extra,
                            subjects=not name.startswith(nobody), authored=name.startswith(timed))
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

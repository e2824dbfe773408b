#!/usr/bin/env python3
"""Simulated user: labels a face set from scratch through the real winnow commands, counting actions.

The user knows each photo's true person (its folder name); winnow never sees it (the photos are
ingested with --layout flat). One action is one decision a person makes:
  - naming an identity group (`winnow identities P --name G=person`): 1 action per group;
  - accepting a batch of suggestions (`winnow accept P --all-above T`): 1 action per batch;
  - correcting one sample (`winnow label P person ID`): 1 action per sample.
Commands that only compute or show (detect, embed, identities without --name, suggest) are not
actions. Prints actions per photo; writes the curve (actions, correctly labelled photos) as CSV.
docs/benchmarks.md ("Assisted labelling: simulated user") records the runs.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import time


def winnow(binary, *args, check=True):
    proc = subprocess.run([binary, *args, "--json"], capture_output=True, text=True)
    if check and proc.returncode not in (0, 3):
        sys.exit(f"winnow {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    try:
        return json.loads(proc.stdout) if proc.stdout.strip() else {}
    except json.JSONDecodeError:
        sys.exit(f"winnow {' '.join(args)}: not JSON:\n{proc.stdout}\n{proc.stderr}")


def cluster_table(exe, project, truth, spec):
    """Groups (and singletons), the lowest majority share of any group and the faces outside their
    group's majority, per method and distance, on the unlabelled faces of the project."""
    print("| method | max distance | groups | singletons | groups of 5+ (their faces) | groups under 98% | lowest majority share | faces not of their group's majority |")
    print("|---|---|---|---|---|---|---|---|")
    for part in spec.split(";"):
        method, distances = part.split(":")
        for distance in distances.split(","):
            result = winnow(exe, "identities", project, "--method", method, "--max-distance", distance)
            groups = result["groups"]
            lowest, impure, strays, big, big_faces = 1.0, 0, 0, 0, 0
            for group in groups:
                counts = collections.Counter(truth[sid] for sid in group["sample_ids"])
                top = counts.most_common(1)[0][1]
                share = top / len(group["sample_ids"])
                lowest = min(lowest, share)
                impure += share < 0.98
                strays += len(group["sample_ids"]) - top
                if len(group["sample_ids"]) >= 5:
                    big += 1
                    big_faces += len(group["sample_ids"])
            singles = sum(1 for g in groups if len(g["sample_ids"]) == 1)
            print(f"| {method} | {distance} | {len(groups)} | {singles} | {big} ({big_faces}) | {impure} | {lowest:.3f} | {strays} |",
                  flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--winnow", required=True)
    ap.add_argument("--data", required=True, help="folder of person folders (the truth)")
    ap.add_argument("--project", required=True)
    ap.add_argument("--csv", required=True, help="curve: actions,correct")
    ap.add_argument("--detector", default="auto",
                    help="auto (faceapi_ssd, then faceapi_whole_face for photos it misses), faceapi_ssd or faceapi_whole_face")
    ap.add_argument("--thresholds", default="0.9,0", help="confidence of each accept batch, in order")
    ap.add_argument("--min-group", type=int, default=2, help="smallest identity group worth naming")
    ap.add_argument("--identities", default="", help="extra options for winnow identities, e.g. '--max-distance 0.55'")
    ap.add_argument("--reuse", action="store_true", help="start from an embedded, unlabelled project already there")
    ap.add_argument("--prepare-only", action="store_true", help="ingest, detect and embed, then stop")
    ap.add_argument("--cluster-table", metavar="METHOD:D1,D2;...",
                    help="print groups and purity per clustering method and distance (no labelling), e.g. "
                         "'average_linkage:0.5,0.6;chinese_whispers:0.5'")
    args = ap.parse_args()
    exe = args.winnow
    data = os.path.abspath(args.data)
    started = time.time()

    if args.reuse and os.path.exists(os.path.join(args.project, "winnow.db")):
        labelled = [s["id"] for s in winnow(exe, "samples", args.project) if s.get("label")]
        if labelled:
            sys.exit("--reuse: the project has labels already; copy a prepared one to start from scratch")
    else:
        shutil.rmtree(args.project, ignore_errors=True)
        winnow(exe, "init", args.project)
        winnow(exe, "ingest", args.project, data, "--layout", "flat")
        detectors = ["faceapi_ssd", "faceapi_whole_face"] if args.detector == "auto" else [args.detector]
        for detector in detectors:
            winnow(exe, "detect", args.project, "--detector", detector, "--threads", "1")
            winnow(exe, "embed", args.project, "--detector", detector)
    prepared = time.time()
    if args.prepare_only:
        print(json.dumps({"prepared": args.project, "seconds": round(prepared - started, 1)}))
        return

    samples = winnow(exe, "samples", args.project)
    truth = {}
    for s in samples:
        if s["status"] == "rejected":
            continue
        # winnow records canonical paths: compare with the data folder's own (it may be reached
        # through a symlink, e.g. ../shared -> elsewhere).
        rel = os.path.relpath(os.path.realpath(s["path"] if "path" in s else s["original_path"]), os.path.realpath(data))
        truth[s["id"]] = rel.split(os.sep)[0]
    people = sorted(set(truth.values()))
    if args.cluster_table:
        cluster_table(exe, args.project, truth, args.cluster_table)
        return
    labels = {sid: None for sid in truth}
    known_classes = set()
    actions = 0
    curve = [(0, 0)]
    counts = collections.Counter()

    def correct():
        return sum(1 for sid, label in labels.items() if label == truth[sid])

    def act(kind):
        nonlocal actions
        actions += 1
        counts[kind] += 1
        curve.append((actions, correct()))

    def correct_sample(sid):
        person = truth[sid]
        extra = [] if person in known_classes else ["--new-class"]
        winnow(exe, "label", args.project, person, str(sid), *extra)
        labels[sid] = person
        known_classes.add(person)
        act("correction")

    # 1. Name identity groups: the largest group of each person, one action each.
    identity_options = args.identities.split()
    groups = winnow(exe, "identities", args.project, *identity_options)["groups"]
    names = []
    named_people = set()
    for group in groups:
        members = group["sample_ids"]
        if len(members) < args.min_group:
            continue
        person, _ = collections.Counter(truth[sid] for sid in members).most_common(1)[0]
        if person in named_people:
            continue  # a second group of a named person is left to the suggestions
        named_people.add(person)
        names.append((group["group"], person, members))
    if names:
        name_args = []
        for number, person, _ in names:
            name_args += ["--name", f"{number}={person}"]
        winnow(exe, "identities", args.project, *identity_options, *name_args)
    wrong_in_groups = []
    for _, person, members in names:
        for sid in members:
            labels[sid] = person
        known_classes.add(person)
        act("name_group")
        wrong_in_groups += [sid for sid in members if truth[sid] != person]
    for sid in wrong_in_groups:
        correct_sample(sid)

    # 2. Suggestions, accepted in batches; wrong accepted ones corrected one by one.
    suggest_seconds = []
    for threshold in [float(t) for t in args.thresholds.split(",")]:
        result = winnow(exe, "suggest", args.project, "--limit", "0", check=False)
        if not result.get("ok", True) or "suggestions" not in result:
            break  # nothing left to suggest (or too few classes): reported below
        suggest_seconds.append(result["seconds"])
        batch = [s for s in result["suggestions"] if s["confidence"] >= threshold]
        if not batch:
            continue
        accepted = winnow(exe, "accept", args.project, "--all-above", repr(threshold))
        for item in accepted["accepted"]:
            labels[item["sample_id"]] = item["label"]
        act("accept_batch")
        for item in accepted["accepted"]:
            if item["label"] != truth[item["sample_id"]]:
                correct_sample(item["sample_id"])

    # 3. Whatever is still unlabelled (no descriptor, or no batch reached it): one action each.
    for sid in sorted(truth):
        if labels[sid] is None:
            correct_sample(sid)

    final = {s["id"]: s.get("label") for s in winnow(exe, "samples", args.project) if s["id"] in truth}
    mismatches = [sid for sid in truth if final.get(sid) != truth[sid]]
    if mismatches:
        sys.exit(f"the store disagrees with the simulation on {len(mismatches)} samples, e.g. {mismatches[:5]}")

    with open(args.csv, "w") as out:
        out.write("actions,correct\n")
        for a, c in curve:
            out.write(f"{a},{c}\n")
    n = len(truth)
    summary = {
        "set": os.path.basename(data.rstrip("/")),
        "photos": n,
        "people": len(people),
        "actions": actions,
        "actions_per_photo": round(actions / n, 4),
        "target": len(people) + round(0.05 * n),
        "by_kind": dict(counts),
        "groups": len(groups),
        "named_groups": len(names),
        "wrong_in_named_groups": len(wrong_in_groups),
        "suggest_seconds": suggest_seconds,
        "prepare_seconds": round(prepared - started, 1),
        "label_seconds": round(time.time() - prepared, 1),
        "csv": args.csv,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

"""Runs the torchvision recipe of docs/training.md exactly as printed (the python block after
"Loading it into torchvision") on a winnow model.h5 and checks that the model it builds reproduces
winnow's test predictions. Usage: load_in_torchvision.py DOCS.md MODEL.h5 DATASET.h5 REPORT.json"""
import json
import os
import re
import sys

import h5py
import torch
import torch.nn.functional as F


def recipe_from_docs(path):
    text = open(path, encoding="utf-8").read()
    start = text.index("Loading it into torchvision")
    block = re.search(r"```python\n(.*?)```", text[start:], re.S)
    assert block, "no python block after 'Loading it into torchvision' in " + path
    return block.group(1)


def run_recipe(code, model_path):
    # The recipe opens "model.h5" in the working folder, as a user would run it.
    here = os.getcwd()
    os.chdir(os.path.dirname(os.path.abspath(model_path)))
    try:
        if os.path.basename(model_path) != "model.h5":
            raise SystemExit("the recipe reads model.h5; got " + model_path)
        scope = {"__name__": "recipe"}
        exec(compile(code, "docs/training.md recipe", "exec"), scope)
    finally:
        os.chdir(here)
    return scope["model"], scope["classes"], scope["pre"], scope["temperature"]


def preprocess(images_nhwc, pre):
    x = torch.from_numpy(images_nhwc).permute(0, 3, 1, 2).float() / 255.0
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    size = pre["input_size"]
    if x.shape[-1] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    mean = torch.tensor(pre["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(pre["std"]).view(1, 3, 1, 1)
    return (x - mean) / std


def main():
    docs, model_path, dataset, report_path = sys.argv[1:5]
    model, classes, pre, temperature = run_recipe(recipe_from_docs(docs), model_path)
    report = json.load(open(report_path))
    rows = [p["row"] for p in report["predictions"]]
    with h5py.File(dataset, "r") as f:
        images = f["images"][sorted(rows)]
    order = {row: i for i, row in enumerate(sorted(rows))}
    with torch.no_grad():
        probabilities = torch.softmax(model(preprocess(images, pre)) / temperature, 1)
    worst = 0.0
    for p in report["predictions"]:
        row = probabilities[order[p["row"]]]
        best = int(row.argmax())
        if classes[best] != p["predicted"]:
            print("row", p["row"], "torchvision says", classes[best], "winnow said", p["predicted"])
            return 1
        worst = max(worst, abs(float(row[best]) - p["probability"]))
    print(f"{len(rows)} predictions match, largest probability difference {worst:.2e}")
    return 0 if worst < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())

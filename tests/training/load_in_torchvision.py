"""Loads a winnow model.h5 into a torchvision model (as docs/training.md shows) and checks that it
reproduces winnow's test predictions. Usage: load_in_torchvision.py MODEL.h5 DATASET.h5 REPORT.json"""
import collections
import json
import sys

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def load_winnow_model(path):
    with h5py.File(path, "r") as f:
        assert f.attrs["format"] == "winnow-model" and f.attrs["format_version"] == 1
        arch = json.loads(f.attrs["architecture"])
        pre = json.loads(f.attrs["preprocessing"])
        classes = list(f["class_names"].asstr()[:])
        # Calibration temperature (absent in files from before calibration: 1).
        pre["temperature"] = float(f.attrs.get("temperature", 1.0))
        state = {name: torch.from_numpy(np.asarray(f["weights"][name])) for name in f["weights"]}
    backbone = getattr(torchvision.models, arch["backbone"])()
    # winnow's head replaces torchvision's classifier (squeezenet's is a conv head: pool instead).
    if arch["backbone"].startswith("resnet"):
        backbone.fc = nn.Identity()
    elif arch["backbone"] == "squeezenet1_1":
        backbone.classifier = nn.AdaptiveAvgPool2d(1)
    else:
        backbone.classifier = nn.Identity()
    layers, width = [], state["head.0.weight"].shape[1]
    for hidden in arch["head"]["hidden"]:
        layers += [nn.Linear(width, hidden), nn.ReLU(inplace=True)]
        if arch["head"]["dropout"] > 0:
            layers.append(nn.Dropout(arch["head"]["dropout"]))
        width = hidden
    if not arch["head"]["hidden"] and arch["head"]["dropout"] > 0:
        layers.append(nn.Dropout(arch["head"]["dropout"]))
    layers.append(nn.Linear(width, arch["class_count"]))
    model = nn.Sequential(collections.OrderedDict(backbone=backbone, head=nn.Sequential(*layers)))
    model.load_state_dict(state, strict=True)
    return model.eval(), classes, pre


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
    model, classes, pre = load_winnow_model(sys.argv[1])
    report = json.load(open(sys.argv[3]))
    rows = [p["row"] for p in report["predictions"]]
    with h5py.File(sys.argv[2], "r") as f:
        images = f["images"][sorted(rows)]
    order = {row: i for i, row in enumerate(sorted(rows))}
    with torch.no_grad():
        probabilities = torch.softmax(model(preprocess(images, pre)) / pre["temperature"], 1)
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

"""PyTorch reference for bench/train_vs_pytorch.sh: the same training as winnow's
train_throughput, in Python: torchvision architecture with a Dropout(0.2)+Linear head, AdamW
(lr 1e-3, weight decay 1e-4) with a per-step cosine schedule, batch B, ImageNet normalisation,
one thread per core, images held in memory as uint8 (on the device when it is CUDA), no augmentation, bf16 autocast on
CUDA when asked. Prints one JSON line: images/s of the training loop.
Usage: train_reference.py dataset.h5 [arch] [batch] [epochs] [device] [amp 0|1] [input_size]"""
import json
import math
import os
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def main():
    path = sys.argv[1]
    arch = sys.argv[2] if len(sys.argv) > 2 else "resnet18"
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    device = torch.device(sys.argv[5] if len(sys.argv) > 5 else "cpu")
    amp = len(sys.argv) > 6 and sys.argv[6] == "1" and device.type == "cuda"
    with h5py.File(path, "r") as f:
        rows = f["splits/train"][:]
        labels = f["labels"][:][rows]
        rows = rows[labels >= 0]
        images = torch.from_numpy(f["images"][rows]).to(device)
        labels = torch.from_numpy(f["labels"][:][rows]).long().to(device)
        classes = len(f["class_names"])
    size = int(sys.argv[7]) if len(sys.argv) > 7 and int(sys.argv[7]) > 0 else images.shape[1]
    torch.set_num_threads(os.cpu_count())  # as winnow's trainer: one thread per core
    torch.manual_seed(1)
    model = getattr(torchvision.models, arch)()
    if arch.startswith("resnet"):
        model.fc = nn.Sequential(nn.Dropout(0.2), nn.Linear(model.fc.in_features, classes))
    model = model.to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    mean = torch.tensor([0.485, 0.456, 0.406], device=device).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], device=device).view(1, 3, 1, 1)
    n = len(labels)
    per_epoch = math.ceil(n / batch)
    total = per_epoch * epochs
    step = 0
    seconds = 0.0
    for epoch in range(epochs):
        order = torch.randperm(n, device=device)
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for b in range(per_epoch):
            for group in optimizer.param_groups:
                group["lr"] = 1e-3 * 0.5 * (1 + math.cos(math.pi * step / total))
            index = order[b * batch:(b + 1) * batch]
            x = images[index].permute(0, 3, 1, 2).float().div_(255)
            if x.shape[1] == 1:
                x = x.expand(-1, 3, -1, -1)
            if x.shape[-1] != size:
                x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
            x = (x - mean) / std
            optimizer.zero_grad()
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
                logits = model(x)
            loss = F.cross_entropy(logits.float(), labels[index])
            loss.backward()
            optimizer.step()
            step += 1
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds += time.perf_counter() - start
    print(json.dumps({"train_images_per_second": n * epochs / seconds, "train_images": n, "epochs": epochs,
                      "torch": torch.__version__, "device": device.type}))


if __name__ == "__main__":
    main()

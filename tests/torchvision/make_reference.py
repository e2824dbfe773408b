"""Reference data for the C++ torchvision parity tests (tests/torchvision/).

`--arch NAME --out DIR` builds torchvision.models.NAME(weights=None) from a fixed seed, gives its
batch norms non-trivial eval-mode statistics, and writes into DIR:
  state_dict.pth  torch.save(model.state_dict()): the OrderedDict kind torchvision publishes
  input.bin       the input batch, raw little-endian float32 NCHW
  logits.bin      model.eval()(input), raw little-endian float32
  meta.json       {"arch", "input_shape", "logits_shape", "keys"}
`--dtypes --out DIR` writes DIR/dtypes.pth, a state dict of small tensors of every supported dtype
plus non-contiguous, offset and 0-d views, whose values the C++ test recomputes, and the same in
torch's legacy (pre-1.6, non-zip) format as DIR/dtypes_legacy.pth.
"""
import argparse
import collections
import json
import os
import sys

import torch
import torchvision


def calibrate_batch_norms(model, images, generator):
    """Running stats from the batch itself (so activations stay O(1) through deep random nets),
    then perturbed, with random affine parameters, so eval mode differs from train mode."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average: one batch gives exactly its statistics
    model.train()
    with torch.no_grad():
        model(images)
        for norm in norms:
            shape = norm.running_mean.shape
            norm.running_mean += 0.1 * torch.randn(shape, generator=generator) * norm.running_var.sqrt()
            norm.running_var *= torch.empty(shape).uniform_(0.8, 1.25, generator=generator)
            norm.weight.uniform_(0.8, 1.2, generator=generator)
            norm.bias.uniform_(-0.1, 0.1, generator=generator)


def write_raw(path, tensor):
    with open(path, "wb") as f:
        f.write(tensor.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes())


def make_arch(arch, out, size, batch):
    torch.manual_seed(0)
    model = getattr(torchvision.models, arch)(weights=None)
    generator = torch.Generator().manual_seed(1)
    images = (torch.rand(batch, 3, size, size, generator=generator) - 0.45) / 0.225
    calibrate_batch_norms(model, images, generator)
    model.eval()
    with torch.no_grad():
        logits = model(images)
    state = model.state_dict()
    assert isinstance(state, collections.OrderedDict)
    torch.save(state, os.path.join(out, "state_dict.pth"))
    write_raw(os.path.join(out, "input.bin"), images)
    write_raw(os.path.join(out, "logits.bin"), logits)
    meta = {"arch": arch, "input_shape": list(images.shape), "logits_shape": list(logits.shape),
            "keys": len(state)}
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f)


def make_dtypes(out):
    base = torch.arange(10, dtype=torch.float32)
    state = collections.OrderedDict()
    state["float16"] = torch.arange(6, dtype=torch.float16).reshape(2, 3)
    state["bfloat16"] = torch.arange(3, dtype=torch.bfloat16)
    state["float64"] = torch.arange(4, dtype=torch.float64) * 0.5
    state["int64"] = torch.tensor([-(2 ** 40), 7], dtype=torch.int64)
    state["int32"] = torch.arange(-3, 3, dtype=torch.int32)
    state["uint8"] = torch.arange(250, 256, dtype=torch.uint8)
    state["bool"] = torch.tensor([True, False, True])
    state["transposed"] = torch.arange(12, dtype=torch.float32).reshape(3, 4).t()
    state["base"] = base
    state["slice"] = base[3:7]  # shares base's storage at offset 3
    state["scalar"] = torch.tensor(2.5)
    torch.save(state, os.path.join(out, "dtypes.pth"))
    torch.save(state, os.path.join(out, "dtypes_legacy.pth"), _use_new_zipfile_serialization=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--arch")
    parser.add_argument("--dtypes", action="store_true")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    os.makedirs(args.out, exist_ok=True)
    if args.dtypes:
        make_dtypes(args.out)
    elif args.arch:
        make_arch(args.arch, args.out, args.size, args.batch)
    else:
        parser.error("give --arch NAME or --dtypes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

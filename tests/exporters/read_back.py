"""Reads a winnow HDF5 dataset with h5py and prints a JSON summary (used by exporters_test).

Usage: python3 read_back.py DATASET.h5
"""
import json
import sys

import h5py
import numpy as np


def main(path):
    with h5py.File(path, "r") as f:
        images = f["images"]
        summary = {
            "count": int(images.shape[0]),
            "shape": [int(d) for d in images.shape],
            "chunks": [int(d) for d in images.chunks],
            "labels": f["labels"][:].tolist(),
            "class_names": f["class_names"].asstr()[:].tolist(),
            "checksum": int(images[:].sum(dtype=np.uint64)),
            "split_codes": f["split"][:].tolist(),
            "split_names": [str(s) for s in f["split"].attrs["split_names"]],
            "splits": {name: f["splits"][name][:].tolist() for name in ("train", "val", "test")},
            "original_path": f["provenance/original_path"].asstr()[:].tolist(),
            "sample_id": f["provenance/sample_id"][:].tolist(),
            "original_size": f["original_size"][:].tolist(),
            "format": str(f.attrs["format"]),
            "format_version": int(f.attrs["format_version"]),
            "fit": str(f.attrs["fit"]),
            "pipeline_config": json.loads(f.attrs["pipeline_config"]),
            "augmented": f["augmented"][:].tolist(),
            "parent_sample_id": f["provenance/parent_sample_id"][:].tolist(),
        }
        # docs/hdf5-layout.md: keep real rows only (no synthetic children).
        real = f["augmented"][:] == 0
        summary["real_rows"] = int(real.sum())
    print(json.dumps(summary))


if __name__ == "__main__":
    main(sys.argv[1])

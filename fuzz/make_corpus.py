#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Run with Debian's python3 (/usr/bin/python3: python3-opencv, python3-h5py, python3-torch). Seeds
are tiny on purpose (the whole corpus stays far below 1 MB); crash reproducers found later are
added by hand as `regression-*` files and are never overwritten here. Re-running rewrites the
`seed-*` files only.
"""
import collections
import io
import json
import os
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import cv2
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent
REPO = ROOT.parent
CORPUS = ROOT / "corpus"


def put(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"seed-{name}").write_bytes(data)


def tiff_exif(orientation=6, date=b"2021:06:01 12:34:56", big_endian=False):
    """An EXIF payload in TIFF layout: IFD0 (Orientation, ExifIFD pointer) and an Exif IFD
    holding DateTimeOriginal."""
    e = ">" if big_endian else "<"
    head = (b"MM\x00\x2a" if big_endian else b"II\x2a\x00") + struct.pack(e + "I", 8)
    ifd0_off = 8
    ifd0_entries = []
    if orientation is not None:
        ifd0_entries.append(struct.pack(e + "HHIHH", 0x0112, 3, 1, orientation, 0))
    exif_ifd_off = ifd0_off + 2 + 12 * (len(ifd0_entries) + 1) + 4
    ifd0_entries.append(struct.pack(e + "HHII", 0x8769, 4, 1, exif_ifd_off))
    ifd0 = struct.pack(e + "H", len(ifd0_entries)) + b"".join(ifd0_entries) + struct.pack(e + "I", 0)
    date_off = exif_ifd_off + 2 + 12 + 4
    value = date + b"\x00"
    exif_ifd = struct.pack(e + "H", 1) + struct.pack(e + "HHII", 0x9003, 2, len(value), date_off) + struct.pack(e + "I", 0)
    return head + ifd0 + exif_ifd + value


def jpeg_with_exif(jpeg, tiff):
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + app1 + jpeg[2:]


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_with_exif(png, tiff):
    # eXIf goes before IDAT; IHDR is the first chunk (8 + 25 bytes).
    at = 8 + 25
    return png[:at] + png_chunk(b"eXIf", tiff) + png[at:]


def encode(ext, image, params=()):
    ok, data = cv2.imencode(ext, image, list(params))
    assert ok, ext
    return data.tobytes()


def images():
    rng = np.random.default_rng(7)
    colour = rng.integers(0, 256, (8, 12, 3), dtype=np.uint8)
    grey = rng.integers(0, 256, (6, 5), dtype=np.uint8)
    rgba = rng.integers(0, 256, (5, 7, 4), dtype=np.uint8)
    deep = rng.integers(0, 65536, (4, 4, 3), dtype=np.uint16)
    seeds = {
        "jpeg-colour.jpg": encode(".jpg", colour, [cv2.IMWRITE_JPEG_QUALITY, 50]),
        "jpeg-grey.jpg": encode(".jpg", grey),
        "jpeg-progressive.jpg": encode(".jpg", colour, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]),
        "jpeg-exif6.jpg": jpeg_with_exif(encode(".jpg", colour, [cv2.IMWRITE_JPEG_QUALITY, 40]), tiff_exif(6)),
        "png-colour.png": encode(".png", colour),
        "png-grey.png": encode(".png", grey),
        "png-rgba.png": encode(".png", rgba),
        "png-16bit.png": encode(".png", deep),
        "png-exif8.png": png_with_exif(encode(".png", grey), tiff_exif(8, big_endian=True)),
        "webp-lossy.webp": encode(".webp", colour, [cv2.IMWRITE_WEBP_QUALITY, 50]),
        "webp-lossless.webp": encode(".webp", rgba, [cv2.IMWRITE_WEBP_QUALITY, 101]),
        "bmp-colour.bmp": encode(".bmp", colour[:4, :4]),
        "bmp-rgba.bmp": encode(".bmp", rgba[:3, :3]),
        "tiff-colour.tif": encode(".tiff", colour[:4, :4]),
        "tiff-grey.tif": encode(".tiff", grey),
        "pgm-grey.pgm": encode(".pgm", grey),
        "ppm-colour.ppm": encode(".ppm", colour[:3, :3]),
        "ppm-ascii.ppm": b"P3\n# tiny\n2 1\n255\n255 0 0 0 255 0\n",
        "gif-1x1.gif": bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp) / "in.png"
        cv2.imwrite(str(src), colour)
        out = pathlib.Path(tmp) / "out.heic"
        if shutil.which("heif-enc"):
            subprocess.run(["heif-enc", "-q", "10", "-o", str(out), str(src)], check=True, capture_output=True)
            seeds["heic-colour.heic"] = out.read_bytes()
    return seeds


def exif_blocks():
    return {
        "orientation6-le.tiff": tiff_exif(6),
        "orientation3-be.tiff": tiff_exif(3, big_endian=True),
        "date-only.tiff": tiff_exif(None),
        "blank-date.tiff": tiff_exif(1, date=b"    :  :     :  :  "),
    }


def manifests():
    seeds = {}
    for path in sorted(REPO.glob("plugins/*/manifest.json")) + [REPO / "samples/plugin_example/manifest.json"]:
        name = path.parent.name
        text = json.dumps(json.loads(path.read_text()), separators=(",", ":"))
        if len(text) <= 6000:
            seeds[f"{name}.json"] = text.encode()
    return seeds


def pipelines():
    seeds = {}
    for path in sorted(REPO.glob("samples/*.pipeline.json")):
        seeds[path.name] = json.dumps(json.loads(path.read_text()), separators=(",", ":")).encode()
    seeds["all-steps.json"] = json.dumps({
        "version": 1, "name": "x", "project": "p",
        "steps": [{"run": r} for r in ["stats", "dupes", "quality", "report", "audit", "split"]]
        + [{"run": "ingest", "params": {"path": "in", "map": {"a": "b"}, "layout": "auto"}},
           {"run": "export", "capability": "hdf5", "output": "o.h5", "split": "train"},
           {"run": "train", "params": {"dataset": "d.h5"}}],
    }, separators=(",", ":")).encode()
    return seeds


def hdf5_datasets():
    import h5py

    def write(rows, size, channels, compress=False, hashes=True, classes=("cat", "dog")):
        buffer = io.BytesIO()
        with h5py.File(buffer, "w", libver="latest") as f:
            f.attrs["format"] = "winnow-dataset"
            f.attrs["format_version"] = np.int32(1)
            f.attrs["fit"] = "letterbox"
            f.attrs["winnow"] = json.dumps({"images": {"kind": "face_crops", "detector": "haar"}})
            pixels = (np.arange(rows * size * size * channels) % 251).astype(np.uint8)
            kwargs = {"compression": "gzip", "shuffle": True, "chunks": True} if compress else {}
            f.create_dataset("images", data=pixels.reshape(rows, size, size, channels), **kwargs)
            f.create_dataset("labels", data=np.array([i % (len(classes) + 1) - 1 for i in range(rows)], np.int32))
            f.create_dataset("split", data=np.array([i % 4 for i in range(rows)], np.uint8))
            text = h5py.string_dtype("utf-8")
            f.create_dataset("class_names", data=list(classes), dtype=text)
            f.create_dataset("provenance/sample_id", data=np.arange(rows, dtype=np.int64))
            f.create_dataset("provenance/original_path", data=[f"/p/{i}.jpg" for i in range(rows)], dtype=text)
            f.create_dataset("provenance/source", data=["s"] * rows, dtype=text)
            if hashes:
                f.create_dataset("provenance/content_hash", data=["h%d" % i for i in range(rows)], dtype=text)
        return buffer.getvalue()

    return {
        "rgb.h5": write(3, 2, 3),
        "grey-gzip.h5": write(2, 2, 1, compress=True, hashes=False, classes=("a",)),
    }


def state_dicts():
    import torch

    def saved(obj, zipfile=True):
        buffer = io.BytesIO()
        torch.save(obj, buffer, _use_new_zipfile_serialization=zipfile)
        return buffer.getvalue()

    torch.manual_seed(0)
    layer = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 1), torch.nn.BatchNorm2d(2))
    ordered = layer.state_dict()  # OrderedDict with _metadata, as torchvision's files
    plain = {"w": torch.arange(6, dtype=torch.float16).reshape(2, 3), "n": torch.tensor([1, 2], dtype=torch.int64),
             "view": torch.arange(8, dtype=torch.float32)[2:6:2]}
    return {
        "ordered-zip.pth": saved(ordered),
        "ordered-legacy.pth": saved(ordered, zipfile=False),
        "plain-zip.pth": saved(plain),
        "plain-legacy.pth": saved(plain, zipfile=False),
    }


def main():
    groups = {
        "header_scan": images,
        "image_decode": images,
        "exif": exif_blocks,
        "manifest": manifests,
        "pipeline": pipelines,
        "hdf5_dataset": hdf5_datasets,
        "pth": state_dicts,
    }
    wanted = sys.argv[1:] or list(groups)
    for target in wanted:
        for old in (CORPUS / target).glob("seed-*"):
            old.unlink()
        for name, data in groups[target]().items():
            put(target, name, data)
        # The EXIF fuzzer also starts from the EXIF blocks inside the image seeds.
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"corpus: {sum(1 for p in CORPUS.rglob('*') if p.is_file())} files, {total} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Reference for bench/haar_vs_python.sh: winnow's Haar face detection (core/faces/src/faces/face_detection.cpp
decode + plugins/detector_haar with its manifest defaults) redone step by step with python3-opencv.

Per image: read the bytes; JPEGs at least twice max_decode_side on their longest side are decoded
reduced by 2, 4 or 8 in libjpeg (IMREAD_REDUCED_COLOR_*); BGR -> RGB (winnow hands RGB to the
detector); EXIF orientation applied (here by OpenCV, in winnow by its own EXIF reader). Then the
detector: RGB -> grey, shrunk with INTER_AREA to at most max_side, equalizeHist, detectMultiScale
with min size max(12, min_face_fraction * shorter side); if nothing is found, the rotation sweep
(+15, -15, +30, ... up to 45 degrees, warpAffine with BORDER_REPLICATE) until a rotation finds faces,
boxes mapped back; min_score filter; boxes scaled back to the original frame and sorted.

usage: /usr/bin/python3 bench/haar_reference.py [--jobs N] [--cv-threads N] [--list FILE] [FILE|FOLDER...]
Prints one JSON document: count, seconds (processing only: after imports and cascade loading),
images_per_second, jobs, cv_threads and faces (file -> face count).
"""
import argparse
import json
import math
import multiprocessing
import os
import sys
import time

import cv2
import numpy as np

CASCADE = '/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml'
P = dict(scale_factor=1.1, min_neighbors=5, min_face_fraction=0.08, max_side=640,
         rotation_step_degrees=15.0, rotation_max_degrees=45.0, min_score=0.0, max_decode_side=1024)
REDUCED = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}
cascade = None


def jpeg_size(data):
    """(width, height) from a JPEG's SOF marker, or None (not a JPEG)."""
    if data[:3] != b'\xff\xd8\xff':
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], 'big')
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7:i + 9], 'big'), int.from_bytes(data[i + 5:i + 7], 'big')
        i += 2 + length
    return None


def decode(path):
    data = np.fromfile(path, dtype=np.uint8)
    flags = cv2.IMREAD_COLOR  # without IMREAD_IGNORE_ORIENTATION: OpenCV applies EXIF orientation
    size = jpeg_size(data[:65536].tobytes())
    if size:
        scale, longest = 1, max(size)
        while scale < 8 and longest // (scale * 2) >= P['max_decode_side']:
            scale *= 2
        flags |= REDUCED.get(scale, 0)
    bgr = cv2.imdecode(data, flags)
    if bgr is None:
        raise RuntimeError(f'{path}: cannot decode')
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def detect_upright(grey, min_side):
    m = max(12, int(min_side))
    boxes, neighbours = cascade.detectMultiScale2(grey, P['scale_factor'], P['min_neighbors'], 0, (m, m))
    n = P['min_neighbors']
    return [[list(map(float, b)), 1.0 - math.exp(-float(v) * math.log(2.0) / n), 0.0]
            for b, v in zip(boxes, neighbours)]


def detect(rgb):
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    scale = min(1.0, P['max_side'] / max(grey.shape))
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    grey = cv2.equalizeHist(grey)
    h, w = grey.shape
    min_side = P['min_face_fraction'] * min(w, h)
    faces = detect_upright(grey, min_side)
    magnitude = P['rotation_step_degrees']
    while not faces and P['rotation_max_degrees'] > 0 and magnitude <= P['rotation_max_degrees'] + 1e-6:
        for angle in (magnitude, -magnitude):
            rotation = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0)
            rotated = cv2.warpAffine(grey, rotation, (w, h), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_REPLICATE)
            inverse = cv2.invertAffineTransform(rotation)
            for (x, y, bw, bh), score, _ in detect_upright(rotated, min_side):
                corners = np.array([[[x, y], [x + bw, y], [x + bw, y + bh], [x, y + bh]]], np.float32)
                bx, by, cw, ch = cv2.boundingRect(cv2.transform(corners, inverse))
                cx, cy = bx + cw / 2, by + ch / 2
                faces.append([[cx - bw / 2, cy - bh / 2, bw, bh], score, angle])
            if faces:
                break
        magnitude += P['rotation_step_degrees']
    kept = [[[v / scale for v in box], score, angle] for box, score, angle in faces if score >= P['min_score']]
    kept.sort(key=lambda f: (-f[1], -f[0][2] * f[0][3]))
    return kept


def init(cv_threads):
    global cascade
    if cv_threads is not None:
        cv2.setNumThreads(cv_threads)
    cascade = cv2.CascadeClassifier(CASCADE)
    if cascade.empty():
        raise RuntimeError(f'cannot load Haar cascade {CASCADE}')


def process(path):
    return path, len(detect(decode(path)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--jobs', type=int, default=1, help='worker processes (1: this process)')
    parser.add_argument('--cv-threads', type=int, default=None,
                        help="cv2.setNumThreads in each process (default: OpenCV's, one per core)")
    parser.add_argument('--list', help='file with one image path a line (added to the inputs)')
    parser.add_argument('inputs', nargs='*')
    a = parser.parse_args()
    files = [line.rstrip('\n') for line in open(a.list) if line.strip()] if a.list else []
    for item in a.inputs:
        if os.path.isdir(item):
            files += sorted(os.path.join(item, f) for f in os.listdir(item)
                            if f.lower().endswith(('.jpg', '.jpeg', '.png', '.bmp', '.webp')))
        else:
            files.append(item)
    init(a.cv_threads)
    if a.jobs > 1:
        pool = multiprocessing.get_context('fork').Pool(a.jobs, init, (a.cv_threads,))
        pool.map(int, range(a.jobs))  # workers started and their cascades loaded before timing
        start = time.perf_counter()
        results = pool.map(process, files, chunksize=8)
        seconds = time.perf_counter() - start
        pool.close()
    else:
        start = time.perf_counter()
        results = [process(f) for f in files]
        seconds = time.perf_counter() - start
    json.dump({'count': len(files), 'seconds': seconds, 'images_per_second': len(files) / seconds,
               'jobs': a.jobs, 'cv_threads': cv2.getNumThreads(), 'faces': dict(results)}, sys.stdout)
    print()


if __name__ == '__main__':
    main()

#!/usr/bin/env node
// Reference runs of @vladmandic/face-api in Node.js, for winnow's parity test and benchmarks.
//
//   node scripts/faceapi_reference.js --deps <dir with node_modules> --backend cpu|wasm \
//        --job job.json --out result.json [--mode parity|bench-ssd|bench-embed]
//
// job.json: {"images": [{"name": ..., "rgb": "<raw RGB file>", "width": W, "height": H}, ...]}
// Images arrive as raw RGB bytes, so face-api and winnow see exactly the same pixels.
// parity: per image, SSD detections (score > 0.5); per face, the integer crop the landmark net saw
//   (face-api's extractFaceTensors of the box) with landmarks in that crop's pixels, then the
//   aligned box (landmarks.align(), clipped) and the 128-d descriptor of that crop.
// bench-ssd / bench-embed: images/s of detection / of descriptors (on each whole image).
'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

function args() {
  const out = { backend: 'wasm', mode: 'parity' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const key of ['deps', 'job', 'out']) {
    if (!out[key]) { console.error(`faceapi_reference: missing --${key}`); process.exit(2); }
  }
  return out;
}

async function main() {
  const opt = args();
  const req = createRequire(path.join(path.resolve(opt.deps), 'package.json'));
  const faceapi = req('@vladmandic/face-api/dist/face-api.node-wasm.js');
  const tf = faceapi.tf;
  await tf.setBackend(opt.backend);
  await tf.ready();
  const modelDir = path.join(path.dirname(req.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const job = JSON.parse(fs.readFileSync(opt.job, 'utf8'));
  const load = (img) => tf.tensor3d(new Uint8Array(fs.readFileSync(img.rgb)), [img.height, img.width, 3], 'int32');
  const result = { backend: tf.getBackend(), face_api: faceapi.version, images: [] };

  if (opt.mode === 'bench-ssd' || opt.mode === 'bench-embed') {
    const tensors = job.images.map(load);
    const run = async (t) => {
      if (opt.mode === 'bench-ssd') return faceapi.nets.ssdMobilenetv1.locateFaces(t, { minConfidence: 0.5 });
      return faceapi.nets.faceRecognitionNet.computeFaceDescriptor(t);
    };
    await run(tensors[0]);  // warm-up: kernels compiled, weights uploaded
    const start = process.hrtime.bigint();
    let faces = 0;
    for (const t of tensors) {
      const r = await run(t);
      faces += Array.isArray(r) ? r.length : 1;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    result.mode = opt.mode;
    result.count = tensors.length;
    result.seconds = seconds;
    result.images_per_second = tensors.length / seconds;
    result.outputs = faces;
    tensors.forEach((t) => t.dispose());
  } else {
    for (const img of job.images) {
      const image = load(img);
      const detections = await faceapi.nets.ssdMobilenetv1.locateFaces(image, { minConfidence: 0.5, maxResults: 100 });
      const entry = { name: img.name, detections: [], faces: [] };
      for (const d of detections) {
        const b = d.box;
        entry.detections.push({ x: b.x, y: b.y, width: b.width, height: b.height, score: d.score });
        const crop = b.clipAtImageBorders(img.width, img.height);
        if (crop.width <= 0 || crop.height <= 0) continue;
        const cropTensor = tf.slice3d(image, [crop.y, crop.x, 0], [crop.height, crop.width, 3]);
        const landmarks = await faceapi.nets.faceLandmark68Net.detectLandmarks(cropTensor);
        cropTensor.dispose();
        const aligned = landmarks.shiftBy(crop.x, crop.y).align().clipAtImageBorders(img.width, img.height);
        const alignedTensor = tf.slice3d(image, [aligned.y, aligned.x, 0], [aligned.height, aligned.width, 3]);
        const descriptor = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(alignedTensor);
        alignedTensor.dispose();
        entry.faces.push({
          crop: { x: crop.x, y: crop.y, width: crop.width, height: crop.height },
          landmarks: landmarks.positions.flatMap((p) => [p.x, p.y]),
          aligned: { x: aligned.x, y: aligned.y, width: aligned.width, height: aligned.height },
          descriptor: Array.from(descriptor),
        });
      }
      image.dispose();
      result.images.push(entry);
    }
  }
  const tmp = `${opt.out}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(result));
  fs.renameSync(tmp, opt.out);
}

main().catch((e) => { console.error(`faceapi_reference: ${e.stack || e}`); process.exit(1); });

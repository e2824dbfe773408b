// Writes the built-in demo dataset under <out>/ (see samples/README.md):
//   studio/{circle,square}/      64x64 PNG, source 1
//   field/{round,box}/           160x120 JPEG, source 2 with its own class names
//                                (mapped round=circle, box=square by the demo pipeline),
//                                one exact duplicate and three near-duplicates (re-shot) of studio
//                                images, a studio circle filed as a box (a label conflict), a blurred and a dark square, one truncated JPEG,
//                                one file that is not an image, and a short video of a circle.
//   kaggle/images/ + kaggle/train.csv  a flat folder of 96x96 JPEGs named by id, labelled only
//                                in a Kaggle-style CSV (id,label, ids without extension); one row
//                                names a file that is not there, one file has no row.
// Deterministic for a given seed, so the demo's numbers are the same on every machine.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

enum class Shape { Invalid = 0, Circle, Square };

cv::Mat drawShape(Shape shape, int width, int height, cv::RNG& rng) {
  cv::Mat image(height, width, CV_8UC3,
                cv::Scalar(rng.uniform(0, 90), rng.uniform(0, 90), rng.uniform(0, 90)));
  for (int i = 0; i < 6; ++i) {  // background clutter so images differ in more than the shape
    cv::line(image, {rng.uniform(0, width), rng.uniform(0, height)},
             {rng.uniform(0, width), rng.uniform(0, height)},
             cv::Scalar(rng.uniform(0, 120), rng.uniform(0, 120), rng.uniform(0, 120)), 1,
             cv::LINE_AA);
  }
  const int side = std::min(width, height);
  const int size = rng.uniform(side / 5, side / 3);
  const cv::Point center(rng.uniform(size, width - size), rng.uniform(size, height - size));
  const cv::Scalar color(rng.uniform(140, 256), rng.uniform(140, 256), rng.uniform(140, 256));
  if (shape == Shape::Circle) {
    cv::circle(image, center, size, color, cv::FILLED, cv::LINE_AA);
  } else {
    const cv::RotatedRect box(center, cv::Size2f(2.0f * size, 2.0f * size),
                              static_cast<float>(rng.uniform(-20, 20)));
    cv::Point2f corners[4];
    box.points(corners);
    std::vector<cv::Point> polygon(corners, corners + 4);
    cv::fillConvexPoly(image, polygon, color, cv::LINE_AA);
  }
  return image;
}

bool writeImage(const fs::path& path, const cv::Mat& image) {
  fs::create_directories(path.parent_path());
  if (!cv::imwrite(path.string(), image)) {
    std::cerr << path.string() << ": cannot write\n";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: winnow_sample_data <output-folder>\n";
    return 2;
  }
  const fs::path out = argv[1];
  fs::remove_all(out);
  cv::RNG rng(20261123);
  int written = 0;
  const int perClass = 24;
  for (int i = 0; i < perClass; ++i) {
    written += writeImage(out / "studio/circle" / ("c" + std::to_string(i) + ".png"),
                          drawShape(Shape::Circle, 64, 64, rng));
    written += writeImage(out / "studio/square" / ("s" + std::to_string(i) + ".png"),
                          drawShape(Shape::Square, 64, 64, rng));
  }
  for (int i = 0; i < perClass / 2; ++i) {
    written += writeImage(out / "field/round" / ("round " + std::to_string(i) + ".jpg"),
                          drawShape(Shape::Circle, 160, 120, rng));
    written += writeImage(out / "field/box" / ("box_" + std::to_string(i) + ".jpg"),
                          drawShape(Shape::Square, 160, 120, rng));
  }
  // Near-duplicates across sources: three studio circles re-saved by "another camera"
  // (enlarged to 128 px, JPEG quality 70). The demo's dupes step must cluster each with its original.
  for (int i = 1; i <= 3; ++i) {
    cv::Mat original = cv::imread((out / "studio/circle" / ("c" + std::to_string(i) + ".png")).string());
    cv::Mat enlarged;
    cv::resize(original, enlarged, cv::Size(128, 128), 0, 0, cv::INTER_CUBIC);
    cv::imwrite((out / "field/round" / ("reshot " + std::to_string(i) + ".jpg")).string(), enlarged,
                {cv::IMWRITE_JPEG_QUALITY, 70});
    ++written;
  }
  // A label conflict: studio circle c4 re-saved into field/box (a square's folder). It is a
  // near-duplicate of c4 under another label: dupes must keep both and report the conflict.
  {
    cv::Mat original = cv::imread((out / "studio/circle/c4.png").string());
    cv::Mat enlarged;
    cv::resize(original, enlarged, cv::Size(96, 96), 0, 0, cv::INTER_CUBIC);
    cv::imwrite((out / "field/box/box_from_c4.jpg").string(), enlarged, {cv::IMWRITE_JPEG_QUALITY, 80});
    ++written;
  }
  // Quality problems the quality step must flag: a blurred and an underexposed square.
  {
    cv::Mat blurred = drawShape(Shape::Square, 64, 64, rng);
    cv::GaussianBlur(blurred, blurred, cv::Size(0, 0), 4.0);
    written += writeImage(out / "studio/square/blurred.png", blurred);
    cv::Mat dark = drawShape(Shape::Square, 64, 64, rng) * 0.12;
    written += writeImage(out / "studio/square/underexposed.png", dark);
  }
  // An exact duplicate across sources: the demo must record it, not ingest it twice.
  fs::copy_file(out / "studio/circle/c0.png", out / "field/round/copy of c0.png");
  // A corrupt file: a JPEG cut in half.
  {
    std::ifstream in(out / "field/box/box_0.jpg", std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream cut(out / "field/box/box_truncated.jpg", std::ios::binary);
    cut.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  // Not an image at all, with an image's name.
  std::ofstream(out / "field/round/notes.jpg") << "this is a text file, not a JPEG\n";
  // A 3-second video of a moving circle at 10 fps; the demo samples it at 1 frame per second.
  {
    const fs::path videoPath = out / "field/round/rolling ball.avi";
    cv::VideoWriter writer(videoPath.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10.0,
                           cv::Size(160, 120));
    if (!writer.isOpened()) {
      std::cerr << videoPath.string() << ": cannot write video (OpenCV without a video writer)\n";
      return 1;
    }
    for (int frame = 0; frame < 30; ++frame) {
      cv::Mat image(120, 160, CV_8UC3, cv::Scalar(30, 40, 50));
      cv::circle(image, {20 + frame * 4, 60}, 18, cv::Scalar(60, 200, 240), cv::FILLED, cv::LINE_AA);
      writer.write(image);
    }
  }
  // Kaggle-style: labels in a CSV, not in folder names.
  {
    fs::create_directories(out / "kaggle/images");
    std::ofstream csv(out / "kaggle/train.csv");
    csv << "id,label\n";
    for (int i = 0; i < 10; ++i) {
      const bool circle = i % 2 == 0;
      const std::string id = "k" + std::to_string(1000 + i);
      written += writeImage(out / "kaggle/images" / (id + ".jpg"),
                            drawShape(circle ? Shape::Circle : Shape::Square, 96, 96, rng));
      csv << id << "," << (circle ? "circle" : "square") << "\n";
    }
    csv << "k2000,circle\n";  // no such file
    written += writeImage(out / "kaggle/images/k3000.jpg", drawShape(Shape::Square, 96, 96, rng));  // no row
  }
  std::cout << "wrote " << written << " images, 1 duplicate, 1 truncated JPEG, 1 non-image and "
            << "1 video to " << out.string() << "\n";
  return 0;
}

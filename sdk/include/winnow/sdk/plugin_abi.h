/* winnow plugin C ABI.
 *
 * The only thing that crosses between the winnow host and a plugin library. Plain C: no
 * exceptions, no STL, no OpenCV or Torch types. Rules:
 *  - The ABI version must match exactly (WINNOW_PLUGIN_ABI_VERSION). The API level is additive:
 *    a host of level N loads plugins of level <= N; a plugin that needs a newer host is refused.
 *  - Every struct starts with `struct_size`; fields are only ever appended. Readers check
 *    struct_size before touching a field that was added after level 1.
 *  - Every call returns a winnow_status. On failure the plugin reports a one-line message through
 *    the winnow_error_sink it was given. Strings handed to the host are UTF-8, NUL-terminated, and
 *    only need to live until the call returns (the host copies them).
 *  - Objects a plugin creates are destroyed by the same plugin's destroy(); the host keeps the
 *    library loaded for as long as any object from it is alive.
 */
#ifndef WINNOW_SDK_PLUGIN_ABI_H
#define WINNOW_SDK_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WINNOW_PLUGIN_ABI_VERSION 1u
#define WINNOW_PLUGIN_API_LEVEL 4u

/* Name of the one symbol a plugin library exports (see winnow_plugin_init_v1_fn). */
#define WINNOW_PLUGIN_ENTRY_POINT "winnow_plugin_init_v1"

#if defined(_WIN32)
#define WINNOW_PLUGIN_EXPORT __declspec(dllexport)
#else
#define WINNOW_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

typedef enum winnow_status {
  WINNOW_STATUS_OK = 0,
  WINNOW_STATUS_ERROR = 1,            /* generic failure; message in the error sink */
  WINNOW_STATUS_INVALID_ARGUMENT = 2, /* bad parameters or input */
  WINNOW_STATUS_CANCELLED = 3,        /* the host asked to stop */
  WINNOW_STATUS_UNSUPPORTED = 4       /* the input is of a kind this capability does not handle */
} winnow_status;

typedef enum winnow_capability_kind {
  WINNOW_CAPABILITY_KIND_INVALID = 0,
  WINNOW_CAPABILITY_KIND_DETECTOR = 1,
  WINNOW_CAPABILITY_KIND_AUGMENTER = 2,
  WINNOW_CAPABILITY_KIND_BALANCER = 3,
  WINNOW_CAPABILITY_KIND_MODEL = 4,
  WINNOW_CAPABILITY_KIND_EXPORTER = 5
} winnow_capability_kind;

typedef enum winnow_log_level {
  WINNOW_LOG_LEVEL_INVALID = 0,
  WINNOW_LOG_LEVEL_DEBUG = 1,
  WINNOW_LOG_LEVEL_INFO = 2,
  WINNOW_LOG_LEVEL_WARNING = 3,
  WINNOW_LOG_LEVEL_ERROR = 4
} winnow_log_level;

/* Channel order of an image view. Host images are always 8-bit, interleaved. */
typedef enum winnow_pixel_format {
  WINNOW_PIXEL_FORMAT_INVALID = 0,
  WINNOW_PIXEL_FORMAT_GRAY8 = 1,
  WINNOW_PIXEL_FORMAT_RGB8 = 2,
  WINNOW_PIXEL_FORMAT_RGBA8 = 3
} winnow_pixel_format;

/* A borrowed view of 8-bit interleaved pixels, already EXIF-oriented. Valid only during the call
 * it is passed to. Row r starts at data + r * stride_bytes. */
typedef struct winnow_image_view {
  uint32_t struct_size;
  winnow_pixel_format format;
  int32_t width;
  int32_t height;
  int32_t channels; /* 1, 3 or 4, consistent with format */
  int64_t stride_bytes;
  const uint8_t* data;
} winnow_image_view;

/* Where a plugin reports a failure message. set_error may be called at most once per call. */
typedef struct winnow_error_sink {
  void* context;
  void (*set_error)(void* context, const char* message);
} winnow_error_sink;

/* Services the host offers to plugins. Valid from init until the library is unloaded.
 * Thread safety: log and is_cancelled may be called from any thread. */
typedef struct winnow_host_api {
  uint32_t struct_size;
  uint32_t api_level;
  void* context;
  void (*log)(void* context, winnow_log_level level, const char* message);
  /* Non-zero once the user asked to cancel the current job; long calls should poll it. */
  int32_t (*is_cancelled)(void* context);
} winnow_host_api;

/* ---- exporter ------------------------------------------------------------------------------ */

typedef struct winnow_export_begin_info {
  uint32_t struct_size;
  const char* output_path;   /* file or folder the exporter must create; it may not exist yet */
  uint64_t sample_count;     /* exact number of write_sample calls that follow */
  uint32_t class_count;
  const char* const* class_names; /* class_count entries, index = label index */
  const char* pipeline_config_json; /* config that produced the data ("{}" if none) */
  const char* project_info_json;    /* project name, store path, winnow version, time */
} winnow_export_begin_info;

typedef struct winnow_export_sample {
  uint32_t struct_size;
  int64_t sample_id;
  int32_t label_index;      /* -1 when the sample has no label */
  const char* label;        /* "" when unlabelled */
  const char* split;        /* "train", "val", "test" or "" (unassigned) */
  const char* source;
  const char* original_label;
  const char* original_path;
  const char* content_hash;
  const char* file_extension; /* of the original, lower case with dot, e.g. ".jpg" */
  winnow_image_view image;  /* decoded, EXIF-oriented pixels */
  const uint8_t* encoded_bytes; /* the original file's bytes (may be NULL for derived frames) */
  uint64_t encoded_size;
  /* Appended (readers check struct_size >= offsetof(winnow_export_sample, parent_sample_id) +
   * sizeof(int64_t) before reading them; older hosts do not send them): */
  uint8_t augmented;         /* 1 = a synthetic child made by `winnow balance`, 0 = a real sample */
  int64_t parent_sample_id;  /* the augmented child's parent sample id; -1 when none */
} winnow_export_sample;

/* Exporter contract (the host's ExporterSession keeps it; winnow::sdk::exporterCapability holds a
 * plugin to it): begin once, then write_sample until sample_count samples were accepted, in a
 * stable order, then finish, which must make the output appear atomically; or abort at any point
 * after begin, which must leave nothing behind.
 * - write_sample returning WINNOW_STATUS_INVALID_ARGUMENT refused that one sample (bad arguments:
 *   null, struct_size, image view, label index, split): it does not count and the export goes on.
 * - Any other failure of write_sample, and any failure of begin or finish, ends the export: the
 *   host then calls only abort (the plugin may already have removed its partial output).
 * - Calls out of this order or beyond the announced count are refused with
 *   WINNOW_STATUS_INVALID_ARGUMENT ("write_sample outside begin/finish", "more samples than the N
 *   announced in begin", "finish after M samples but begin announced N"); null and struct_size
 *   checks of the arguments come first.
 * - abort is called at most once, and never after a successful finish. */
typedef struct winnow_exporter_ops {
  uint32_t struct_size;
  winnow_status (*begin)(void* instance, const winnow_export_begin_info* info,
                         winnow_error_sink error);
  winnow_status (*write_sample)(void* instance, const winnow_export_sample* sample,
                                winnow_error_sink error);
  winnow_status (*finish)(void* instance, winnow_error_sink error);
  void (*abort)(void* instance);
} winnow_exporter_ops;

/* ---- augmenter ----------------------------------------------------------------------------- */

/* Receives the augmented image; the host copies the pixels before returning. */
typedef struct winnow_image_sink {
  void* context;
  winnow_status (*put)(void* context, const winnow_image_view* image);
} winnow_image_sink;

/* Augmenter contract: deterministic for (input, params, seed). */
typedef struct winnow_augmenter_ops {
  uint32_t struct_size;
  winnow_status (*apply)(void* instance, const winnow_image_view* input, uint64_t seed,
                         winnow_image_sink output, winnow_error_sink error);
} winnow_augmenter_ops;

/* ---- detector ------------------------------------------------------------------------------ */

typedef struct winnow_face_box {
  uint32_t struct_size;
  float x, y, width, height; /* pixels in the input image's frame */
  float score;               /* 0..1 */
  int32_t landmark_count;    /* 0 or the number of (x, y) pairs in landmarks */
  const float* landmarks;
} winnow_face_box;

typedef struct winnow_box_sink {
  void* context;
  void (*put)(void* context, const winnow_face_box* box);
} winnow_box_sink;

typedef struct winnow_detector_ops {
  uint32_t struct_size;
  winnow_status (*detect)(void* instance, const winnow_image_view* input, winnow_box_sink output,
                          winnow_error_sink error);
} winnow_detector_ops;

/* ---- balancer (API level 2) ----------------------------------------------------------------- */

/* One class as the balancer sees it: its active samples, optionally with a feature vector each
 * (e.g. perceptual-hash bits or an embedding) for diversity-aware undersampling. */
typedef struct winnow_balance_class {
  uint32_t struct_size;
  const char* name;
  uint64_t sample_count;
  const int64_t* sample_ids;  /* sample_count entries */
  uint32_t feature_dim;       /* 0 when no features are given */
  const float* features;      /* sample_count x feature_dim, row-major, or NULL */
} winnow_balance_class;

typedef struct winnow_balance_input {
  uint32_t struct_size;
  uint32_t class_count;
  const winnow_balance_class* classes;
  uint64_t seed;
} winnow_balance_input;

typedef enum winnow_balance_action {
  WINNOW_BALANCE_ACTION_INVALID = 0,
  WINNOW_BALANCE_ACTION_KEEP = 1,        /* leave the class as it is */
  WINNOW_BALANCE_ACTION_UNDERSAMPLE = 2, /* keep exactly the listed sample ids */
  WINNOW_BALANCE_ACTION_OVERSAMPLE = 3,  /* the listed ids, repeats allowed, make up target_count */
  WINNOW_BALANCE_ACTION_AUGMENT = 4      /* add target_count - sample_count augmented children of the
                                            listed parent ids (repeats allowed, one per child) */
} winnow_balance_action;

typedef struct winnow_balance_class_plan {
  uint32_t struct_size;
  const char* class_name;
  winnow_balance_action action;
  uint64_t target_count;
  uint64_t sample_id_count;
  const int64_t* sample_ids; /* see winnow_balance_action */
  float loss_weight;         /* class weight for a weighted loss; 1 = neutral */
} winnow_balance_class_plan;

typedef struct winnow_balance_plan_sink {
  void* context;
  winnow_status (*put)(void* context, const winnow_balance_class_plan* plan);
} winnow_balance_plan_sink;

/* Balancer contract: exactly one plan per input class, deterministic for (input, params, seed). */
typedef struct winnow_balancer_ops {
  uint32_t struct_size;
  winnow_status (*plan)(void* instance, const winnow_balance_input* input,
                        winnow_balance_plan_sink output, winnow_error_sink error);
} winnow_balancer_ops;

/* ---- model: embedding (API level 3), training and classification (API level 4) ------------- */

/* Receives one UTF-8 text (e.g. a JSON document); the host copies it before returning. */
typedef struct winnow_text_sink {
  void* context;
  void (*put)(void* context, const char* text);
} winnow_text_sink;

/* Progress of a long call: `report` with work done out of total (any unit) and a short stage
 * label; `line` with one finished step for people (e.g. an epoch's metrics). Either may be called
 * from the calling thread only. */
typedef struct winnow_progress_sink {
  void* context;
  void (*report)(void* context, uint64_t done, uint64_t total, const char* stage);
  void (*line)(void* context, const char* text);
} winnow_progress_sink;


/* A model capability that maps images (e.g. aligned face crops) to fixed-length float vectors,
 * such as 128-d face descriptors. Ops may be appended at later levels (training, prediction). */
typedef struct winnow_model_ops {
  uint32_t struct_size;
  /* Length of every vector this instance produces; 0 when it does not embed. */
  uint32_t (*embedding_dim)(void* instance);
  /* Embeds `count` images into `out`: count x embedding_dim floats, row-major, allocated by the
   * host. All-or-nothing: on failure the contents of `out` are unspecified. */
  winnow_status (*embed)(void* instance, const winnow_image_view* images, uint32_t count, float* out,
                         winnow_error_sink error);

  /* ---- API level 4: training, evaluation, classification. Any may be NULL (not supported);
   * readers check struct_size >= WINNOW_MODEL_OPS_LEVEL4_SIZE first. ---- */

  /* Trains on a winnow HDF5 dataset. request_json: {"dataset": path, "run_dir": path,
   * "resume": bool}; the instance's params are the training configuration. Long: polls the host's
   * is_cancelled (then returns WINNOW_STATUS_CANCELLED, keeping the last checkpoint). On success
   * puts the run summary (JSON object text) into `result` once. */
  winnow_status (*train)(void* instance, const char* request_json, winnow_progress_sink progress,
                         winnow_text_sink result, winnow_error_sink error);
  /* Scores a model file on a dataset file. request_json: {"model", "dataset", "output_dir",
   * "split"}. Puts the report (JSON object text) into `result` once. */
  winnow_status (*evaluate)(void* instance, const char* request_json, winnow_progress_sink progress,
                            winnow_text_sink result, winnow_error_sink error);
  /* Loads a model file into the instance for classify(); puts its description (JSON object text:
   * class_names, preprocessing, architecture, training) into `description` once. */
  winnow_status (*load_model)(void* instance, const char* model_path, winnow_text_sink description,
                              winnow_error_sink error);
  /* Class probabilities of `count` images into out (count x class_count floats, row-major,
   * out_count = the host's capacity in floats). Needs a prior load_model. */
  winnow_status (*classify)(void* instance, const winnow_image_view* images, uint32_t count,
                            float* out, uint64_t out_count, winnow_error_sink error);
} winnow_model_ops;

/* Size of winnow_model_ops as API level 3 defined it (embedding only). */
#define WINNOW_MODEL_OPS_LEVEL3_SIZE (offsetof(winnow_model_ops, embed) + sizeof(void*))
#define WINNOW_MODEL_OPS_LEVEL4_SIZE (offsetof(winnow_model_ops, classify) + sizeof(void*))

/* ---- capabilities and the entry point ------------------------------------------------------ */

typedef struct winnow_capability {
  uint32_t struct_size;
  winnow_capability_kind kind;
  const char* id; /* unique within the plugin; must match the manifest */
  /* Create an instance from parameters (JSON object text, already validated by the host against
   * the capability's schema in the manifest). On failure returns non-OK, reports through error,
   * and leaves *out_instance NULL. */
  winnow_status (*create)(const char* params_json, const winnow_host_api* host, void** out_instance,
                          winnow_error_sink error);
  void (*destroy)(void* instance);
  /* Kind-specific operations: winnow_exporter_ops*, winnow_augmenter_ops*, winnow_detector_ops*,
   * winnow_balancer_ops* (API level 2), winnow_model_ops* (API level 3). */
  const void* ops;
} winnow_capability;

typedef struct winnow_plugin_info {
  uint32_t struct_size;
  uint32_t abi_version; /* WINNOW_PLUGIN_ABI_VERSION the plugin was built with */
  uint32_t api_level;   /* the plugin API level it needs: its manifest's "api_level" (at most the
                         * WINNOW_PLUGIN_API_LEVEL it was built with); a host below it refuses it */
  const char* plugin_id;
  const char* version;
  uint32_t capability_count;
  const winnow_capability* capabilities;
} winnow_plugin_info;

/* The entry point. Returns a static table that stays valid while the library is loaded, or NULL
 * on failure (with a message through error). Called once per load. */
typedef const winnow_plugin_info* (*winnow_plugin_init_v1_fn)(const winnow_host_api* host,
                                                              winnow_error_sink error);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WINNOW_SDK_PLUGIN_ABI_H */

// Schema migrations of the project store. Entry i (0-based) upgrades schema version i to i + 1.
// Append only: a released migration is never edited, so every existing project can be upgraded.
#pragma once

#include <vector>

namespace winnow::store {

inline const std::vector<const char*>& schemaMigrations() {
  static const std::vector<const char*> migrations = {
      // 1: sources, samples, duplicates, bad files, decisions, runs.
      R"SQL(
CREATE TABLE sources(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  root_path TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at TEXT NOT NULL);

CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  command TEXT NOT NULL,
  parameters_json TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  outcome TEXT NOT NULL CHECK(outcome IN ('running','ok','failed','cancelled')),
  summary_json TEXT);

CREATE TABLE samples(
  id INTEGER PRIMARY KEY,
  content_hash TEXT NOT NULL UNIQUE,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  original_path TEXT NOT NULL,
  derived_path TEXT NOT NULL DEFAULT '',
  byte_size INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  channels INTEGER NOT NULL,
  format TEXT NOT NULL,
  exif_orientation INTEGER NOT NULL DEFAULT 0,
  has_exif INTEGER NOT NULL DEFAULT 0,
  capture_time TEXT,
  original_label TEXT NOT NULL DEFAULT '',
  label TEXT,
  original_split TEXT NOT NULL DEFAULT '',
  split TEXT NOT NULL DEFAULT '' CHECK(split IN ('','train','val','test')),
  status TEXT NOT NULL DEFAULT 'active',
  video_frame_index INTEGER,
  video_time_s REAL,
  created_at TEXT NOT NULL);
CREATE INDEX samples_source ON samples(source_id);
CREATE INDEX samples_label ON samples(label);
CREATE INDEX samples_path ON samples(original_path);

CREATE TABLE duplicates(
  id INTEGER PRIMARY KEY,
  sample_id INTEGER NOT NULL REFERENCES samples(id),
  source_id INTEGER NOT NULL REFERENCES sources(id),
  path TEXT NOT NULL UNIQUE,
  original_label TEXT NOT NULL DEFAULT '',
  content_hash TEXT NOT NULL,
  run_id INTEGER REFERENCES runs(id),
  recorded_at TEXT NOT NULL);
CREATE INDEX duplicates_sample ON duplicates(sample_id);

CREATE TABLE known_files(
  path TEXT PRIMARY KEY,
  byte_size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  content_hash TEXT NOT NULL);

CREATE TABLE bad_files(
  path TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  run_id INTEGER REFERENCES runs(id),
  recorded_at TEXT NOT NULL);

CREATE TABLE decisions(
  id INTEGER PRIMARY KEY,
  run_id INTEGER REFERENCES runs(id),
  sample_id INTEGER NOT NULL REFERENCES samples(id),
  field TEXT NOT NULL CHECK(field IN ('label','split','status')),
  old_value TEXT,
  new_value TEXT,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL,
  undone_at TEXT,
  undo_of INTEGER REFERENCES decisions(id));
CREATE INDEX decisions_sample ON decisions(sample_id);
)SQL",
      // 2: curation — perceptual hashes, measures, flags, faces, embeddings, duplicate clusters,
      // not-duplicate marks, augmentation lineage, identities.
      R"SQL(
ALTER TABLE samples ADD COLUMN identity TEXT;

CREATE TABLE sample_hashes(
  sample_id INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
  phash INTEGER NOT NULL,
  dhash INTEGER NOT NULL,
  computed_at TEXT NOT NULL);

CREATE TABLE sample_measures(
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY(sample_id, name));
CREATE INDEX sample_measures_name ON sample_measures(name, value);

CREATE TABLE sample_flags(
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  flag TEXT NOT NULL,
  value REAL NOT NULL,
  threshold REAL NOT NULL,
  run_id INTEGER REFERENCES runs(id),
  PRIMARY KEY(sample_id, flag));
CREATE INDEX sample_flags_flag ON sample_flags(flag);

CREATE TABLE faces(
  id INTEGER PRIMARY KEY,
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  detector TEXT NOT NULL,
  params_json TEXT NOT NULL,
  x REAL NOT NULL, y REAL NOT NULL, width REAL NOT NULL, height REAL NOT NULL,
  score REAL NOT NULL,
  landmarks_json TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL);
CREATE INDEX faces_sample ON faces(sample_id, detector);

CREATE TABLE embeddings(
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  extractor TEXT NOT NULL,
  dimension INTEGER NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY(sample_id, extractor));

CREATE TABLE duplicate_clusters(
  id INTEGER PRIMARY KEY,
  method TEXT NOT NULL,
  keeper_sample_id INTEGER NOT NULL REFERENCES samples(id),
  keeper_reason TEXT NOT NULL,
  run_id INTEGER REFERENCES runs(id),
  created_at TEXT NOT NULL);

CREATE TABLE duplicate_cluster_members(
  cluster_id INTEGER NOT NULL REFERENCES duplicate_clusters(id) ON DELETE CASCADE,
  sample_id INTEGER NOT NULL REFERENCES samples(id),
  distance REAL NOT NULL DEFAULT 0,
  PRIMARY KEY(cluster_id, sample_id));
CREATE INDEX duplicate_cluster_members_sample ON duplicate_cluster_members(sample_id);

CREATE TABLE not_duplicate_pairs(
  sample_a INTEGER NOT NULL REFERENCES samples(id),
  sample_b INTEGER NOT NULL REFERENCES samples(id),
  actor TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY(sample_a, sample_b),
  CHECK(sample_a < sample_b));

CREATE TABLE lineage(
  child_sample_id INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
  parent_sample_id INTEGER NOT NULL REFERENCES samples(id),
  augmentation TEXT NOT NULL,
  params_json TEXT NOT NULL,
  seed INTEGER NOT NULL,
  run_id INTEGER REFERENCES runs(id),
  created_at TEXT NOT NULL);
CREATE INDEX lineage_parent ON lineage(parent_sample_id);
)SQL",
      // 3: face crops (derived files, rebuildable) with their geometry and source face.
      R"SQL(
CREATE TABLE face_crops(
  id INTEGER PRIMARY KEY,
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  face_id INTEGER REFERENCES faces(id) ON DELETE SET NULL,
  detector TEXT NOT NULL,
  face_index INTEGER NOT NULL,
  path TEXT NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  centre_x REAL NOT NULL, centre_y REAL NOT NULL,
  side_x REAL NOT NULL, side_y REAL NOT NULL,
  angle_degrees REAL NOT NULL,
  params_json TEXT NOT NULL,
  run_id INTEGER REFERENCES runs(id),
  created_at TEXT NOT NULL,
  UNIQUE(sample_id, detector, face_index));
CREATE INDEX face_crops_detector ON face_crops(detector, sample_id);
)SQL",
      // 4: honest near-duplicates — a cluster may keep several members (one per label, or a
      // diverse set of video frames); clusters whose members carry different labels are label
      // conflicts, resolved by the user (relabel, reject, or keep all = reviewed).
      R"SQL(
ALTER TABLE duplicate_clusters ADD COLUMN label_conflict INTEGER NOT NULL DEFAULT 0;
ALTER TABLE duplicate_cluster_members ADD COLUMN kept INTEGER NOT NULL DEFAULT 0;
ALTER TABLE duplicate_cluster_members ADD COLUMN duplicate_of INTEGER REFERENCES samples(id);
UPDATE duplicate_cluster_members SET kept = 1 WHERE sample_id =
  (SELECT c.keeper_sample_id FROM duplicate_clusters c WHERE c.id = cluster_id);
UPDATE duplicate_cluster_members SET duplicate_of =
  (SELECT c.keeper_sample_id FROM duplicate_clusters c WHERE c.id = cluster_id) WHERE kept = 0;

CREATE TABLE label_conflict_reviews(
  sample_id INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL);
)SQL",
      // 5: assisted labelling — the latest label suggestion per unlabelled sample (proposed, never
      // applied until a person accepts it; winnow/review/suggestions.hpp).
      R"SQL(
CREATE TABLE suggestions(
  sample_id INTEGER PRIMARY KEY REFERENCES samples(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  confidence REAL NOT NULL,
  margin REAL NOT NULL,
  runner_up TEXT NOT NULL DEFAULT '',
  distance REAL NOT NULL,
  review_rank INTEGER NOT NULL,
  extractor TEXT NOT NULL,
  method TEXT NOT NULL,
  run_id INTEGER REFERENCES runs(id),
  created_at TEXT NOT NULL);
CREATE INDEX suggestions_rank ON suggestions(review_rank);
)SQL",
  };
  return migrations;
}

}  // namespace winnow::store

// The image store's tables in the metadata database.
//
// images:  one row per image, keyed by its config digest (Docker's image ID),
//          with the manifest that describes it on this host.
// tags:    full references (docker.io/library/busybox:latest) to the manifest or
//          index they name, and the image that resolves to on this host.
// layers:  for every layer blob seen, its diff ID and uncompressed size, so
//          sizes and docker-archive exports need no decompression.
// repo_digests: repository@digest names an image is known by (from pull/push/load).
export const IMAGE_MIGRATIONS = [
  `CREATE TABLE images (
     id                  TEXT PRIMARY KEY,
     manifest_digest     TEXT NOT NULL,
     manifest_media_type TEXT NOT NULL,
     manifest_size       INTEGER NOT NULL,
     created             TEXT,
     size                INTEGER NOT NULL,
     parent              TEXT,
     added               INTEGER NOT NULL
   );
   CREATE TABLE tags (
     name              TEXT PRIMARY KEY,
     target_digest     TEXT NOT NULL,
     target_media_type TEXT NOT NULL,
     target_size       INTEGER NOT NULL,
     image_id          TEXT NOT NULL REFERENCES images(id),
     updated           INTEGER NOT NULL
   );
   CREATE INDEX tags_by_image ON tags(image_id);
   CREATE TABLE layers (
     digest  TEXT PRIMARY KEY,
     diff_id TEXT NOT NULL,
     size    INTEGER NOT NULL
   );
   CREATE TABLE repo_digests (
     image_id TEXT NOT NULL REFERENCES images(id),
     name     TEXT NOT NULL,
     PRIMARY KEY (image_id, name)
   );`,
];

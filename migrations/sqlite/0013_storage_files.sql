-- File storage (spec 001 §15): one row per stored object, the index that
-- `list`, the signed URLs (content type) and the per-tenant usage totals
-- read. The bytes live in the object store (DATA_DIR/files or S3) under
-- `path` = {tenant_id}/{app_id}/{folder}/{filename}; the row is written
-- after the object is complete and removed with it.
CREATE TABLE storage_files (
    path        TEXT PRIMARY KEY NOT NULL,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    app_id      TEXT NOT NULL REFERENCES custom_apps(id) ON DELETE CASCADE,
    -- '' for files at the app's top level
    folder      TEXT NOT NULL,
    name        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mime_type   TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX storage_files_folder_idx ON storage_files (app_id, folder, name);
CREATE INDEX storage_files_tenant_idx ON storage_files (tenant_id);

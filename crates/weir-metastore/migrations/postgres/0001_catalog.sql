CREATE TABLE databases (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL,
    create_time DOUBLE PRECISION NOT NULL
);
CREATE TABLE tables (
    id BIGSERIAL PRIMARY KEY,
    database_id BIGINT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    version_id BIGINT NOT NULL,
    doc TEXT NOT NULL,
    create_time DOUBLE PRECISION NOT NULL,
    update_time DOUBLE PRECISION NOT NULL,
    UNIQUE (database_id, name)
);
CREATE TABLE table_versions (
    table_id BIGINT NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
    version_id BIGINT NOT NULL,
    doc TEXT NOT NULL,
    update_time DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (table_id, version_id)
);
CREATE TABLE partitions (
    id BIGSERIAL PRIMARY KEY,
    table_id BIGINT NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
    values_key TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (table_id, values_key)
);
-- Filtered scans read (id, values) in id order from this index alone, never the documents.
CREATE INDEX partitions_scan ON partitions (table_id, id, values_key);
CREATE TABLE partition_indexes (
    table_id BIGINT NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    keys TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (table_id, name)
);
CREATE TABLE partition_index_values (
    partition_id BIGINT NOT NULL REFERENCES partitions(id) ON DELETE CASCADE,
    table_id BIGINT NOT NULL,
    key_pos BIGINT NOT NULL,
    text_value TEXT COLLATE "C",
    num_value DOUBLE PRECISION
);
CREATE INDEX partition_index_values_text ON partition_index_values (table_id, key_pos, text_value, partition_id);
CREATE INDEX partition_index_values_num ON partition_index_values (table_id, key_pos, num_value, partition_id);
CREATE INDEX partition_index_values_partition ON partition_index_values (partition_id);
CREATE TABLE functions (
    database_id BIGINT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (database_id, name)
);
CREATE TABLE connections (
    name TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    secrets TEXT
);
CREATE TABLE column_statistics (
    table_id BIGINT NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
    partition_key TEXT NOT NULL,
    column_name TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (table_id, partition_key, column_name)
);
CREATE TABLE tags (
    arn TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (arn, tag_key)
);

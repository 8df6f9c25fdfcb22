CREATE TABLE custom_entity_types (
    name TEXT PRIMARY KEY,
    doc TEXT NOT NULL
)

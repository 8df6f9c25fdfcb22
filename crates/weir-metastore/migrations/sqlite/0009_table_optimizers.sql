CREATE TABLE table_optimizers (
    name TEXT PRIMARY KEY,
    doc TEXT NOT NULL
)

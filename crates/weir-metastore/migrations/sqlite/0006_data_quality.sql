CREATE TABLE dq_rulesets (
    name TEXT PRIMARY KEY,
    doc TEXT NOT NULL
)

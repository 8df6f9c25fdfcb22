"""The suite drives every operation Weir serves: each name in the OPERATIONS lists of the catalog
(crates/weir-catalog/src/lib.rs), the job service (crates/weir-jobs/src/lib.rs), the crawler
service (crates/weir-crawler/src/lib.rs), the data quality service
(crates/weir-quality/src/service.rs), the custom entity type service
(crates/weir-pii/src/service.rs), the JDBC service (crates/weir-jdbc/src/service.rs) and the table
optimizer service (crates/weir-optimizers/src/lib.rs) is called through boto3 (a method or a paginator) somewhere in
tests/compat."""

import re
from pathlib import Path

from botocore import xform_name

HERE = Path(__file__).parent
LIB_RS = [HERE.parent.parent / f"crates/{path}" for path in (
    "weir-catalog/src/lib.rs", "weir-jobs/src/lib.rs", "weir-crawler/src/lib.rs",
    "weir-quality/src/service.rs", "weir-pii/src/service.rs", "weir-jdbc/src/service.rs",
    "weir-optimizers/src/lib.rs")]


def served_operations() -> list[str]:
    ops = []
    for lib in LIB_RS:
        source = lib.read_text()
        block = source[source.index("pub const OPERATIONS"):]
        block = block[: block.index("];")]
        ops += re.findall(r'"([A-Za-z]+)"', block)
    return ops


def suite_source() -> str:
    return "\n".join(p.read_text() for p in sorted(HERE.glob("*.py")) if p.name != Path(__file__).name)


def test_operations_list_is_read():
    ops = served_operations()
    assert len(ops) >= 50 and "CreateDatabase" in ops and "GetTags" in ops and "StartJobRun" in ops
    assert "CreateCrawler" in ops and "DeleteClassifier" in ops


def test_every_served_operation_is_called_with_boto3():
    source = suite_source()
    missing = [
        op
        for op in served_operations()
        if not re.search(rf"\.{xform_name(op)}\(|get_paginator\(\"{xform_name(op)}\"\)", source)
    ]
    assert missing == [], f"operations no test calls through boto3: {missing}"

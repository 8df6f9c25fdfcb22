"""The suite drives every operation the catalog serves: each name in OPERATIONS
(crates/weir-catalog/src/lib.rs) is called through boto3 (a method or a paginator) somewhere in
tests/compat."""

import re
from pathlib import Path

from botocore import xform_name

HERE = Path(__file__).parent
LIB_RS = HERE.parent.parent / "crates/weir-catalog/src/lib.rs"


def served_operations() -> list[str]:
    source = LIB_RS.read_text()
    block = source[source.index("pub const OPERATIONS"):]
    block = block[: block.index("];")]
    return re.findall(r'"([A-Za-z]+)"', block)


def suite_source() -> str:
    return "\n".join(p.read_text() for p in sorted(HERE.glob("*.py")) if p.name != Path(__file__).name)


def test_operations_list_is_read():
    ops = served_operations()
    assert len(ops) >= 40 and "CreateDatabase" in ops and "GetTags" in ops


def test_every_served_operation_is_called_with_boto3():
    source = suite_source()
    missing = [
        op
        for op in served_operations()
        if not re.search(rf"\.{xform_name(op)}\(|get_paginator\(\"{xform_name(op)}\"\)", source)
    ]
    assert missing == [], f"operations no test calls through boto3: {missing}"

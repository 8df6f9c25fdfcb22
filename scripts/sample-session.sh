#!/usr/bin/env bash
# A first session with the AWS CLI against Weir: a database, a partitioned table, partitions,
# a typed partition query, a partition index and a table update. Usage: sample-session.sh ENDPOINT
set -euo pipefail
endpoint="${1:-http://127.0.0.1:4270}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-weir}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-weir}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
glue() {
    local shown=() a
    for a in "$@"; do [ ${#a} -gt 60 ] && shown+=("'${a:0:40}…'") || shown+=("$a"); done
    echo "\$ aws glue ${shown[*]}" >&2
    aws glue --endpoint-url "$endpoint" --output json "$@"
}

glue delete-database --name sample_sales >/dev/null 2>&1 || true
glue create-database --database-input '{"Name": "sample_sales", "Description": "Sample data from the quick start"}'
glue create-table --database-name sample_sales --table-input '{
  "Name": "orders", "TableType": "EXTERNAL_TABLE",
  "Parameters": {"classification": "parquet"},
  "StorageDescriptor": {
    "Columns": [{"Name": "order_id", "Type": "bigint"}, {"Name": "amount", "Type": "decimal(12,2)"}],
    "Location": "s3://sample-bucket/orders/",
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}},
  "PartitionKeys": [{"Name": "year", "Type": "int"}, {"Name": "month", "Type": "int"}]}'
partitions=$(python3 -c '
import json
print(json.dumps([{"Values": [str(y), str(m)], "StorageDescriptor": {"Location": f"s3://sample-bucket/orders/year={y}/month={m}/"}}
                  for y in (2023, 2024) for m in range(1, 13)]))')
glue batch-create-partition --database-name sample_sales --table-name orders --partition-input-list "$partitions"
glue create-partition-index --database-name sample_sales --table-name orders \
    --partition-index '{"IndexName": "by_year_month", "Keys": ["year", "month"]}'
glue get-partitions --database-name sample_sales --table-name orders \
    --expression "year = 2024 AND month > 9" --query 'Partitions[].Values'
glue update-table --database-name sample_sales --version-id 0 --table-input '{
  "Name": "orders", "Description": "Orders by month",
  "StorageDescriptor": {"Columns": [{"Name": "order_id", "Type": "bigint"}, {"Name": "amount", "Type": "decimal(12,2)"}],
                        "Location": "s3://sample-bucket/orders/"},
  "PartitionKeys": [{"Name": "year", "Type": "int"}, {"Name": "month", "Type": "int"}]}'
glue get-table-versions --database-name sample_sales --table-name orders --query 'TableVersions[].VersionId'

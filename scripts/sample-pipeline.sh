#!/usr/bin/env bash
# A sample ETL pipeline on Weir: raw pipe-delimited order files (no header, as an SFTP drop or a
# legacy export delivers them) → a visual Glue job (S3CsvSource → ApplyMapping → SparkSQL →
# S3GlueParquetTarget that creates and updates a catalog table), created with `create-job`, started
# with `start-job-run` and polled with `get-job-run` through the AWS CLI as on Glue, then its log,
# the table and its partitions read back; then a crawler (`create-crawler`, `start-crawler`) that
# discovers both the raw files and the curated Parquet output as tables of their own; then a data
# quality ruleset on the curated table, evaluated by the service.
# Usage: sample-pipeline.sh ENDPOINT WEIR_BINARY [DIR]
set -euo pipefail
endpoint="${1:-http://127.0.0.1:4270}"
weir="${2:?the weir binary}"
dir="$(realpath -m "${3:-.weir/sample-pipeline}")"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-weir}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-weir}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
glue() {
    echo "\$ aws glue $*" >&2
    aws glue --endpoint-url "$endpoint" --output json "$@"
}

rm -rf "$dir" && mkdir -p "$dir/raw/orders"
# order_id | customer | order_date | amount | status
cat > "$dir/raw/orders/2024-05.psv" <<'DATA'
1001|acme|2024-05-01|120.50|SHIPPED
1002|globex|2024-05-01|75.00|SHIPPED
1003|acme|2024-05-02|300.25|CANCELLED
1004|initech|2024-05-02|42.10|SHIPPED
DATA
cat > "$dir/raw/orders/2024-06.psv" <<'DATA'
1005|globex|2024-06-01|99.99|SHIPPED
1006|acme|2024-06-03|15.00|SHIPPED
DATA

cat > "$dir/daily-revenue.json" <<JOB
{"Name": "daily-revenue", "Role": "weir", "Command": {"Name": "glueetl"},
 "CodeGenConfigurationNodes": {
  "orders": {"S3CsvSource": {"Name": "raw orders", "Paths": ["$dir/raw/orders/"],
             "Separator": "pipe", "QuoteChar": "quote", "WithHeader": false}},
  "typed": {"ApplyMapping": {"Name": "types", "Inputs": ["orders"], "Mapping": [
    {"ToKey": "order_id", "FromPath": ["col0"], "FromType": "string", "ToType": "bigint"},
    {"ToKey": "customer", "FromPath": ["col1"], "FromType": "string", "ToType": "string"},
    {"ToKey": "order_date", "FromPath": ["col2"], "FromType": "string", "ToType": "date"},
    {"ToKey": "amount", "FromPath": ["col3"], "FromType": "string", "ToType": "decimal(12,2)"},
    {"ToKey": "status", "FromPath": ["col4"], "FromType": "string", "ToType": "string"}]}},
  "daily": {"SparkSQL": {"Name": "daily revenue", "Inputs": ["typed"],
            "SqlAliases": [{"From": "typed", "Alias": "orders"}],
            "SqlQuery": "SELECT date_format(order_date, 'yyyy-MM') AS month, order_date, count(*) AS orders, sum(amount) AS revenue FROM orders WHERE status <> 'CANCELLED' GROUP BY date_format(order_date, 'yyyy-MM'), order_date"}},
  "out": {"S3GlueParquetTarget": {"Name": "curated", "Inputs": ["daily"], "Path": "$dir/curated/daily_revenue/",
          "Compression": "snappy", "PartitionKeys": [["month"]],
          "SchemaChangePolicy": {"EnableUpdateCatalog": true, "UpdateBehavior": "UPDATE_IN_DATABASE",
                                 "Database": "sample_sales", "Table": "daily_revenue"}}}}}
JOB

glue delete-table --database-name sample_sales --name daily_revenue >/dev/null 2>&1 || true
glue delete-job --job-name daily-revenue >/dev/null
glue create-job --cli-input-json "file://$dir/daily-revenue.json"
run=$(glue start-job-run --job-name daily-revenue --query JobRunId --output text)
echo "started run $run" >&2
for _ in $(seq 1 600); do
    state=$(aws glue --endpoint-url "$endpoint" get-job-run --job-name daily-revenue --run-id "$run" \
        --query JobRun.JobRunState --output text)
    case "$state" in STARTING|RUNNING|WAITING|STOPPING) sleep 0.2 ;; *) break ;; esac
done
glue get-job-run --job-name daily-revenue --run-id "$run" \
    --query 'JobRun.{State: JobRunState, ExecutionTime: ExecutionTime, Error: ErrorMessage}'
echo "\$ weir job logs $run" >&2
"$weir" job logs "$run" --endpoint "$endpoint"
[ "$state" = SUCCEEDED ] || { echo "the job run ended $state" >&2; exit 1; }
glue get-table --database-name sample_sales --name daily_revenue \
    --query 'Table.{Columns: StorageDescriptor.Columns, PartitionKeys: PartitionKeys, Location: StorageDescriptor.Location}'
glue get-partitions --database-name sample_sales --table-name daily_revenue --query 'Partitions[].Values'

# A crawler over the raw drop and the curated output: tables, formats and partitions discovered.
glue delete-crawler --name sample-lake >/dev/null 2>&1 || true
glue create-crawler --name sample-lake --role weir --database-name sample_crawled \
    --targets "{\"S3Targets\": [{\"Path\": \"$dir/raw/orders/\"}, {\"Path\": \"$dir/curated/daily_revenue/\"}]}" \
    --schema-change-policy '{"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "DELETE_FROM_DATABASE"}'
glue start-crawler --name sample-lake
for _ in $(seq 1 600); do
    state=$(aws glue --endpoint-url "$endpoint" get-crawler --name sample-lake --query Crawler.State --output text)
    [ "$state" = READY ] && break
    sleep 0.2
done
glue get-crawler --name sample-lake --query 'Crawler.{State: State, LastCrawl: LastCrawl.Status, Error: LastCrawl.ErrorMessage}'
glue list-crawls --crawler-name sample-lake --query 'Crawls[0].{State: State, Summary: Summary}'
glue get-tables --database-name sample_crawled \
    --query 'TableList[].{Name: Name, Classification: Parameters.classification, Columns: join(`, `, StorageDescriptor.Columns[].Name), PartitionKeys: join(`, `, PartitionKeys[].Name)}'

# Data quality rules on the curated table, evaluated by the service (a run of the job service).
glue delete-data-quality-ruleset --name daily-revenue-checks >/dev/null 2>&1 || true
glue create-data-quality-ruleset --name daily-revenue-checks \
    --target-table '{"DatabaseName": "sample_sales", "TableName": "daily_revenue"}' \
    --ruleset 'Rules = [ RowCount > 0, IsComplete "order_date", IsUnique "order_date", ColumnValues "revenue" > 0, Mean "orders" between 0 and 1000 ]'
dq_run=$(glue start-data-quality-ruleset-evaluation-run --role weir --ruleset-names daily-revenue-checks \
    --data-source '{"GlueTable": {"DatabaseName": "sample_sales", "TableName": "daily_revenue"}}' \
    --query RunId --output text)
for _ in $(seq 1 600); do
    state=$(aws glue --endpoint-url "$endpoint" get-data-quality-ruleset-evaluation-run --run-id "$dq_run" \
        --query Status --output text)
    case "$state" in STARTING|RUNNING|STOPPING) sleep 0.2 ;; *) break ;; esac
done
[ "$state" = SUCCEEDED ] || { echo "the evaluation run ended $state" >&2; exit 1; }
result=$(aws glue --endpoint-url "$endpoint" get-data-quality-ruleset-evaluation-run --run-id "$dq_run" \
    --query 'ResultIds[0]' --output text)
glue get-data-quality-result --result-id "$result" \
    --query '{Score: Score, Rules: RuleResults[].{Rule: Description, Result: Result, Message: EvaluationMessage}}'

//! Decimal `+`, `-` and `*` in a Weir session (planned as Weir's decimal operators, see
//! `weir_spark::decimal_arith`): the values, result types and nulls are DataFusion's; a
//! result that overflows its type is NULL, as in Spark's non-ANSI mode.

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::DataType;
use weir_engine::session::Engine;

/// Column 0 of `sql`'s result: its type and its values as text (NULL as "NULL").
async fn column(sql: &str) -> Result<(DataType, Vec<String>), String> {
    let ctx = Engine::default().session().unwrap();
    let batches = async { ctx.sql(sql).await?.collect().await }
        .await
        .map_err(|e| e.to_string())?;
    let mut values = Vec::new();
    let mut data_type = DataType::Null;
    for batch in batches {
        let col = batch
            .column(0)
            .as_primitive::<datafusion::arrow::datatypes::Decimal128Type>();
        data_type = col.data_type().clone();
        for i in 0..col.len() {
            values.push(match col.is_null(i) {
                true => "NULL".to_string(),
                false => col.value_as_string(i),
            });
        }
    }
    Ok((data_type, values))
}

/// The plan of `sql` as EXPLAIN prints it.
async fn plan(sql: &str) -> String {
    let ctx = Engine::default().session().unwrap();
    let batches = ctx
        .sql(&format!("EXPLAIN {sql}"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut text = String::new();
    for batch in batches {
        let plans = batch.column(1).as_string::<i32>();
        for i in 0..plans.len() {
            text.push_str(plans.value(i));
            text.push('\n');
        }
    }
    text
}

const LINES: &str = "(VALUES ('1000.50', '0.05', '0.08', 1), ('0.01', '0.10', '0.00', 2), \
     (NULL, '0.04', '0.02', 3), ('99999.99', NULL, '0.01', 4)) AS raw(p, d, t, id)";

fn lines() -> String {
    format!(
        "(SELECT CAST(p AS DECIMAL(15,2)) AS price, CAST(d AS DECIMAL(15,2)) AS disc, \
         CAST(t AS DECIMAL(15,2)) AS tax, id FROM {LINES}) AS l"
    )
}

#[tokio::test]
async fn tpch_q1_products_are_exact_with_nulls_passed_through() {
    let sql = format!(
        "SELECT price * (1 - disc) * (1 + tax) FROM {} ORDER BY id",
        lines()
    );
    let (t, values) = column(&sql).await.unwrap();
    assert_eq!(t, DataType::Decimal128(38, 6));
    // 1000.50 × 0.95 × 1.08 = 1026.513; 0.01 × 0.90 × 1.00 = 0.009
    assert_eq!(values, ["1026.513000", "0.009000", "NULL", "NULL"]);
    assert!(plan(&sql).await.contains("decimal_mul"));

    let (t, values) = column(&format!("SELECT price * disc FROM {} ORDER BY id", lines()))
        .await
        .unwrap();
    assert_eq!(
        (t, values),
        (
            DataType::Decimal128(31, 4),
            vec![
                "50.0250".to_string(),
                "0.0010".into(),
                "NULL".into(),
                "NULL".into()
            ]
        )
    );
}

#[tokio::test]
async fn sums_and_differences_rescale_to_the_finer_scale() {
    let sql = "SELECT CAST(a AS DECIMAL(10,2)) + CAST(b AS DECIMAL(12,4)) FROM \
               (VALUES ('1.25', '-0.0001'), ('-99999999.99', '99999999.9999')) AS t(a, b)";
    let (t, values) = column(sql).await.unwrap();
    assert_eq!(t, DataType::Decimal128(13, 4));
    assert_eq!(values, ["1.2499", "0.0099"]);
    let sql = "SELECT CAST(a AS DECIMAL(10,2)) - CAST(b AS DECIMAL(12,4)) FROM \
               (VALUES ('1.25', '-0.0001')) AS t(a, b)";
    assert_eq!(column(sql).await.unwrap().1, ["1.2501"]);
    assert!(plan(sql).await.contains("decimal_sub"));
}

#[tokio::test]
async fn values_wider_than_64_bits_are_multiplied_exactly_or_are_null_on_overflow() {
    // 10^20 × 10^10 needs more than 64 bits per operand product: the checked path.
    let sql = "SELECT CAST(a AS DECIMAL(38,0)) * CAST(b AS DECIMAL(38,0)) FROM \
               (VALUES ('100000000000000000000', '10000000000')) AS t(a, b)";
    assert_eq!(
        column(sql).await.unwrap().1,
        ["1000000000000000000000000000000"]
    );
    // 10^20 × 10^20 = 10^40 does not fit in 128 bits, 10^19 × 10^19 not in 38 digits: NULL,
    // as Spark (non-ANSI) gives, beside a row that fits.
    let sql = "SELECT CAST(a AS DECIMAL(38,0)) * CAST(b AS DECIMAL(38,0)) FROM \
               (VALUES ('100000000000000000000', '100000000000000000000'), \
                       ('10000000000000000000', '10000000000000000000'), ('2', '3')) AS t(a, b)";
    assert_eq!(column(sql).await.unwrap().1, ["NULL", "NULL", "6"]);
    // The same values in a row whose other operand is NULL are no error.
    let sql = "SELECT CAST(a AS DECIMAL(38,0)) * CAST(b AS DECIMAL(38,0)) FROM \
               (VALUES ('100000000000000000000', NULL), ('2', '3')) AS t(a, b)";
    assert_eq!(column(sql).await.unwrap().1, ["NULL", "6"]);
    // One wide value sends its whole batch down the checked path: the narrow rows beside it
    // are computed as well, also for sums that rescale.
    let sql = "SELECT CAST(a AS DECIMAL(38,0)) * CAST(b AS DECIMAL(38,0)) FROM \
               (VALUES ('2', '3'), ('100000000000000000000', '10000000000'), ('-4', '5')) AS t(a, b)";
    assert_eq!(
        column(sql).await.unwrap().1,
        ["6", "1000000000000000000000000000000", "-20"]
    );
    let sql = "SELECT CAST(a AS DECIMAL(38,0)) + CAST(b AS DECIMAL(10,2)) FROM \
               (VALUES ('100000000000000000000', '0.25'), ('1', '-1.50')) AS t(a, b)";
    assert_eq!(
        column(sql).await.unwrap().1,
        ["100000000000000000000.25", "-0.50"]
    );
}

#[tokio::test]
async fn values_at_the_32_bit_bounds_are_exact_in_either_arithmetic() {
    // Operands within 32 bits take 64-bit arithmetic, the batch of a wider one 128-bit: the
    // products at the edges of the range are the same either way.
    let (min, max) = ("-2147483648", "2147483647");
    let product = |a: &str, b: &str| {
        format!(
            "SELECT CAST(a AS DECIMAL(18,0)) * CAST(b AS DECIMAL(18,0)) FROM \
             (VALUES ('{a}', '{b}'), ('-3', '7')) AS t(a, b)"
        )
    };
    let narrow = column(&product(max, min)).await.unwrap().1;
    assert_eq!(narrow, ["-4611686016279904256", "-21"]);
    let narrow = column(&product(min, min)).await.unwrap().1;
    assert_eq!(narrow, ["4611686018427387904", "-21"]);
    let wider = column(&product("2147483648", max)).await.unwrap().1;
    assert_eq!(wider, ["4611686016279904256", "-21"]);
    let wider = column(&product(min, "-2147483649")).await.unwrap().1;
    assert_eq!(wider, ["4611686020574871552", "-21"]);
    // A sum rescales its operand by 10^4 within 64 bits; by 10^10, a factor wider than 32 bits.
    let sql = format!(
        "SELECT CAST(a AS DECIMAL(10,0)) + CAST(b AS DECIMAL(12,4)) FROM \
         (VALUES ('{max}', '-0.0001'), ('{min}', '0.0001')) AS t(a, b)"
    );
    let sums = column(&sql).await.unwrap().1;
    assert_eq!(sums, ["2147483646.9999", "-2147483647.9999"]);
    let sql = "SELECT CAST(a AS DECIMAL(20,0)) - CAST(b AS DECIMAL(20,10)) FROM \
               (VALUES ('5', '0.0000000001'), ('-5', '-0.0000000001')) AS t(a, b)";
    assert_eq!(
        column(sql).await.unwrap().1,
        ["4.9999999999", "-4.9999999999"]
    );
}

#[tokio::test]
async fn decimal_averages_round_half_up_in_four_more_digits() {
    let sql = "SELECT avg(CAST(v AS DECIMAL(15,2))) FROM \
               (VALUES ('1.00', 1), ('2.00', 1), ('2.00', 1), (NULL, 1), ('-0.01', 2), ('0.00', 2)) \
               AS t(v, g) GROUP BY g ORDER BY g";
    let (t, values) = column(sql).await.unwrap();
    assert_eq!(t, DataType::Decimal128(19, 6));
    // 5/3 = 1.6666666… → 1.666667; −0.01/2 = −0.005
    assert_eq!(values, ["1.666667", "-0.005000"]);
    let sql = "SELECT avg(CAST(v AS DECIMAL(15,2))) FROM (VALUES ('0.01'), ('0.02')) AS t(v)";
    assert_eq!(column(sql).await.unwrap().1, ["0.015000"]);
    let sql = "SELECT avg(CAST(v AS DECIMAL(15,2))) FROM (VALUES (NULL)) AS t(v)";
    assert_eq!(column(sql).await.unwrap().1, ["NULL"]);
    // Wider than 64 bits (overflow-checked sums), and an aggregate FILTER.
    let sql = "SELECT avg(CAST(v AS DECIMAL(30,2))) FILTER (WHERE g = 1) FROM \
               (VALUES ('1000000000000000000000.01', 1), ('1000000000000000000000.02', 1), \
               ('5.00', 2)) AS t(v, g)";
    let (t, values) = column(sql).await.unwrap();
    assert_eq!(t, DataType::Decimal128(34, 6));
    assert_eq!(values, ["1000000000000000000000.015000"]);
}

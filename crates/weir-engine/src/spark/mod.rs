//! Spark SQL for SparkSQL nodes: Spark's functions on a DataFusion session ([`register`]) and
//! the planning of a node's query ([`sql`]).
//!
//! Functions, by where they come from:
//!
//! - `datafusion-spark` supplies most with Spark's semantics (`datediff`, `concat`, `size`,
//!   `nvl`, `sha2`, …); its date functions (`date_add`, `date_sub`, `add_months`, `last_day`,
//!   `next_day`, `datediff`, `unix_date`, `hour`, `minute`, `second`) are wrapped to
//!   take what Spark casts implicitly (integers of any width, dates and timestamps as text) —
//!   [`datetime::DateArgs`].
//! - [`datetime`]: `to_date`, `to_timestamp` (Spark's `CAST` rules or a Spark datetime pattern,
//!   [`datetime_pattern`]; NULL for text that does not parse), `unix_timestamp`,
//!   `to_unix_timestamp`, `timestamp_seconds`/`_millis`/`_micros`, `date_from_unix_date`,
//!   `dayofweek`, `weekday`, `months_between`.
//! - [`calendar`]: `date_format` (Spark's patterns, [`datetime_format`]), `date_part`/`EXTRACT`,
//!   `timestampadd`/`dateadd`, `timestampdiff`, `trunc`, `from_utc_timestamp`,
//!   `to_utc_timestamp` (IANA zones).
//! - [`strings`]: `substring`/`substr`, `left`, `right`, `overlay`, `initcap`, `replace`,
//!   `translate`, `locate`/`position`/`instr`, `chr`, `concat_ws`, `hex`, `format_string`,
//!   `sentences`, `soundex`, `levenshtein`, `mask`, `quote`, `encode`/`decode` with Spark's rules.
//! - [`regexp`]: `regexp_replace`, `rlike`/`regexp_like`, `regexp_extract(_all)`,
//!   `regexp_substr`, `regexp_count`, `regexp_instr`, `split`, with Java's patterns, matching
//!   and replacement syntax ([`java_regex`]).
//! - [`cast`]: `CAST(x AS type)` (as `spark_cast`), `string`, `int`, `bigint`, `smallint`, `tinyint`, `double`, `float`, `boolean`,
//!   `date`, `timestamp`, `decimal` with Spark's non-ANSI cast rules.
//! - [`map`]: `map(k1, v1, …)`, `map_concat`; [`json`]: `get_json_object`; [`to_json`]; [`from_json`].
//! - [`numbers`]: `bround`, `format_number`, `monotonically_increasing_id`, `conv`.
//! - [`hash`]: `hash` and `xxhash64`, equal to Spark's for the same values and types.
//! - [`lambda`]: `transform`, `filter`, `exists`, `forall`, `aggregate`/`reduce` with lambdas.
//! - [`rewrite`]: functions planning turns into DataFusion expressions — `year`, `month`,
//!   `day`, `dayofmonth`, `quarter`, `weekofyear`, `dayofyear`, `isnull`, `isnotnull`,
//!   `e`, `rand`/`random`, `sort_array`, `element_at`, and `a / b` (Spark's division: a double,
//!   NULL for a zero divisor).
//! - Aggregates: [`aggregates`] (`first`, `last`, `approx_count_distinct`, `percentile_approx`,
//!   `variance`, `std`) and [`crate::aggregates`] (decimal `avg`, `skewness`, `kurtosis`).
//! - [`sql_rewrite`]: `explode`/`posexplode` (and `_outer`) and `LATERAL VIEW`, Spark's
//!   backslash escapes in string literals, `map(…)` planned as Spark's; [`syntax`]: `"text"`
//!   literals, `SUBSTRING`/`OVERLAY`/`POSITION`/`EXTRACT` syntax, `LIKE … ESCAPE`,
//!   `LIKE ANY/ALL`, interval ranges (`'1-2' YEAR TO MONTH`), units of `timestampadd`.
//! - [`implicit`]: text literals compared with dates and timestamps read by Spark's `CAST`.
//!
//! Where Weir differs from Spark: the session time zone is UTC; timestamps carry no zone;
//! regular expressions are Java's translated for `fancy-regex` ([`java_regex`]): Unicode
//! blocks (`\p{InGreek}`), `\X`, `\N{…}` and the `CANON_EQ` flag are refused, `$` matches only
//! at the very end (Java's also before a final line terminator), `(?i)` folds case by Unicode
//! (Java's by ASCII), `\b` is Unicode's, an empty match between the two UTF-16 halves of an
//! emoji is counted only by `regexp_count`, and positions count characters; `${name}` in a
//! query is not Spark's variable substitution; a datetime pattern for parsing must not use
//! zone names (`z`, `V`) or eras (`G`), and text zones in parsed text must be offsets or
//! `UTC`/`GMT`/`Z` (no `Europe/Paris`, which `from_utc_timestamp`/`to_utc_timestamp` take);
//! formatting prints the session's zone (UTC); `date - date` is a number of days (Spark: an
//! interval of days, which `EXTRACT` reads as Weir does); `format_string` writes decimals
//! right only with `%s`; `sentences` follows Java's English break rules approximately;
//! `rand` takes no seed; `percentile_approx` is exact;
//! generators take arrays only (not maps); `get_json_object` reads strict JSON;
//! Spark's `spark.sql.legacy.timeParserPolicy=EXCEPTION` upgrade errors are not raised (text
//! the pattern does not match is NULL). `CAST(x AS type)` follows Spark's rules for the types
//! the cast functions cover ([`sql_rewrite`]); casts to arrays, structs, maps and binary are
//! DataFusion's. Integer literals are `bigint`s (Spark: `int` where they fit), except in
//! `hash`/`xxhash64` calls. `from_json` takes no options. A lambda's body ([`lambda`]) can use
//! only its parameters, not the row's other columns. `input_file_name` is not supported.

pub mod aggregates;
pub mod calendar;
pub mod cast;
pub mod convert;
pub mod datetime;
pub mod datetime_format;
pub mod datetime_pattern;
pub mod from_json;
pub mod hash;
pub mod implicit;
pub mod java_regex;
pub mod json;
pub mod lambda;
pub mod map;
pub mod numbers;
pub mod pre_parse;
pub mod regexp;
pub mod rewrite;
pub mod sql_rewrite;
pub mod strings;
pub mod syntax;
pub mod to_json;
mod udf;

use datafusion::common::Result;
use datafusion::execution::context::SessionContext;

pub use sql_rewrite::plan as sql;

/// Registers Spark's functions on a session (overriding same-named DataFusion functions).
pub fn register(ctx: &SessionContext) -> Result<()> {
    for udf in datafusion_spark::all_default_scalar_functions() {
        ctx.register_udf(udf.as_ref().clone());
    }
    for udaf in datafusion_spark::all_default_aggregate_functions() {
        ctx.register_udaf(udaf.as_ref().clone());
    }
    // Spark's avg (decimal results for decimals), skewness and kurtosis.
    for udaf in [
        crate::aggregates::avg(),
        crate::aggregates::skewness(),
        crate::aggregates::kurtosis(),
    ] {
        ctx.register_udaf(udaf.as_ref().clone());
    }
    for udaf in aggregates::functions() {
        ctx.register_udaf(udaf);
    }
    {
        use datafusion_spark::function::datetime as spark_dt;
        use datetime::{Arg, DateArgs};
        ctx.register_udf(DateArgs::udf(spark_dt::date_add(), &[Arg::Date, Arg::Int]));
        ctx.register_udf(DateArgs::udf(spark_dt::date_sub(), &[Arg::Date, Arg::Int]));
        ctx.register_udf(DateArgs::udf(
            spark_dt::add_months(),
            &[Arg::Date, Arg::Int],
        ));
        ctx.register_udf(DateArgs::udf(spark_dt::last_day(), &[Arg::Date]));
        ctx.register_udf(DateArgs::udf(spark_dt::next_day(), &[Arg::Date, Arg::Text]));
        ctx.register_udf(DateArgs::udf(
            spark_dt::date_diff(),
            &[Arg::Date, Arg::Date],
        ));
        ctx.register_udf(DateArgs::udf(spark_dt::unix_date(), &[Arg::Date]));
        for extract in [spark_dt::hour(), spark_dt::minute(), spark_dt::second()] {
            ctx.register_udf(DateArgs::udf(extract, &[Arg::Timestamp]));
        }
    }
    let scalars = rewrite::functions()
        .into_iter()
        .chain(map::functions())
        .chain(datetime::functions())
        .chain(strings::functions())
        .chain(regexp::functions())
        .chain(calendar::functions())
        .chain(cast::functions())
        .chain(numbers::functions())
        .chain(hash::functions())
        .chain(lambda::functions())
        .chain([
            json::function(),
            to_json::function(),
            from_json::function(),
            sql_rewrite::generator_array_udf(),
        ]);
    for udf in scalars {
        ctx.register_udf(udf);
    }
    Ok(())
}

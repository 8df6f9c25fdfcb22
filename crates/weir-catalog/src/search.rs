//! SearchTables: text search over table names, descriptions, parameters and columns, property
//! filters, and sorting, across every database of the catalog.

use std::cmp::Ordering;

use serde_json::{json, Value};
use weir_metastore::tables::{self, TableInDatabase};
use weir_model::Result;

use crate::request::{encode_token, listing, Req};
use crate::Catalog;

impl Catalog {
    pub(crate) async fn search_tables(&self, req: Req<'_>) -> Result<Value> {
        let limit = req.page_size(1000);
        let offset = req.next_token()?.and_then(|t| t.as_u64()).unwrap_or(0) as usize;
        let text = req
            .opt_str("SearchText")
            .map(str::to_lowercase)
            .filter(|t| !t.is_empty());
        let filters = req.array("Filters");
        let mut tx = self.read().await?;
        let mut hits: Vec<TableInDatabase> = if req.opt_str("ResourceShareType") == Some("FOREIGN")
        {
            Vec::new()
        } else {
            tables::list_all(&mut tx).await?
        };
        hits.retain(|t| {
            text.as_deref()
                .is_none_or(|text| search_text(&t.table.doc).contains(text))
                && filters.iter().all(|f| predicate_matches(&t.table.doc, f))
        });
        if let Some(sort) = req.array("SortCriteria").first() {
            let field = sort
                .get("FieldName")
                .and_then(Value::as_str)
                .unwrap_or("Name")
                .to_string();
            let descending = sort.get("Sort").and_then(Value::as_str) == Some("DESC");
            hits.sort_by(|a, b| {
                let o = compare_field(&a.table.doc, &b.table.doc, &field);
                if descending {
                    o.reverse()
                } else {
                    o
                }
            });
        }
        let total = hits.len();
        let page: Vec<Value> = hits
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|t| self.table_out(t.table.doc, t.table.version_id))
            .collect();
        let next = (offset + limit < total).then(|| encode_token(&json!(offset + limit)));
        Ok(listing("TableList", page, next))
    }
}

/// Everything SearchText looks in, lower-cased: names, description, owner, parameters, columns.
fn search_text(doc: &Value) -> String {
    let mut text = String::new();
    let mut push = |v: Option<&Value>| {
        if let Some(s) = v.and_then(Value::as_str) {
            text.push_str(&s.to_lowercase());
            text.push('\n');
        }
    };
    for member in ["Name", "DatabaseName", "Description", "Owner", "TableType"] {
        push(doc.get(member));
    }
    let params = doc
        .get("Parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten();
    for (k, v) in params {
        push(Some(&json!(k)));
        push(Some(v));
    }
    let columns = doc
        .pointer("/StorageDescriptor/Columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let keys = doc
        .get("PartitionKeys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for col in columns.chain(keys) {
        push(col.get("Name"));
        push(col.get("Comment"));
    }
    text
}

/// A `PropertyPredicate`: time fields compare with the comparator; strings match exactly or by
/// token (the field split on punctuation, as Glue does: `link` matches `customer-link`).
fn predicate_matches(doc: &Value, predicate: &Value) -> bool {
    let key = predicate
        .get("Key")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let wanted = predicate
        .get("Value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let field = match doc.get(key) {
        Some(v) => v,
        None => match doc.get("Parameters").and_then(|p| p.get(key)) {
            Some(v) => v,
            None => return false,
        },
    };
    if let (Some(actual), Ok(wanted)) = (field.as_f64(), wanted.parse::<f64>()) {
        let o = actual.partial_cmp(&wanted).unwrap_or(Ordering::Equal);
        return match predicate
            .get("Comparator")
            .and_then(Value::as_str)
            .unwrap_or("EQUALS")
        {
            "GREATER_THAN" => o == Ordering::Greater,
            "LESS_THAN" => o == Ordering::Less,
            "GREATER_THAN_EQUALS" => o != Ordering::Less,
            "LESS_THAN_EQUALS" => o != Ordering::Greater,
            _ => o == Ordering::Equal,
        };
    }
    let actual = field.as_str().unwrap_or_default().to_lowercase();
    let wanted = wanted.to_lowercase();
    actual == wanted
        || actual
            .split(|c: char| "-:#./, ".contains(c))
            .any(|token| token == wanted)
}

fn compare_field(a: &Value, b: &Value, field: &str) -> Ordering {
    match (a.get(field), b.get(field)) {
        (Some(x), Some(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => x
                .as_str()
                .unwrap_or_default()
                .cmp(y.as_str().unwrap_or_default()),
        },
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
    }
}

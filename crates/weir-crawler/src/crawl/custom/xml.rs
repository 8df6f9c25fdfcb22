//! XML classifiers: the records are the elements the classifier's `RowTag` names, wherever they
//! are in the document (not inside one another), found and read by the engine's
//! [`weir_engine::xml`], which reads the tables too. A file is recognized when its sample holds
//! at least one whole such element; a self-closing one (`<row a="1"/>`) is no record, as in
//! Glue. A record's columns are as Spark's XML reader (which Glue's follows) makes them:
//! attributes as `_name`, child elements by name (a child that repeats is an array, one with
//! children or attributes a struct, its own text then `_VALUE`), values typed as the CSV
//! classifier types them. The table keeps the tag as its `rowTag`.

use serde_json::Value;
use weir_engine::formats::TableFormat;
use weir_engine::xml::{next_record, Element, VALUE_FIELD};

use super::{required, Recognized};
use crate::crawl::kind::Kind;
use crate::crawl::text::value_kind;

/// An XML classifier.
#[derive(Debug)]
pub struct RowTag {
    classification: String,
    tag: String,
}

impl RowTag {
    /// The rule of an `XMLClassifier`'s members.
    pub fn new(fields: &Value) -> Result<Self, String> {
        Ok(Self {
            classification: required(fields, "Classification")?.to_string(),
            tag: required(fields, "RowTag")?.to_string(),
        })
    }

    /// The file's records as this classifier reads them, if it does.
    pub fn recognize(&self, sample: &str, complete: bool) -> Option<Recognized> {
        let start = sample.trim_start_matches('\u{feff}').trim_start();
        if !start.starts_with('<') {
            return None;
        }
        let rows = self.rows(start, complete)?;
        let mut merged = Kind::Struct(Vec::new());
        for row in &rows {
            let fields = match kind_of(row) {
                Kind::Struct(fields) => fields,
                text => vec![(VALUE_FIELD.to_string(), text)],
            };
            merged = merge(merged, Kind::Struct(fields));
        }
        let Kind::Struct(columns) = merged else {
            unreachable!("structs merge into a struct")
        };
        (!rows.is_empty()).then(|| Recognized {
            format: TableFormat::Xml {
                classification: self.classification.clone(),
                row_tag: self.tag.clone(),
            },
            columns,
            quoted: false,
            records: rows.len(),
        })
    }

    /// The whole records of the sample; `None` when a whole file ends inside one or holds one
    /// that is not well-formed.
    fn rows(&self, sample: &str, complete: bool) -> Option<Vec<Element>> {
        let mut rows = Vec::new();
        let mut at = 0;
        while let Some(found) = next_record(sample.as_bytes(), &self.tag, at) {
            let parsed = found.and_then(|span| {
                at = span.end;
                Element::parse(&sample[span]).map_err(|_| 0)
            });
            match parsed {
                Ok(row) => rows.push(row),
                // A sample may end inside a record.
                Err(_) => return (!complete).then_some(rows),
            }
        }
        Some(rows)
    }
}

/// Two types of an element, merged as Spark's XML reader merges them: an element once in one
/// record and repeated in another is an array.
fn merge(a: Kind, b: Kind) -> Kind {
    match (a, b) {
        (Kind::Array(x), Kind::Array(y)) => Kind::Array(Box::new(merge(*x, *y))),
        (Kind::Array(x), Kind::Null) | (Kind::Null, Kind::Array(x)) => Kind::Array(x),
        (Kind::Array(x), y) | (y, Kind::Array(x)) => Kind::Array(Box::new(merge(*x, y))),
        (Kind::Struct(mut a), Kind::Struct(b)) => {
            for (name, kind) in b {
                match a.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, existing)) => {
                        *existing = merge(std::mem::replace(existing, Kind::Null), kind);
                    }
                    None => a.push((name, kind)),
                }
            }
            Kind::Struct(a)
        }
        (a, b) => a.merge(b),
    }
}

/// An element's type: its text's, or a struct of its attributes, children and text.
fn kind_of(e: &Element) -> Kind {
    let text = e.text.trim();
    if e.attributes.is_empty() && e.children.is_empty() {
        return value_kind(text);
    }
    let mut fields: Vec<(String, Kind)> = e
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), value_kind(v)))
        .collect();
    for (i, (name, child)) in e.children.iter().enumerate() {
        if fields.iter().any(|(n, _)| n == name) {
            continue;
        }
        let same: Vec<&Element> = e.children[i..]
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, c)| c)
            .collect();
        let kind = if same.len() > 1 {
            Kind::Array(Box::new(
                same.into_iter().map(kind_of).fold(Kind::Null, merge),
            ))
        } else {
            kind_of(child)
        };
        fields.push((name.clone(), kind));
    }
    if !text.is_empty() {
        fields.push((VALUE_FIELD.to_string(), value_kind(text)));
    }
    Kind::Struct(fields)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(sample: &str, complete: bool) -> Option<Recognized> {
        RowTag::new(&json!({"Classification": "xml", "RowTag": "book"}))
            .unwrap()
            .recognize(sample, complete)
    }

    fn hive(r: &Recognized) -> Vec<String> {
        r.columns
            .iter()
            .map(|(n, k)| format!("{n}:{}", k.hive()))
            .collect()
    }

    const CATALOG: &str = r#"<?xml version="1.0"?>
<catalog xmlns:x="urn:x">
  <book id="bk101" available="true">
    <author>Gambardella, Matthew</author>
    <price currency="USD">44.95</price>
    <tag>a</tag><tag>b</tag>
    <published><year>2000</year><month>10</month></published>
  </book>
  <book id="bk102">
    <author>Ralls &amp; Kim</author>
    <price currency="EUR">5</price>
    <pages>300</pages>
  </book>
</catalog>"#;

    #[test]
    fn row_elements_are_records_with_attributes_children_and_nesting() {
        let r = read(CATALOG, true).unwrap();
        assert_eq!(r.records, 2);
        assert_eq!(
            hive(&r),
            [
                "_id:string",
                "_available:boolean",
                "author:string",
                "price:struct<_currency:string,_VALUE:double>",
                "tag:array<string>",
                "published:struct<year:bigint,month:bigint>",
                "pages:bigint",
            ]
        );
        assert_eq!(
            r.format,
            TableFormat::Xml {
                classification: "xml".into(),
                row_tag: "book".into()
            }
        );
    }

    #[test]
    fn a_cut_sample_keeps_its_whole_rows_but_a_broken_file_is_not_xml() {
        let cut = &CATALOG[..CATALOG.find("<pages>").unwrap()];
        let r = read(cut, false).unwrap();
        assert_eq!(r.records, 1);
        assert!(read(cut, true).is_none());
        assert!(read("<catalog><shelf/></catalog>", true).is_none());
        assert!(read("<catalog><book id=\"1\"/></catalog>", true).is_none());
        assert!(read("id,name\n1,a\n", true).is_none());
    }

    #[test]
    fn an_element_once_in_one_record_and_repeated_in_another_is_an_array() {
        let r = read(
            "<books><book><t>a</t></book><book><t>1</t><t>2</t></book><book/></books>",
            true,
        )
        .unwrap();
        assert_eq!((hive(&r), r.records), (vec!["t:array<string>".into()], 2));
    }
}

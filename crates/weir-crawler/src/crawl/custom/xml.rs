//! XML classifiers: the records are the elements the classifier's `RowTag` names, wherever they
//! are in the document (not inside one another). A file is recognized when its sample is XML
//! with at least one whole such element; a self-closing one (`<row a="1"/>`) is no record, as
//! in Glue. A record's columns are as Spark's XML reader (which Glue's follows) makes them:
//! attributes as `_name`, child elements by name (a child that repeats is an array, one with
//! children or attributes a struct, its own text then `_VALUE`), values typed as the CSV
//! classifier types them. The table keeps the tag as its `rowTag`; Weir does not read such
//! tables.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::Value;
use weir_engine::formats::TableFormat;

use super::{required, Recognized};
use crate::crawl::kind::{merge_columns, Kind};
use crate::crawl::text::value_kind;

/// The field of an element's own text when it has attributes or children too.
const VALUE_FIELD: &str = "_VALUE";

/// An XML classifier.
#[derive(Debug)]
pub struct RowTag {
    classification: String,
    tag: String,
}

/// An element as read: attributes, children in order, text.
#[derive(Debug, Default)]
struct Element {
    attributes: Vec<(String, String)>,
    children: Vec<(String, Element)>,
    text: String,
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
        let mut columns = Vec::new();
        for row in &rows {
            let fields = match kind_of(row) {
                Kind::Struct(fields) => fields,
                text => vec![(VALUE_FIELD.to_string(), text)],
            };
            columns = merge_columns(columns, fields);
        }
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

    /// The whole row elements of the sample; `None` when a whole file is not well-formed XML.
    fn rows(&self, sample: &str, complete: bool) -> Option<Vec<Element>> {
        let mut reader = Reader::from_str(sample);
        reader.config_mut().trim_text(true);
        let mut rows = Vec::new();
        loop {
            let read = match reader.read_event() {
                Ok(Event::Start(e)) if e.name().as_ref() == self.tag.as_bytes() => {
                    let start = e.into_owned();
                    element(&mut reader, &start).map(|row| rows.push(row))
                }
                Ok(Event::Eof) => return Some(rows),
                Ok(_) => Ok(()),
                Err(_) => Err(()),
            };
            if read.is_err() {
                // A sample ends inside an element; a whole file must be well-formed.
                return (!complete).then_some(rows);
            }
        }
    }
}

/// The element `start` opens, read to its end.
fn element(reader: &mut Reader<&[u8]>, start: &BytesStart) -> Result<Element, ()> {
    let mut found = Element {
        attributes: attributes(start)?,
        ..Element::default()
    };
    loop {
        match reader.read_event().map_err(|_| ())? {
            Event::Start(e) => {
                let e = e.into_owned();
                let child = element(reader, &e)?;
                found.children.push((name(&e), child));
            }
            Event::Empty(e) => {
                let child = Element {
                    attributes: attributes(&e)?,
                    ..Element::default()
                };
                found.children.push((name(&e), child));
            }
            Event::Text(t) => found.text.push_str(&t.decode().map_err(|_| ())?),
            Event::CData(t) => found.text.push_str(&t.decode().map_err(|_| ())?),
            // An entity makes the text text, whatever it stands for.
            Event::GeneralRef(_) => found.text.push('&'),
            Event::End(_) => return Ok(found),
            Event::Eof => return Err(()),
            _ => {}
        }
    }
}

fn name(e: &BytesStart) -> String {
    String::from_utf8_lossy(e.name().as_ref()).into_owned()
}

/// An element's attributes as `_name` fields (namespace declarations aside).
fn attributes(e: &BytesStart) -> Result<Vec<(String, String)>, ()> {
    let mut found = Vec::new();
    for attribute in e.attributes() {
        let attribute = attribute.map_err(|_| ())?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = attribute.unescape_value().map_err(|_| ())?.into_owned();
        found.push((format!("_{key}"), value));
    }
    Ok(found)
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
                same.into_iter().map(kind_of).fold(Kind::Null, Kind::merge),
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
}

//! XML files whose `rowTag` elements are the records, as Glue's XML classifiers describe them
//! and its XML reader (Spark's) reads them: [`next_record`] finds each `<tag …>…</tag>` in the
//! bytes of a file (wherever it is, not inside another; a self-closing `<tag …/>` is no record),
//! [`Element::parse`] reads one with `quick-xml`. A record's fields are its attributes (as
//! `_name`), its child elements by name (a child that repeats is an array; one with children or
//! attributes a struct, its own text then [`VALUE_FIELD`]). [`rows`] reads such files in
//! DataFusion scans; crawls classify them with the same two functions.

pub mod rows;

use std::ops::Range;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The field of an element's own text when it has attributes or children too.
pub const VALUE_FIELD: &str = "_VALUE";

/// An element as read: attributes, children in order, text (trimmed).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Element {
    pub attributes: Vec<(String, String)>,
    pub children: Vec<(String, Element)>,
    pub text: String,
}

/// The next record of `tag` in `bytes` at or after `from`: `Ok` its span, `Err` where one starts
/// that `bytes` ends inside; `None` when no record starts there.
pub fn next_record(bytes: &[u8], tag: &str, from: usize) -> Option<Result<Range<usize>, usize>> {
    let tag = tag.as_bytes();
    let mut at = from;
    let (start, mut position) = loop {
        let (start, open_end, self_closing) = match find_tag(bytes, tag, at, false)? {
            Ok(found) => found,
            Err(start) => return Some(Err(start)),
        };
        if !self_closing {
            break (start, open_end);
        }
        at = open_end;
    };
    let mut depth = 1;
    loop {
        let next_open = find_tag(bytes, tag, position, false);
        let next_close = find_tag(bytes, tag, position, true);
        match (next_open, next_close) {
            (_, None) | (_, Some(Err(_))) => return Some(Err(start)),
            (Some(Ok((o, end, self_closing))), Some(Ok((c, _, _)))) if o < c => {
                if !self_closing {
                    depth += 1;
                }
                position = end;
            }
            (Some(Err(o)), Some(Ok((c, _, _)))) if o < c => return Some(Err(start)),
            (_, Some(Ok((_, end, _)))) => {
                depth -= 1;
                position = end;
                if depth == 0 {
                    return Some(Ok(start..end));
                }
            }
        }
    }
}

/// The next `<tag` (or `</tag` when `closing`) at or after `from`: `Ok` its start, the end of
/// its markup (after `>`) and whether it closes itself; `Err(start)` when `bytes` ends inside it.
fn find_tag(
    bytes: &[u8],
    tag: &[u8],
    from: usize,
    closing: bool,
) -> Option<Result<(usize, usize, bool), usize>> {
    let opener: &[u8] = if closing { b"</" } else { b"<" };
    let mut at = from;
    loop {
        let found = at + find(&bytes[at.min(bytes.len())..], opener)?;
        let name_end = found + opener.len() + tag.len();
        let have = &bytes[found + opener.len()..];
        if have.len() <= tag.len() {
            // The bytes end at the tag's name (or what may be it) and its boundary.
            if tag.starts_with(have) {
                return Some(Err(found));
            }
            at = found + 1;
            continue;
        }
        let boundary = matches!(bytes[name_end], b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n');
        if &bytes[found + opener.len()..name_end] != tag || !boundary {
            at = found + 1;
            continue;
        }
        // The end of the markup, past quoted attribute values.
        let mut quote = None;
        for (i, &b) in bytes[name_end..].iter().enumerate() {
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'>') => {
                    let end = name_end + i + 1;
                    return Some(Ok((found, end, !closing && bytes[end - 2] == b'/')));
                }
                _ => {}
            }
        }
        return Some(Err(found));
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl Element {
    /// The element that `record` (one element's markup) holds.
    pub fn parse(record: &str) -> Result<Self, String> {
        let mut reader = Reader::from_str(record);
        loop {
            match reader.read_event().map_err(|e| e.to_string())? {
                Event::Start(e) => {
                    let start = e.into_owned();
                    return element(&mut reader, &start);
                }
                Event::Eof => return Err("no element".into()),
                _ => {}
            }
        }
    }
}

/// The element `start` opens, read to its end.
fn element(reader: &mut Reader<&[u8]>, start: &BytesStart) -> Result<Element, String> {
    let mut found = Element {
        attributes: attributes(start)?,
        ..Element::default()
    };
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
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
            Event::Text(t) => found
                .text
                .push_str(&t.xml_content().map_err(|e| e.to_string())?),
            Event::CData(t) => found.text.push_str(&t.decode().map_err(|e| e.to_string())?),
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| e.to_string())?;
                match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => found.text.push(c),
                    None => match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => found.text.push_str(s),
                        None => return Err(format!("unknown entity &{name};")),
                    },
                }
            }
            Event::End(_) => {
                found.text = found.text.trim().to_string();
                return Ok(found);
            }
            Event::Eof => return Err("the element is not closed".into()),
            _ => {}
        }
    }
}

fn name(e: &BytesStart) -> String {
    String::from_utf8_lossy(e.name().as_ref()).into_owned()
}

/// An element's attributes as `_name` fields (namespace declarations aside).
fn attributes(e: &BytesStart) -> Result<Vec<(String, String)>, String> {
    let mut found = Vec::new();
    for attribute in e.attributes() {
        let attribute = attribute.map_err(|e| e.to_string())?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = attribute
            .unescape_value()
            .map_err(|e| e.to_string())?
            .into_owned();
        found.push((format!("_{key}"), value));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<Result<&str, usize>> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(found) = next_record(text.as_bytes(), "row", at) {
            match found {
                Ok(span) => {
                    at = span.end;
                    out.push(Ok(&text[span]));
                }
                Err(start) => {
                    out.push(Err(start));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn records_are_found_wherever_they_are_nested_rows_inside_and_self_closing_ones_skipped() {
        let text = r#"<root><rows><row a=">"><x>1</x></row><rower/><row/><row><row>in</row></row></rows><row>cut"#;
        assert_eq!(
            spans(text),
            [
                Ok(r#"<row a=">"><x>1</x></row>"#),
                Ok("<row><row>in</row></row>"),
                Err(text.rfind("<row>").unwrap()),
            ]
        );
        assert!(spans("<root><rowing/></root>").is_empty());
    }

    #[test]
    fn an_element_reads_its_attributes_children_and_text() {
        let e = Element::parse(
            r#"<row id="1" xmlns:x="u"><name>Ralls &amp; Kim &#65;</name><p c="EUR"> 5 </p><![CDATA[<raw>]]><e/></row>"#,
        )
        .unwrap();
        assert_eq!(e.attributes, [("_id".to_string(), "1".to_string())]);
        let names: Vec<&str> = e.children.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["name", "p", "e"]);
        assert_eq!(e.children[0].1.text, "Ralls & Kim A");
        assert_eq!(e.children[1].1.text, "5");
        assert_eq!(e.text, "<raw>");
        assert!(Element::parse("<row><a></row>").is_err());
    }
}

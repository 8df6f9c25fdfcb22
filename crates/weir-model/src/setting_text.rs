//! Text settings that accept values which look like numbers or booleans.
//!
//! Configuration layers (TOML, `WEIR__…` environment variables) type a bare `112233445566` as a
//! number and `true` as a boolean; a setting that is text (an account id, a key, a region) takes
//! them as the text they were written as. Use with `#[serde(deserialize_with = "…")]`.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// A `String` setting.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(Text)
}

/// An optional `String` setting.
pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_option(OptionalText)
}

struct Text;

impl Visitor<'_> for Text {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("text")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<String, E> {
        Ok(v.to_string())
    }
}

struct OptionalText;

impl<'de> Visitor<'de> for OptionalText {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("text")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        string(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Settings {
        #[serde(deserialize_with = "super::string")]
        account_id: String,
        #[serde(default, deserialize_with = "super::option")]
        key: Option<String>,
    }

    #[test]
    fn numbers_and_booleans_are_read_as_the_text_written() {
        let s: Settings =
            serde_json::from_str(r#"{"account_id": 112233445566, "key": true}"#).unwrap();
        assert_eq!(s.account_id, "112233445566");
        assert_eq!(s.key.as_deref(), Some("true"));
        let s: Settings = serde_json::from_str(r#"{"account_id": "0012"}"#).unwrap();
        assert_eq!(s.account_id, "0012");
        assert_eq!(s.key, None);
        let s: Settings = serde_json::from_str(r#"{"account_id": "a", "key": null}"#).unwrap();
        assert_eq!(s.key, None);
    }
}

//! Serde helpers that take v3's loose typing and hand clean Rust types upward (§4).
//!
//! v3 sends numbers as strings and sometimes as numbers, booleans as `"1"`/`"0"`, `""` for unset
//! dates, and — because its backend encodes an empty map as `[]` — lists and maps in either JSON
//! form. Every reply type decodes through these, so nothing above `api/` sees a string that should
//! be a number. Use them as `#[serde(default, deserialize_with = "lenient::…")]`.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserializer, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

// ---------------------------------------------------------------------------------------------
// Strings

/// A string that may come as a string, a number, a boolean or null (null → "").
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(StringVisitor)
}

struct StringVisitor;

impl<'de> Visitor<'de> for StringVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
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
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(float_text(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

/// `12.0` → "12" so that a whole float parses as an integer afterwards.
fn float_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers

/// A number from `12` or `"12"`; `""` and null are refused (use [`opt_number`] where they mean
/// "not set").
pub fn number<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
{
    match d.deserialize_any(NumberText)? {
        Some(text) => parse_number(&text),
        None => Err(de::Error::custom("expected a number, found an empty value")),
    }
}

/// A number from `12` or `"12"`; `""`, null or a missing field → None.
pub fn opt_number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
{
    d.deserialize_any(NumberText)?
        .map(|text| parse_number(&text))
        .transpose()
}

/// A count or amount from `12` or `"12"`; `""`, null or a missing field → 0.
pub fn number_or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + Default,
{
    Ok(opt_number(d)?.unwrap_or_default())
}

fn parse_number<T: FromStr, E: de::Error>(text: &str) -> Result<T, E> {
    text.parse::<T>()
        .map_err(|_| E::custom(format!("expected a number, found {text:?}")))
}

/// The text of a number, whichever JSON type carried it; None for `""` and null.
struct NumberText;

impl<'de> Visitor<'de> for NumberText {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or a number in a string")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(float_text(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let v = v.trim();
        Ok((!v.is_empty()).then(|| v.to_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

// ---------------------------------------------------------------------------------------------
// Booleans

/// true from `true`, `"true"`, `"1"`, `1`, `"yes"`; false from `false`, `"false"`, `"0"`, `0`,
/// `""`, `"no"` and null.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(d.deserialize_any(BoolVisitor)?.unwrap_or(false))
}

/// Like [`boolean`], but `""` and null → None.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(BoolVisitor)
}

struct BoolVisitor;

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("true/false, 1/0 or the same in a string")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match v {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::custom(format!("expected 0 or 1, found {v}"))),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(format!("expected 0 or 1, found {v}"))),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match v.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "1" | "true" | "yes" | "on" => Ok(Some(true)),
            "0" | "false" | "no" | "off" => Ok(Some(false)),
            _ => Err(E::custom(format!("expected true or false, found {v:?}"))),
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

// ---------------------------------------------------------------------------------------------
// Dates and times (v3 sends UTC without a zone, sometimes with a " UTC" suffix)

const DATETIME: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
const DATETIME_T: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
const DATE: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

/// `"2025-01-01 13:48:22"` or `"2025-01-01 13:48:22 UTC"` → that instant in UTC; `""`, null and
/// the all-zero placeholder → None.
pub fn opt_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
    let Some(text) = d.deserialize_any(NumberText)? else {
        return Ok(None);
    };
    parse_datetime(&text).map_err(de::Error::custom)
}

/// Parses the v3 datetime forms; public so request builders and tests share one definition.
pub fn parse_datetime(text: &str) -> Result<Option<OffsetDateTime>, String> {
    let mut text = text.trim();
    if let Some(stripped) = text.strip_suffix(" UTC").or_else(|| text.strip_suffix("Z")) {
        text = stripped.trim_end();
    }
    if text.is_empty() || text.starts_with("0000-00-00") {
        return Ok(None);
    }
    PrimitiveDateTime::parse(text, DATETIME)
        .or_else(|_| PrimitiveDateTime::parse(text, DATETIME_T))
        .map(|at| Some(at.assume_utc()))
        .map_err(|_| format!("expected a date and time like 2025-01-01 13:48:22, found {text:?}"))
}

/// `"1970-01-01"` → that date; `""`, null and `"0000-00-00"` → None.
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    let Some(text) = d.deserialize_any(NumberText)? else {
        return Ok(None);
    };
    if text.starts_with("0000-00-00") {
        return Ok(None);
    }
    Date::parse(&text, DATE)
        .map(Some)
        .map_err(|_| de::Error::custom(format!("expected a date like 1970-01-01, found {text:?}")))
}

/// Writes a datetime as RFC 3339 for the layers above (the UI formats it for the reader).
pub fn ser_opt_datetime<S: Serializer>(
    value: &Option<OffsetDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(at) => {
            let text = at.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
            s.serialize_some(&text)
        }
        None => s.serialize_none(),
    }
}

/// Writes a date as `YYYY-MM-DD`.
pub fn ser_opt_date<S: Serializer>(value: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(date) => {
            let text = date.format(DATE).map_err(serde::ser::Error::custom)?;
            s.serialize_some(&text)
        }
        None => s.serialize_none(),
    }
}

// ---------------------------------------------------------------------------------------------
// Collections

/// A list from a JSON array, from the values of an object (in document order), or from null /
/// `""` / a missing field (→ empty).
pub fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    d.deserialize_any(ListVisitor(PhantomData))
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(items)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::new();
        while map.next_key::<IgnoredAny>()?.is_some() {
            items.push(map.next_value()?);
        }
        Ok(items)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
        if v.trim().is_empty() {
            Ok(Vec::new())
        } else {
            Err(E::invalid_type(de::Unexpected::Str(v), &self))
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(self)
    }
}

/// A v4 list: a bare array, or an object carrying the array under `data` (§10 allows both).
pub fn data_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    d.deserialize_any(DataListVisitor(PhantomData))
}

struct DataListVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for DataListVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list, or an object with a `data` list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
        ListVisitor(PhantomData).visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
        let mut items = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "data" && items.is_none() {
                items = Some(map.next_value_seed(ListSeed::<T>(PhantomData))?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        items.ok_or_else(|| de::Error::missing_field("data"))
    }
}

/// [`list`] as a seed, for use inside another visitor.
struct ListSeed<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> de::DeserializeSeed<'de> for ListSeed<T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        list(d)
    }
}

/// One object from an object or from the first entry of an array (seed 000 wraps the one card
/// in an array); an empty array, null or `""` → None.
pub fn one<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    d.deserialize_any(OneVisitor(PhantomData))
}

struct OneVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for OneVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object or a list holding one")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
        let first = seq.next_element()?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(first)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        if v.trim().is_empty() {
            Ok(None)
        } else {
            Err(E::invalid_type(de::Unexpected::Str(v), &self))
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use time::macros::{date, datetime};

    #[derive(Debug, Deserialize)]
    struct Row {
        #[serde(default, deserialize_with = "string")]
        s: String,
        #[serde(default, deserialize_with = "opt_number")]
        n32: Option<u32>,
        #[serde(default, deserialize_with = "opt_number")]
        n64: Option<u64>,
        #[serde(default, deserialize_with = "opt_number")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "opt_number")]
        f: Option<f64>,
        #[serde(default, deserialize_with = "boolean")]
        b: bool,
        #[serde(default, deserialize_with = "opt_bool")]
        ob: Option<bool>,
        #[serde(default, deserialize_with = "opt_datetime")]
        at: Option<OffsetDateTime>,
        #[serde(default, deserialize_with = "opt_date")]
        day: Option<Date>,
        #[serde(default, deserialize_with = "list")]
        items: Vec<u8>,
    }

    fn row(json: &str) -> Row {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    fn fails(json: &str) -> String {
        match serde_json::from_str::<Row>(json) {
            Ok(r) => panic!("{json} decoded to {r:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn numbers_come_as_strings_or_numbers() {
        let r = row(r#"{"n32":"12","n64":18001837,"i":"-4","f":"2.5"}"#);
        assert_eq!(
            (r.n32, r.n64, r.i, r.f),
            (Some(12), Some(18001837), Some(-4), Some(2.5))
        );
        let r = row(r#"{"n32":12,"n64":"19878460","i":-4,"f":3}"#);
        assert_eq!(
            (r.n32, r.n64, r.i, r.f),
            (Some(12), Some(19878460), Some(-4), Some(3.0))
        );
        let r = row(r#"{"n32":" 7 ","n64":12.0}"#);
        assert_eq!((r.n32, r.n64), (Some(7), Some(12)));
        let r = row(r#"{"n32":"","n64":null}"#);
        assert_eq!((r.n32, r.n64, r.i, r.f), (None, None, None, None));
        assert!(fails(r#"{"n32":"abc"}"#).contains("expected a number"));
        assert!(fails(r#"{"n32":"-1"}"#).contains("expected a number"));
        assert!(fails(r#"{"n32":"4294967296"}"#).contains("expected a number"));
        assert!(fails(r#"{"n32":1.5}"#).contains("expected a number"));
        assert!(fails(r#"{"n32":[1]}"#).contains("a number or a number in a string"));
    }

    #[test]
    fn required_number_refuses_empty() {
        #[derive(Debug, Deserialize)]
        struct Req {
            #[serde(deserialize_with = "number")]
            n: u64,
        }
        assert_eq!(serde_json::from_str::<Req>(r#"{"n":"5"}"#).unwrap().n, 5);
        assert_eq!(serde_json::from_str::<Req>(r#"{"n":5}"#).unwrap().n, 5);
        assert!(serde_json::from_str::<Req>(r#"{"n":""}"#).is_err());
        assert!(serde_json::from_str::<Req>(r#"{"n":null}"#).is_err());
    }

    #[test]
    fn booleans_in_every_spelling() {
        for (json, b, ob) in [
            ("true", true, Some(true)),
            ("\"true\"", true, Some(true)),
            ("\"TRUE\"", true, Some(true)),
            ("\"1\"", true, Some(true)),
            ("1", true, Some(true)),
            ("false", false, Some(false)),
            ("\"false\"", false, Some(false)),
            ("\"0\"", false, Some(false)),
            ("0", false, Some(false)),
            ("\"\"", false, None),
            ("null", false, None),
        ] {
            let r = row(&format!(r#"{{"b":{json},"ob":{json}}}"#));
            assert_eq!((r.b, r.ob), (b, ob), "{json}");
        }
        let r = row("{}");
        assert_eq!((r.b, r.ob), (false, None));
        assert!(fails(r#"{"b":"maybe"}"#).contains("expected true or false"));
        assert!(fails(r#"{"b":2}"#).contains("expected 0 or 1"));
    }

    #[test]
    fn datetimes_with_and_without_utc_suffix() {
        assert_eq!(
            row(r#"{"at":"2019-03-25 10:43:50"}"#).at,
            Some(datetime!(2019-03-25 10:43:50 UTC))
        );
        assert_eq!(
            row(r#"{"at":"2025-01-01 13:48:22 UTC"}"#).at,
            Some(datetime!(2025-01-01 13:48:22 UTC))
        );
        assert_eq!(
            row(r#"{"at":"2025-01-01T13:48:22Z"}"#).at,
            Some(datetime!(2025-01-01 13:48:22 UTC))
        );
        assert_eq!(row(r#"{"at":""}"#).at, None);
        assert_eq!(row(r#"{"at":null}"#).at, None);
        assert_eq!(row(r#"{"at":"0000-00-00 00:00:00"}"#).at, None);
        assert_eq!(row("{}").at, None);
        assert!(fails(r#"{"at":"25/03/2019"}"#).contains("expected a date and time"));
        assert!(fails(r#"{"at":"2019-02-30 10:00:00"}"#).contains("expected a date and time"));
    }

    #[test]
    fn dates() {
        assert_eq!(
            row(r#"{"day":"1970-01-01"}"#).day,
            Some(date!(1970 - 01 - 01))
        );
        assert_eq!(row(r#"{"day":""}"#).day, None);
        assert_eq!(row(r#"{"day":"0000-00-00"}"#).day, None);
        assert!(fails(r#"{"day":"01-01-1970"}"#).contains("expected a date"));
    }

    #[test]
    fn strings_that_come_as_numbers() {
        assert_eq!(row(r#"{"s":"abc"}"#).s, "abc");
        assert_eq!(row(r#"{"s":123456}"#).s, "123456");
        assert_eq!(row(r#"{"s":-3}"#).s, "-3");
        assert_eq!(row(r#"{"s":true}"#).s, "true");
        assert_eq!(row(r#"{"s":null}"#).s, "");
        assert_eq!(row("{}").s, "");
    }

    #[test]
    fn lists_from_arrays_objects_and_nothing() {
        assert_eq!(row(r#"{"items":[1,2,3]}"#).items, vec![1, 2, 3]);
        assert_eq!(
            row(r#"{"items":{"b":2,"a":1}}"#).items,
            vec![2, 1],
            "document order"
        );
        assert_eq!(row(r#"{"items":{}}"#).items, Vec::<u8>::new());
        assert_eq!(row(r#"{"items":[]}"#).items, Vec::<u8>::new());
        assert_eq!(row(r#"{"items":""}"#).items, Vec::<u8>::new());
        assert_eq!(row(r#"{"items":null}"#).items, Vec::<u8>::new());
        assert!(fails(r#"{"items":"x"}"#).contains("a list"));
    }

    #[test]
    fn counts_default_to_zero() {
        #[derive(Debug, Deserialize)]
        struct C {
            #[serde(default, deserialize_with = "number_or_default")]
            n: u32,
        }
        let n = |json: &str| serde_json::from_str::<C>(json).unwrap().n;
        assert_eq!(
            (
                n(r#"{"n":"8"}"#),
                n(r#"{"n":8}"#),
                n(r#"{"n":""}"#),
                n("{}")
            ),
            (8, 8, 0, 0)
        );
        assert!(serde_json::from_str::<C>(r#"{"n":"eight"}"#).is_err());
    }

    #[test]
    fn data_lists_bare_or_wrapped() {
        #[derive(Debug, Deserialize)]
        struct W(#[serde(deserialize_with = "data_list")] Vec<u8>);
        let w = |json: &str| serde_json::from_str::<W>(json).map(|w| w.0);
        assert_eq!(w("[1,2]").unwrap(), vec![1, 2]);
        assert_eq!(
            w(r#"{"data":[3],"pagination":{"page":1}}"#).unwrap(),
            vec![3]
        );
        assert_eq!(
            w(r#"{"pagination":{},"data":[]}"#).unwrap(),
            Vec::<u8>::new()
        );
        assert!(w(r#"{"message":"x"}"#)
            .unwrap_err()
            .to_string()
            .contains("missing field `data`"));
        assert!(w(r#""x""#).is_err());
    }

    #[test]
    fn one_from_object_or_array() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Inner {
            a: u8,
        }
        #[derive(Debug, Deserialize)]
        struct Outer {
            #[serde(default, deserialize_with = "one")]
            x: Option<Inner>,
        }
        let x = |json: &str| serde_json::from_str::<Outer>(json).unwrap().x;
        assert_eq!(x(r#"{"x":{"a":1}}"#), Some(Inner { a: 1 }));
        assert_eq!(x(r#"{"x":[{"a":2},{"a":3}]}"#), Some(Inner { a: 2 }));
        assert_eq!(x(r#"{"x":[]}"#), None);
        assert_eq!(x(r#"{"x":""}"#), None);
        assert_eq!(x(r#"{}"#), None);
    }

    #[test]
    fn errors_carry_the_json_path() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            #[serde(deserialize_with = "list")]
            rows: Vec<Row>,
        }
        let json = r#"{"rows":[{"n32":"1"},{"n32":"x"}]}"#;
        let mut de = serde_json::Deserializer::from_str(json);
        let err = serde_path_to_error::deserialize::<_, Outer>(&mut de).unwrap_err();
        assert_eq!(err.path().to_string(), "rows[1].n32");
    }

    #[test]
    fn serializers_write_rfc3339_and_plain_dates() {
        #[derive(serde::Serialize)]
        struct Out {
            #[serde(serialize_with = "ser_opt_datetime")]
            at: Option<OffsetDateTime>,
            #[serde(serialize_with = "ser_opt_date")]
            day: Option<Date>,
        }
        let out = Out {
            at: Some(datetime!(2025-01-01 13:48:22 UTC)),
            day: Some(date!(1970 - 01 - 02)),
        };
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"at":"2025-01-01T13:48:22Z","day":"1970-01-02"}"#
        );
        let none = Out {
            at: None,
            day: None,
        };
        assert_eq!(
            serde_json::to_string(&none).unwrap(),
            r#"{"at":null,"day":null}"#
        );
    }
}

//! Conversion between TestKit's JSON encoding of Cypher values and [`boltc::Value`].
//!
//! TestKit encodes every value as `{"name": "<CypherType>", "data": {...}}`:
//! scalars carry `data.value`; floats use the strings `"+Infinity"`, `"-Infinity"` and `"NaN"`
//! for the non-finite values; bytes are hex pairs separated by spaces (`"ff 01"`); nodes,
//! relationships and paths carry their fields as Cypher values themselves; temporal values
//! carry calendar fields (`year`, `month`, ..., `utc_offset_s`, `timezone_id`).

use boltc::{
    Date, DateTime, DateTimeZoneId, Duration, LocalDateTime, LocalTime, Map, Node, Point2D,
    Point3D, Relationship, Time, Value,
};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike};
use serde_json::{json, Value as Json};

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

fn tagged(name: &str, data: Json) -> Json {
    json!({ "name": name, "data": data })
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("invariant: the epoch is a valid date")
}

/// Encodes a float the way TestKit expects (`"NaN"`, `"+Infinity"`, `"-Infinity"`).
fn float_json(f: f64) -> Json {
    if f.is_nan() {
        json!("NaN")
    } else if f.is_infinite() {
        json!(if f > 0.0 { "+Infinity" } else { "-Infinity" })
    } else {
        json!(f)
    }
}

fn srid_system(srid: i64) -> &'static str {
    match srid {
        4326 | 4979 => "wgs84",
        _ => "cartesian",
    }
}

fn naive_from_local_seconds(seconds: i64, nanos: i32) -> Option<NaiveDateTime> {
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let secs_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let date = epoch().checked_add_signed(chrono::Duration::try_days(days)?)?;
    let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(
        u32::try_from(secs_of_day).ok()?,
        u32::try_from(nanos).ok()?,
    )?;
    Some(NaiveDateTime::new(date, time))
}

fn datetime_fields(local: NaiveDateTime, offset: Option<i32>, zone: Option<&str>) -> Json {
    json!({
        "year": local.year(),
        "month": local.month(),
        "day": local.day(),
        "hour": local.hour(),
        "minute": local.minute(),
        "second": local.second(),
        "nanosecond": local.nanosecond(),
        "utc_offset_s": offset,
        "timezone_id": zone,
    })
}

fn time_fields(nanos_of_day: i64, offset: Option<i32>) -> Json {
    let secs = nanos_of_day.div_euclid(NANOS_PER_SECOND);
    json!({
        "hour": secs / 3600,
        "minute": (secs / 60) % 60,
        "second": secs % 60,
        "nanosecond": nanos_of_day.rem_euclid(NANOS_PER_SECOND),
        "utc_offset_s": offset,
    })
}

fn node_json(n: &Node) -> Json {
    tagged(
        "Node",
        json!({
            "id": tagged("CypherInt", json!({"value": n.id})),
            "labels": to_cypher(&Value::List(
                n.labels.iter().cloned().map(Value::String).collect()
            )),
            "props": map_json(&n.properties),
            "elementId": tagged("CypherString", json!({"value": n.element_id})),
        }),
    )
}

fn relationship_json(r: &Relationship) -> Json {
    let int = |i: i64| tagged("CypherInt", json!({ "value": i }));
    let string = |s: &str| tagged("CypherString", json!({ "value": s }));
    tagged(
        "Relationship",
        json!({
            "id": int(r.id),
            "startNodeId": int(r.start_node_id),
            "endNodeId": int(r.end_node_id),
            "type": string(&r.rel_type),
            "props": map_json(&r.properties),
            "elementId": string(&r.element_id),
            "startNodeElementId": string(&r.start_node_element_id),
            "endNodeElementId": string(&r.end_node_element_id),
        }),
    )
}

fn map_json(m: &Map) -> Json {
    let inner: serde_json::Map<String, Json> =
        m.iter().map(|(k, v)| (k.clone(), to_cypher(v))).collect();
    tagged("CypherMap", json!({ "value": inner }))
}

/// Encodes a driver value as a TestKit Cypher value.
///
/// Values TestKit has no type for (vectors, unknown structures) become a `CypherString`
/// with a description, so a test shows what arrived instead of the backend failing.
pub fn to_cypher(v: &Value) -> Json {
    match v {
        Value::Null => tagged("CypherNull", json!({ "value": null })),
        Value::Bool(b) => tagged("CypherBool", json!({ "value": b })),
        Value::Int(i) => tagged("CypherInt", json!({ "value": i })),
        Value::Float(f) => tagged("CypherFloat", json!({ "value": float_json(*f) })),
        Value::Bytes(b) => {
            let hex: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
            tagged("CypherBytes", json!({ "value": hex.join(" ") }))
        }
        Value::String(s) => tagged("CypherString", json!({ "value": s })),
        Value::List(l) => {
            let items: Vec<Json> = l.iter().map(to_cypher).collect();
            tagged("CypherList", json!({ "value": items }))
        }
        Value::Map(m) => map_json(m),
        Value::Node(n) => node_json(n),
        Value::Relationship(r) => relationship_json(r),
        Value::UnboundRelationship(u) => relationship_json(&Relationship {
            id: u.id,
            element_id: u.element_id.clone(),
            start_node_id: -1,
            start_node_element_id: String::new(),
            end_node_id: -1,
            end_node_element_id: String::new(),
            rel_type: u.rel_type.clone(),
            properties: u.properties.clone(),
        }),
        Value::Path(p) => {
            let nodes: Vec<Json> = p.nodes.iter().map(|n| node_json(n)).collect();
            let rels: Vec<Json> = p
                .relationships
                .iter()
                .map(|r| relationship_json(r))
                .collect();
            tagged(
                "Path",
                json!({
                    "nodes": tagged("CypherList", json!({ "value": nodes })),
                    "relationships": tagged("CypherList", json!({ "value": rels })),
                }),
            )
        }
        Value::Date(d) => match epoch()
            .checked_add_signed(chrono::Duration::try_days(d.days).unwrap_or(chrono::Duration::MAX))
        {
            Some(date) => tagged(
                "CypherDate",
                json!({"year": date.year(), "month": date.month(), "day": date.day()}),
            ),
            None => unrepresentable(v),
        },
        Value::Time(t) => tagged(
            "CypherTime",
            time_fields(t.nanoseconds, Some(t.tz_offset_seconds)),
        ),
        Value::LocalTime(t) => tagged("CypherTime", time_fields(t.nanoseconds, None)),
        Value::DateTime(dt) => {
            let local = dt.seconds.checked_add(i64::from(dt.tz_offset_seconds));
            match local.and_then(|s| naive_from_local_seconds(s, dt.nanoseconds)) {
                Some(local) => tagged(
                    "CypherDateTime",
                    datetime_fields(local, Some(dt.tz_offset_seconds), None),
                ),
                None => unrepresentable(v),
            }
        }
        Value::DateTimeZoneId(dt) => match zoned_local(dt) {
            Some((local, offset)) => tagged(
                "CypherDateTime",
                datetime_fields(local, Some(offset), Some(&dt.tz_id)),
            ),
            None => unrepresentable(v),
        },
        Value::LocalDateTime(dt) => match naive_from_local_seconds(dt.seconds, dt.nanoseconds) {
            Some(local) => tagged("CypherDateTime", datetime_fields(local, None, None)),
            None => unrepresentable(v),
        },
        Value::Duration(d) => tagged(
            "CypherDuration",
            json!({
                "months": d.months,
                "days": d.days,
                "seconds": d.seconds,
                "nanoseconds": d.nanoseconds,
            }),
        ),
        Value::Point2D(p) => tagged(
            "CypherPoint",
            json!({"system": srid_system(p.srid), "x": float_json(p.x), "y": float_json(p.y), "z": null}),
        ),
        Value::Point3D(p) => tagged(
            "CypherPoint",
            json!({
                "system": srid_system(p.srid),
                "x": float_json(p.x),
                "y": float_json(p.y),
                "z": float_json(p.z),
            }),
        ),
        other => unrepresentable(other),
    }
}

fn unrepresentable(v: &Value) -> Json {
    tagged(
        "CypherString",
        json!({ "value": format!("<unrepresentable {}: {v:?}>", v.type_name()) }),
    )
}

/// The wall-clock time and UTC offset of a zoned date-time, using the IANA database.
fn zoned_local(dt: &DateTimeZoneId) -> Option<(NaiveDateTime, i32)> {
    let tz: chrono_tz::Tz = dt.tz_id.parse().ok()?;
    let utc = chrono::DateTime::from_timestamp(dt.seconds, u32::try_from(dt.nanoseconds).ok()?)?;
    let zoned = utc.with_timezone(&tz);
    let offset = zoned.offset().fix().local_minus_utc();
    Some((zoned.naive_local(), offset))
}

/// Why boltc's zone database (chrono-tz, the IANA database) cannot echo TestKit's zoned
/// `CypherDateTime` `dt` (TestKit's JSON form, `{"name": .., "data": {..}}`) unchanged, if it
/// cannot: the zone is unknown to it, or the wall-clock time has no UTC offset there equal to
/// the one TestKit computed (pytz rounds historic local-mean-time offsets to whole minutes:
/// Africa/Abidjan in year 1 is -968 s in the database, -960 s for TestKit). `None` when it can,
/// and for a value that is not a zoned date-time.
pub fn zone_db_disagreement(dt: &Json) -> Option<String> {
    let data = dt.get("data")?;
    let zone = data.get("timezone_id").and_then(Json::as_str)?;
    let Ok(tz) = zone.parse::<chrono_tz::Tz>() else {
        return Some(format!(
            "the IANA zone database boltc uses has no zone {zone}"
        ));
    };
    let offset = opt_int_field(data, "utc_offset_s").ok()??;
    let local = parse_naive(data).ok()?;
    let known: Vec<i64> = match tz.offset_from_local_datetime(&local) {
        chrono::LocalResult::Single(o) => vec![o.fix().local_minus_utc().into()],
        chrono::LocalResult::Ambiguous(a, b) => vec![
            a.fix().local_minus_utc().into(),
            b.fix().local_minus_utc().into(),
        ],
        chrono::LocalResult::None => Vec::new(),
    };
    (!known.contains(&offset)).then(|| {
        format!(
            "TestKit expects UTC offset {offset} s for {local} in {zone}; the IANA zone database \
             has {known:?} s"
        )
    })
}

fn field<'a>(data: &'a Json, key: &str) -> Result<&'a Json, String> {
    data.get(key)
        .ok_or_else(|| format!("missing field '{key}'"))
}

fn int_field(data: &Json, key: &str) -> Result<i64, String> {
    let f = field(data, key)?;
    f.as_i64()
        .or_else(|| f.as_f64().filter(|x| x.fract() == 0.0).map(|x| x as i64))
        .ok_or_else(|| format!("field '{key}' is not an integer: {f}"))
}

fn opt_int_field(data: &Json, key: &str) -> Result<Option<i64>, String> {
    match data.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(_) => int_field(data, key).map(Some),
    }
}

fn parse_float(v: &Json) -> Result<f64, String> {
    match v {
        Json::Number(n) => n.as_f64().ok_or_else(|| format!("bad float {n}")),
        Json::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "+Infinity" | "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            other => other.parse().map_err(|_| format!("bad float '{other}'")),
        },
        other => Err(format!("bad float {other}")),
    }
}

fn to_i32(v: i64, what: &str) -> Result<i32, String> {
    i32::try_from(v).map_err(|_| format!("{what} out of range: {v}"))
}

fn to_u32(v: i64, what: &str) -> Result<u32, String> {
    u32::try_from(v).map_err(|_| format!("{what} out of range: {v}"))
}

fn parse_naive(data: &Json) -> Result<NaiveDateTime, String> {
    let date = NaiveDate::from_ymd_opt(
        to_i32(int_field(data, "year")?, "year")?,
        to_u32(int_field(data, "month")?, "month")?,
        to_u32(int_field(data, "day")?, "day")?,
    )
    .ok_or("invalid date")?;
    let time = chrono::NaiveTime::from_hms_nano_opt(
        to_u32(int_field(data, "hour")?, "hour")?,
        to_u32(int_field(data, "minute")?, "minute")?,
        to_u32(int_field(data, "second")?, "second")?,
        to_u32(int_field(data, "nanosecond")?, "nanosecond")?,
    )
    .ok_or("invalid time")?;
    Ok(NaiveDateTime::new(date, time))
}

fn local_seconds(n: &NaiveDateTime) -> i64 {
    n.signed_duration_since(NaiveDateTime::new(epoch(), chrono::NaiveTime::MIN))
        .num_seconds()
}

/// Decodes a TestKit Cypher value into a driver value (for query parameters).
pub fn from_cypher(v: &Json) -> Result<Value, String> {
    let name = v
        .get("name")
        .and_then(Json::as_str)
        .ok_or_else(|| format!("not a Cypher value: {v}"))?;
    let empty = Json::Object(Default::default());
    let data = match v.get("data") {
        Some(Json::Null) | None => &empty,
        Some(d) => d,
    };
    let value = || data.get("value").unwrap_or(&Json::Null);
    Ok(match name {
        "CypherNull" => Value::Null,
        "CypherBool" => Value::Bool(value().as_bool().ok_or("CypherBool needs a bool")?),
        "CypherInt" => Value::Int(int_field(data, "value")?),
        "CypherFloat" => Value::Float(parse_float(value())?),
        "CypherString" => Value::String(
            value()
                .as_str()
                .ok_or("CypherString needs a string")?
                .to_owned(),
        ),
        "CypherBytes" => {
            let hex = value().as_str().ok_or("CypherBytes needs a hex string")?;
            let bytes = hex
                .split_whitespace()
                .map(|b| u8::from_str_radix(b, 16).map_err(|_| format!("bad byte '{b}'")))
                .collect::<Result<Vec<u8>, String>>()?;
            Value::Bytes(bytes)
        }
        "CypherList" => Value::List(
            value()
                .as_array()
                .ok_or("CypherList needs an array")?
                .iter()
                .map(from_cypher)
                .collect::<Result<_, _>>()?,
        ),
        "CypherMap" => Value::Map(params_from_json(value())?),
        "CypherDate" => {
            let date = NaiveDate::from_ymd_opt(
                to_i32(int_field(data, "year")?, "year")?,
                to_u32(int_field(data, "month")?, "month")?,
                to_u32(int_field(data, "day")?, "day")?,
            )
            .ok_or("invalid date")?;
            Value::Date(Date {
                days: date.signed_duration_since(epoch()).num_days(),
            })
        }
        "CypherTime" => {
            let nanos = ((int_field(data, "hour")? * 60 + int_field(data, "minute")?) * 60
                + int_field(data, "second")?)
                * NANOS_PER_SECOND
                + int_field(data, "nanosecond")?;
            match opt_int_field(data, "utc_offset_s")? {
                Some(off) => Value::Time(Time {
                    nanoseconds: nanos,
                    tz_offset_seconds: to_i32(off, "utc_offset_s")?,
                }),
                None => Value::LocalTime(LocalTime { nanoseconds: nanos }),
            }
        }
        "CypherDateTime" => {
            let local = parse_naive(data)?;
            let nanos = i32::try_from(local.nanosecond()).map_err(|_| "bad nanosecond")?;
            let wall = local_seconds(&local);
            let offset = opt_int_field(data, "utc_offset_s")?;
            let zone = data.get("timezone_id").and_then(Json::as_str);
            match (offset, zone) {
                (None, None) => Value::LocalDateTime(LocalDateTime {
                    seconds: wall,
                    nanoseconds: nanos,
                }),
                (Some(off), None) => Value::DateTime(DateTime {
                    seconds: wall - off,
                    nanoseconds: nanos,
                    tz_offset_seconds: to_i32(off, "utc_offset_s")?,
                }),
                (Some(off), Some(zone)) => Value::DateTimeZoneId(Box::new(DateTimeZoneId {
                    seconds: wall - off,
                    nanoseconds: nanos,
                    tz_id: zone.to_owned(),
                })),
                (None, Some(zone)) => {
                    // No offset given: resolve it from the zone database (earliest if ambiguous).
                    let tz: chrono_tz::Tz =
                        zone.parse().map_err(|_| format!("unknown zone '{zone}'"))?;
                    let zoned = tz
                        .from_local_datetime(&local)
                        .earliest()
                        .ok_or_else(|| format!("{local} does not exist in {zone}"))?;
                    Value::DateTimeZoneId(Box::new(DateTimeZoneId {
                        seconds: zoned.timestamp(),
                        nanoseconds: nanos,
                        tz_id: zone.to_owned(),
                    }))
                }
            }
        }
        "CypherDuration" => Value::Duration(Duration {
            months: int_field(data, "months")?,
            days: int_field(data, "days")?,
            seconds: int_field(data, "seconds")?,
            nanoseconds: to_i32(int_field(data, "nanoseconds")?, "nanoseconds")?,
        }),
        "CypherPoint" => {
            let system = data
                .get("system")
                .and_then(Json::as_str)
                .ok_or("CypherPoint needs a system")?;
            let x = parse_float(field(data, "x")?)?;
            let y = parse_float(field(data, "y")?)?;
            match data.get("z") {
                None | Some(Json::Null) => Value::Point2D(Point2D {
                    srid: if system == "wgs84" { 4326 } else { 7203 },
                    x,
                    y,
                }),
                Some(z) => Value::Point3D(Point3D {
                    srid: if system == "wgs84" { 4979 } else { 9157 },
                    x,
                    y,
                    z: parse_float(z)?,
                }),
            }
        }
        other => return Err(format!("unsupported Cypher type as parameter: {other}")),
    })
}

/// Decodes a JSON object of Cypher values (query parameters, tx metadata) into a map.
pub fn params_from_json(v: &Json) -> Result<Map, String> {
    match v {
        Json::Null => Ok(Map::new()),
        Json::Object(o) => o
            .iter()
            .map(|(k, v)| Ok((k.clone(), from_cypher(v)?)))
            .collect(),
        other => Err(format!("expected an object of Cypher values, got {other}")),
    }
}

/// Encodes a map as a plain JSON object of Cypher values (e.g. a diagnostic record).
pub fn map_to_cypher_object(m: &Map) -> Json {
    Json::Object(m.iter().map(|(k, v)| (k.clone(), to_cypher(v))).collect())
}

/// Encodes a driver value as plain JSON (e.g. summary plans and query parameters).
pub fn to_plain_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(f) => float_json(*f),
        Value::String(s) => json!(s),
        Value::List(l) => Json::Array(l.iter().map(to_plain_json).collect()),
        Value::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), to_plain_json(v)))
                .collect(),
        ),
        other => to_cypher(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use boltc::Path;

    fn roundtrip(v: Value) {
        let j = to_cypher(&v);
        let back = from_cypher(&j).unwrap_or_else(|e| panic!("{e}: {j}"));
        match (&v, &back) {
            (Value::Float(a), Value::Float(b)) if a.is_nan() => assert!(b.is_nan()),
            _ => assert_eq!(v, back, "{j}"),
        }
    }

    #[test]
    fn scalars_roundtrip() {
        roundtrip(Value::Null);
        roundtrip(Value::Bool(true));
        roundtrip(Value::Int(i64::MIN));
        roundtrip(Value::Int(i64::MAX));
        roundtrip(Value::Float(1.5));
        roundtrip(Value::Float(f64::NAN));
        roundtrip(Value::Float(f64::INFINITY));
        roundtrip(Value::Float(f64::NEG_INFINITY));
        roundtrip(Value::String("häh".into()));
        roundtrip(Value::Bytes(vec![0, 1, 0xff]));
        let mut m = Map::new();
        m.insert("a".into(), Value::List(vec![Value::Int(1), Value::Null]));
        roundtrip(Value::Map(m));
    }

    #[test]
    fn float_and_bytes_encodings() {
        assert_eq!(
            to_cypher(&Value::Float(f64::NEG_INFINITY))["data"]["value"],
            "-Infinity"
        );
        assert_eq!(
            to_cypher(&Value::Bytes(vec![0xff, 1]))["data"]["value"],
            "ff 01"
        );
        assert_eq!(
            to_cypher(&Value::Int(3)),
            json!({"name":"CypherInt","data":{"value":3}})
        );
    }

    #[test]
    fn temporal_roundtrip() {
        roundtrip(Value::Date(Date { days: -1 }));
        roundtrip(Value::Date(Date { days: 19_000 }));
        roundtrip(Value::Time(Time {
            nanoseconds: 3_723_000_000_005,
            tz_offset_seconds: -3600,
        }));
        roundtrip(Value::LocalTime(LocalTime {
            nanoseconds: 86_399_999_999_999,
        }));
        roundtrip(Value::DateTime(DateTime {
            seconds: -10,
            nanoseconds: 7,
            tz_offset_seconds: 5400,
        }));
        roundtrip(Value::LocalDateTime(LocalDateTime {
            seconds: 1_700_000_000,
            nanoseconds: 1,
        }));
        roundtrip(Value::DateTimeZoneId(Box::new(DateTimeZoneId {
            seconds: 1_700_000_000,
            nanoseconds: 9,
            tz_id: "Europe/Stockholm".into(),
        })));
        roundtrip(Value::Duration(Duration {
            months: 1,
            days: -2,
            seconds: 3,
            nanoseconds: 4,
        }));
        roundtrip(Value::Point2D(Point2D {
            srid: 4326,
            x: 1.0,
            y: 2.0,
        }));
        roundtrip(Value::Point3D(Point3D {
            srid: 9157,
            x: 1.0,
            y: 2.0,
            z: 3.0,
        }));
    }

    #[test]
    fn datetime_fields_are_wall_clock() {
        // 2022-06-01T12:00:00+02:00 in Europe/Stockholm (CEST).
        let utc = NaiveDate::from_ymd_opt(2022, 6, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let v = Value::DateTimeZoneId(Box::new(DateTimeZoneId {
            seconds: utc.and_utc().timestamp(),
            nanoseconds: 0,
            tz_id: "Europe/Stockholm".into(),
        }));
        let j = to_cypher(&v);
        assert_eq!(j["name"], "CypherDateTime");
        assert_eq!(j["data"]["hour"], 12);
        assert_eq!(j["data"]["utc_offset_s"], 7200);
        assert_eq!(j["data"]["timezone_id"], "Europe/Stockholm");
        let local = to_cypher(&Value::LocalDateTime(LocalDateTime {
            seconds: 0,
            nanoseconds: 0,
        }));
        assert_eq!(local["data"]["year"], 1970);
        assert!(local["data"]["utc_offset_s"].is_null());
    }

    #[test]
    fn graph_types_encode_with_cypher_fields() {
        let n = Node {
            id: 1,
            element_id: "n1".into(),
            labels: vec!["L".into()],
            properties: Map::new(),
        };
        let j = to_cypher(&Value::Node(Box::new(n.clone())));
        assert_eq!(j["name"], "Node");
        assert_eq!(
            j["data"]["id"],
            json!({"name":"CypherInt","data":{"value":1}})
        );
        assert_eq!(j["data"]["elementId"]["data"]["value"], "n1");
        assert_eq!(j["data"]["labels"]["name"], "CypherList");
        let p = Value::Path(Box::new(Path {
            nodes: vec![std::sync::Arc::new(n)],
            relationships: vec![],
        }));
        let pj = to_cypher(&p);
        assert_eq!(pj["name"], "Path");
        assert_eq!(pj["data"]["nodes"]["name"], "CypherList");
    }

    #[test]
    fn params_decode() {
        let j =
            json!({"a": {"name": "CypherInt", "data": {"value": 1}}, "b": {"name": "CypherNull"}});
        let m = params_from_json(&j).unwrap();
        assert_eq!(m["a"], Value::Int(1));
        assert_eq!(m["b"], Value::Null);
        assert!(params_from_json(&json!({"x": {"name": "Node", "data": {}}})).is_err());
    }
}

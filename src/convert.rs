//! Conversions between [`Value`] and Rust types ([`FromValue`], [`IntoValue`]).
//!
//! A module of its own above `value` and `error`, so that neither of those depends on the
//! other's user: `error` carries values (GQL diagnostic records), conversions fail with errors.

use crate::error::{Error, ErrorKind, Result};
use crate::value::{
    Date, DateTime, DateTimeZoneId, Duration, LocalDateTime, LocalTime, Map, Node, Path, Point2D,
    Point3D, Relationship, Time, Value,
};
use std::collections::HashMap;

/// Conversion from a received [`Value`] into a Rust type.
pub trait FromValue: Sized {
    /// Converts, or fails with `ErrorKind::Conversion` naming both types.
    ///
    /// # Errors
    /// When the value has another type (or is out of range for the target).
    fn from_value(value: Value) -> Result<Self>;
}

/// Conversion of a Rust value into a [`Value`] to send as a parameter.
pub trait IntoValue {
    /// Converts into a `Value`.
    fn into_value(self) -> Value;
}

fn mismatch(value: &Value, target: &str) -> Error {
    Error::new(
        ErrorKind::Conversion,
        format!("cannot convert {} to {target}", value.type_name()),
    )
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Self> {
        Ok(value)
    }
}

macro_rules! from_value_variant {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl FromValue for $t {
            fn from_value(value: Value) -> Result<Self> {
                match value {
                    Value::$variant(v) => Ok(v),
                    other => Err(mismatch(&other, stringify!($t))),
                }
            }
        }
        impl IntoValue for $t {
            fn into_value(self) -> Value {
                Value::$variant(self)
            }
        }
    )*};
}

from_value_variant!(
    bool => Bool,
    i64 => Int,
    f64 => Float,
    String => String,
    Map => Map,
    Date => Date,
    Time => Time,
    LocalTime => LocalTime,
    DateTime => DateTime,
    LocalDateTime => LocalDateTime,
    Duration => Duration,
    Point2D => Point2D,
    Point3D => Point3D,
);

macro_rules! from_value_boxed {
    ($($t:ident),* $(,)?) => {$(
        impl FromValue for $t {
            fn from_value(value: Value) -> Result<Self> {
                match value {
                    Value::$t(v) => Ok(*v),
                    other => Err(mismatch(&other, stringify!($t))),
                }
            }
        }
        impl IntoValue for $t {
            fn into_value(self) -> Value {
                Value::$t(Box::new(self))
            }
        }
    )*};
}

from_value_boxed!(Node, Relationship, Path, DateTimeZoneId);

macro_rules! small_ints {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: Value) -> Result<Self> {
                match value {
                    Value::Int(i) => <$t>::try_from(i).map_err(|_| {
                        Error::new(ErrorKind::Conversion, format!("integer {i} out of range for {}", stringify!($t)))
                    }),
                    other => Err(mismatch(&other, stringify!($t))),
                }
            }
        }
        impl IntoValue for $t {
            fn into_value(self) -> Value {
                Value::Int(i64::from(self))
            }
        }
    )*};
}

small_ints!(i8, i16, i32, u8, u16, u32);

impl FromValue for u64 {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Int(i) => u64::try_from(i).map_err(|_| {
                Error::new(
                    ErrorKind::Conversion,
                    format!("integer {i} out of range for u64"),
                )
            }),
            other => Err(mismatch(&other, "u64")),
        }
    }
}

impl FromValue for f32 {
    fn from_value(value: Value) -> Result<Self> {
        // Narrowing a float is what the user asked for by choosing f32.
        #[allow(clippy::cast_possible_truncation)]
        match value {
            Value::Float(f) => Ok(f as f32),
            other => Err(mismatch(&other, "f32")),
        }
    }
}

impl IntoValue for f32 {
    fn into_value(self) -> Value {
        Value::Float(f64::from(self))
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::List(items) => items.into_iter().map(T::from_value).collect(),
            other => Err(mismatch(&other, "Vec")),
        }
    }
}

impl<T: FromValue> FromValue for HashMap<String, T> {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Map(m) => m
                .into_iter()
                .map(|(k, v)| T::from_value(v).map(|v| (k, v)))
                .collect(),
            other => Err(mismatch(&other, "HashMap")),
        }
    }
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}

impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::String(self.to_owned())
    }
}

impl IntoValue for &[u8] {
    fn into_value(self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, IntoValue::into_value)
    }
}

impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::List(self.into_iter().map(IntoValue::into_value).collect())
    }
}

impl<T: IntoValue> IntoValue for HashMap<String, T> {
    fn into_value(self) -> Value {
        Value::Map(self.into_iter().map(|(k, v)| (k, v.into_value())).collect())
    }
}

impl<T: IntoValue> From<T> for Value
where
    T: IntoValueMarker,
{
    fn from(v: T) -> Value {
        v.into_value()
    }
}

/// Marker for the types `Value: From<T>` is implemented for (keeps the blanket impl coherent).
pub trait IntoValueMarker {}
macro_rules! marker {
    ($($t:ty),*) => {$(impl IntoValueMarker for $t {})*};
}
marker!(bool, i8, i16, i32, i64, u8, u16, u32, f32, f64, String, &str, Map);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_names_types_on_mismatch() {
        assert_eq!(i64::from_value(Value::Int(5)).unwrap(), 5);
        assert_eq!(Option::<i64>::from_value(Value::Null).unwrap(), None);
        let err = i64::from_value(Value::String("x".into())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
        assert!(err.message().contains("String") && err.message().contains("i64"));
        assert!(i8::from_value(Value::Int(1000)).is_err());
        assert_eq!(
            Vec::<i64>::from_value(Value::List(vec![Value::Int(1), Value::Int(2)])).unwrap(),
            vec![1, 2]
        );
        assert_eq!(Value::from("a"), Value::String("a".into()));
    }
}

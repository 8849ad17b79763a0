//! What `#[instrument_agent]` / `#[instrument_tool]` (crate `agentcore-observability-macros`)
//! expand to. Not a public API: no stability promise, may change in any release.
//!
//! The return value and the arguments are inspected with *autoref specialization*: the macro
//! calls a method on `&&..&Wrapper(&value)` and method resolution picks the most specific trait
//! whose bounds hold for the concrete type at the call site (with `&self` methods and `n` levels,
//! the call takes `n` references and the impl on `&^(n-1) Wrapper` wins first). So recording an
//! `Err` requires no bound on the error type; only `arguments` / `result` require `Debug` of what
//! they record (or a natural JSON form), with a compile error that says what to do.

use std::borrow::Cow;
use std::fmt::{Debug, Display, Write as _};
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use opentelemetry::{Context, KeyValue, StringValue, Value};

use crate::{AgentSpanBuilder, GenAiSpan, ToolSpanBuilder};

pub use opentelemetry;

/// The attribute set on a span whose future was dropped before it completed.
pub const CANCELLED: &str = "agentcore.cancelled";

/// Runs a sync body in a closure, so that `return` and `?` hand their value back to the macro.
#[inline(always)]
pub fn call_once<R>(body: impl FnOnce() -> R) -> R {
    body()
}

/// Runs the sync part of a `-> impl Future<Output = O>` body; the explicit `O` keeps type
/// inference inside the body's `async` block as it was without the macro.
#[inline(always)]
pub fn future_once<O, F: Future<Output = O>>(body: impl FnOnce() -> F) -> F {
    body()
}

/// Whether content (tool arguments and results) is captured: when not, the macro does not even
/// format the arguments or the result.
#[inline]
pub fn capture_content() -> bool {
    crate::content::capturing()
}

/// Owns the span of one call: ends it on drop, marking a drop before [`finish`](Self::finish)
/// (a cancelled future) or during a panic.
pub struct SpanGuard {
    span: GenAiSpan,
    finished: bool,
}

impl SpanGuard {
    /// Takes the started span.
    #[inline]
    pub fn new(span: GenAiSpan) -> Self {
        Self {
            span,
            finished: false,
        }
    }

    /// The context with the span active.
    #[inline]
    pub fn context(&self) -> Context {
        self.span.context()
    }

    /// The span, to record the outcome on.
    #[inline]
    pub fn span(&self) -> &GenAiSpan {
        &self.span
    }

    /// The function returned: end the span normally.
    #[inline]
    pub fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        if !self.finished {
            if std::thread::panicking() {
                self.span
                    .record_error_message("panic", "the instrumented function panicked");
            } else {
                self.span.set_attribute(KeyValue::new(CANCELLED, true));
            }
        }
        // `span` drops next, which ends it.
    }
}

/// `fields(key = value)` on either builder; `None` sets nothing.
pub trait SpanBuilderExt: Sized {
    /// Adds the attribute when there is a value.
    fn __agentcore_attribute(self, key: &'static str, value: Option<Value>) -> Self;
}

impl SpanBuilderExt for AgentSpanBuilder {
    #[inline]
    fn __agentcore_attribute(self, key: &'static str, value: Option<Value>) -> Self {
        match value {
            Some(value) => self.attribute(key, value),
            None => self,
        }
    }
}

impl SpanBuilderExt for ToolSpanBuilder {
    #[inline]
    fn __agentcore_attribute(self, key: &'static str, value: Option<Value>) -> Self {
        match value {
            Some(value) => self.attribute(key, value),
            None => self,
        }
    }
}

/// A value `fields(key = value)` records as a typed attribute.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a span attribute value as it is",
    label = "not a string, integer, float, bool, or an Option of one",
    note = "in fields(..), write `key = %value` to record its Display text, or `key = ?value` for its Debug text"
)]
pub trait FieldValue {
    /// The attribute value, or `None` to set nothing.
    fn __agentcore_field_value(&self) -> Option<Value>;
}

/// `key = value` in `fields(..)`.
#[inline]
pub fn field_value<T: FieldValue + ?Sized>(value: &T) -> Option<Value> {
    value.__agentcore_field_value()
}

/// `key = %value` in `fields(..)`.
#[inline]
pub fn display_value<T: Display + ?Sized>(value: &T) -> Option<Value> {
    Some(Value::from(value.to_string()))
}

/// `key = ?value` in `fields(..)`.
#[inline]
pub fn debug_value<T: Debug + ?Sized>(value: &T) -> Option<Value> {
    Some(Value::from(format!("{value:?}")))
}

macro_rules! field_value_via {
    ($($ty:ty => |$v:ident| $e:expr;)*) => {$(
        impl FieldValue for $ty {
            #[inline]
            fn __agentcore_field_value(&self) -> Option<Value> {
                let $v = self;
                Some($e)
            }
        }
    )*};
}

field_value_via! {
    str => |v| Value::from(v.to_owned());
    String => |v| Value::from(v.clone());
    Cow<'_, str> => |v| Value::from(v.to_string());
    char => |v| Value::from(v.to_string());
    bool => |v| Value::Bool(*v);
    i8 => |v| Value::I64(i64::from(*v));
    i16 => |v| Value::I64(i64::from(*v));
    i32 => |v| Value::I64(i64::from(*v));
    i64 => |v| Value::I64(*v);
    u8 => |v| Value::I64(i64::from(*v));
    u16 => |v| Value::I64(i64::from(*v));
    u32 => |v| Value::I64(i64::from(*v));
    u64 => |v| i64::try_from(*v).map_or_else(|_| Value::from(v.to_string()), Value::I64);
    usize => |v| i64::try_from(*v).map_or_else(|_| Value::from(v.to_string()), Value::I64);
    isize => |v| i64::try_from(*v).map_or_else(|_| Value::from(v.to_string()), Value::I64);
    i128 => |v| i64::try_from(*v).map_or_else(|_| Value::from(v.to_string()), Value::I64);
    u128 => |v| i64::try_from(*v).map_or_else(|_| Value::from(v.to_string()), Value::I64);
    f32 => |v| Value::F64(f64::from(*v));
    f64 => |v| Value::F64(*v);
    Value => |v| v.clone();
    StringValue => |v| Value::String(v.clone());
}

impl<T: FieldValue> FieldValue for Option<T> {
    #[inline]
    fn __agentcore_field_value(&self) -> Option<Value> {
        self.as_ref().and_then(FieldValue::__agentcore_field_value)
    }
}

macro_rules! field_value_deref {
    ($($ty:ty),*) => {$(
        impl<T: FieldValue + ?Sized> FieldValue for $ty {
            #[inline]
            fn __agentcore_field_value(&self) -> Option<Value> {
                (**self).__agentcore_field_value()
            }
        }
    )*};
}

field_value_deref!(&T, &mut T, Box<T>, Rc<T>, Arc<T>);

/// The return value of the instrumented function, for [`RecordBoxedError`] … [`RecordNothing`]
/// and [`OkValue`] / [`PlainValue`].
pub struct Outcome<'a, T: ?Sized>(pub &'a T);

/// `Err(Box<dyn Error>)`: [`GenAiSpan::record_error`] with the boxed error. (Level 4 of 5.)
pub trait RecordBoxedError {
    /// Records an `Err` on `span`.
    fn __agentcore_record(&self, span: &GenAiSpan);
}

impl<T, E: std::error::Error + ?Sized> RecordBoxedError for &&&&Outcome<'_, Result<T, Box<E>>> {
    #[inline]
    fn __agentcore_record(&self, span: &GenAiSpan) {
        if let Err(error) = self.0 {
            span.record_error(&**error);
        }
    }
}

/// `Err(E)` with `E: Error`: [`GenAiSpan::record_error`]. (Level 3.)
pub trait RecordStdError {
    /// Records an `Err` on `span`.
    fn __agentcore_record(&self, span: &GenAiSpan);
}

impl<T, E: std::error::Error> RecordStdError for &&&Outcome<'_, Result<T, E>> {
    #[inline]
    fn __agentcore_record(&self, span: &GenAiSpan) {
        if let Err(error) = self.0 {
            span.record_error(error);
        }
    }
}

/// `Err(E)` with `E: Display` (`anyhow::Error`, `String`, …): the type name and the text. (Level 2.)
pub trait RecordDisplayError {
    /// Records an `Err` on `span`.
    fn __agentcore_record(&self, span: &GenAiSpan);
}

impl<T, E: Display> RecordDisplayError for &&Outcome<'_, Result<T, E>> {
    #[inline]
    fn __agentcore_record(&self, span: &GenAiSpan) {
        if let Err(error) = self.0 {
            if span.is_recording() {
                span.record_error_message(short_type_name::<E>(), &error.to_string());
            }
        }
    }
}

/// `Err(E)` with `E: Debug` only: the type name and the `Debug` text. (Level 1.)
pub trait RecordDebugError {
    /// Records an `Err` on `span`.
    fn __agentcore_record(&self, span: &GenAiSpan);
}

impl<T, E: Debug> RecordDebugError for &Outcome<'_, Result<T, E>> {
    #[inline]
    fn __agentcore_record(&self, span: &GenAiSpan) {
        if let Err(error) = self.0 {
            if span.is_recording() {
                span.record_error_message(short_type_name::<E>(), &format!("{error:?}"));
            }
        }
    }
}

/// Anything else (`Ok`, plain values, `Err` of a type with neither `Display` nor `Debug`):
/// nothing. (Level 0.)
pub trait RecordNothing {
    /// Records nothing.
    fn __agentcore_record(&self, span: &GenAiSpan);
}

impl<T: ?Sized> RecordNothing for Outcome<'_, T> {
    #[inline(always)]
    fn __agentcore_record(&self, _: &GenAiSpan) {}
}

/// The `error.type` of `E`, as [`GenAiSpan::record_error`] computes it (`String`, `Error`,
/// `_OTHER` for a trait object).
fn short_type_name<E: ?Sized>() -> &'static str {
    crate::span::short_type_name(std::any::type_name::<E>())
}

/// `result`: the `Ok` value of a `Result`. (Level 1 of 2.)
pub trait OkValue<'a> {
    /// The type of the value recorded.
    type Value: ?Sized + 'a;
    /// The value to record, if any.
    fn __agentcore_ok_value(&self) -> Option<&'a Self::Value>;
}

impl<'a, T: 'a, E: 'a> OkValue<'a> for &Outcome<'a, Result<T, E>> {
    type Value = T;
    #[inline]
    fn __agentcore_ok_value(&self) -> Option<&'a T> {
        self.0.as_ref().ok()
    }
}

/// `result`: any other return value. (Level 0.)
pub trait PlainValue<'a> {
    /// The type of the value recorded.
    type Value: ?Sized + 'a;
    /// The value to record.
    fn __agentcore_ok_value(&self) -> Option<&'a Self::Value>;
}

impl<'a, T: ?Sized + 'a> PlainValue<'a> for Outcome<'a, T> {
    type Value = T;
    #[inline]
    fn __agentcore_ok_value(&self) -> Option<&'a T> {
        Some(self.0)
    }
}

/// An argument (for `arguments`) or a result value (for `result`).
pub struct Arg<'a, T: ?Sized>(pub &'a T);

/// Types with a natural JSON form: strings, numbers, bools, `Option`s of them.
pub trait JsonNative {
    /// Appends the JSON value.
    fn write_json(&self, out: &mut String);
    /// The text recorded as a result: a string as it is, a number in decimal.
    fn text(&self) -> String;
}

macro_rules! json_string {
    ($($ty:ty),*) => {$(
        impl JsonNative for $ty {
            #[inline]
            fn write_json(&self, out: &mut String) {
                write_json_string(out, self.as_ref());
            }
            #[inline]
            fn text(&self) -> String {
                <$ty as AsRef<str>>::as_ref(self).to_owned()
            }
        }
    )*};
}

json_string!(str, String, Cow<'_, str>);

impl JsonNative for char {
    fn write_json(&self, out: &mut String) {
        write_json_string(out, self.encode_utf8(&mut [0; 4]));
    }
    fn text(&self) -> String {
        self.to_string()
    }
}

macro_rules! json_number {
    ($($ty:ty),*) => {$(
        impl JsonNative for $ty {
            #[inline]
            fn write_json(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
            #[inline]
            fn text(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

json_number!(bool, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

macro_rules! json_float {
    ($($ty:ty),*) => {$(
        impl JsonNative for $ty {
            fn write_json(&self, out: &mut String) {
                if self.is_finite() {
                    let _ = write!(out, "{self}");
                } else {
                    write_json_string(out, &self.to_string()); // NaN, inf: not JSON numbers
                }
            }
            fn text(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

json_float!(f32, f64);

impl<T: JsonNative> JsonNative for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(value) => value.write_json(out),
            None => out.push_str("null"),
        }
    }
    fn text(&self) -> String {
        match self {
            Some(value) => value.text(),
            None => "null".to_owned(),
        }
    }
}

macro_rules! json_deref {
    ($($ty:ty),*) => {$(
        impl<T: JsonNative + ?Sized> JsonNative for $ty {
            #[inline]
            fn write_json(&self, out: &mut String) {
                (**self).write_json(out)
            }
            #[inline]
            fn text(&self) -> String {
                (**self).text()
            }
        }
    )*};
}

json_deref!(&T, &mut T, Box<T>, Rc<T>, Arc<T>);

/// An argument with a natural JSON form. (Level 1 of 2.)
pub trait NativeJson {
    /// Appends the argument's JSON value.
    fn __agentcore_json(&self, out: &mut String);
}

impl<T: JsonNative + ?Sized> NativeJson for &Arg<'_, T> {
    #[inline]
    fn __agentcore_json(&self, out: &mut String) {
        self.0.write_json(out);
    }
}

/// Any other argument: its `Debug` text as a JSON string. (Level 0.) The impl has no bound, so it
/// is always selected last and a missing `Debug` is reported through [`ArgumentDebug`]'s message.
pub trait DebugJson<T: ?Sized> {
    /// Appends the argument's JSON value.
    fn __agentcore_json(&self, out: &mut String)
    where
        T: ArgumentDebug;
}

impl<T: ?Sized> DebugJson<T> for Arg<'_, T> {
    fn __agentcore_json(&self, out: &mut String)
    where
        T: ArgumentDebug,
    {
        write_json_string(out, &format!("{:?}", self.0));
    }
}

/// `Debug`, with a compile error that says what to do for `arguments`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded by `arguments`: it does not implement `Debug`",
    label = "this argument has no `Debug`",
    note = "leave it out with `skip(..)`, or implement `Debug` for it"
)]
pub trait ArgumentDebug: Debug {}

impl<T: Debug + ?Sized> ArgumentDebug for T {}

/// A result with a natural text form. (Level 1 of 2.)
pub trait NativeText {
    /// The text to record.
    fn __agentcore_text(&self) -> String;
}

impl<T: JsonNative + ?Sized> NativeText for &Arg<'_, T> {
    #[inline]
    fn __agentcore_text(&self) -> String {
        self.0.text()
    }
}

/// Any other result: its `Debug` text. (Level 0.)
pub trait DebugText<T: ?Sized> {
    /// The text to record.
    fn __agentcore_text(&self) -> String
    where
        T: ResultDebug;
}

impl<T: ?Sized> DebugText<T> for Arg<'_, T> {
    fn __agentcore_text(&self) -> String
    where
        T: ResultDebug,
    {
        format!("{:?}", self.0)
    }
}

/// `Debug`, with a compile error that says what to do for `result`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded by `result`: it does not implement `Debug`",
    label = "the returned value has no `Debug`",
    note = "remove `result`, or implement `Debug` for the returned type"
)]
pub trait ResultDebug: Debug {}

impl<T: Debug + ?Sized> ResultDebug for T {}

/// Builds the `gen_ai.tool.call.arguments` JSON object.
pub struct ArgumentsJson {
    json: String,
    empty: bool,
}

impl Default for ArgumentsJson {
    fn default() -> Self {
        Self::new()
    }
}

impl ArgumentsJson {
    /// `{`
    pub fn new() -> Self {
        Self {
            json: String::from("{"),
            empty: true,
        }
    }

    /// Writes `"name":` and returns the buffer for the value.
    pub fn key(&mut self, name: &str) -> &mut String {
        if !self.empty {
            self.json.push(',');
        }
        self.empty = false;
        write_json_string(&mut self.json, name);
        self.json.push(':');
        &mut self.json
    }

    /// `}`: the finished object.
    pub fn finish(mut self) -> String {
        self.json.push('}');
        self.json
    }
}

/// Appends `value` as a JSON string literal.
pub fn write_json_string(out: &mut String, value: &str) {
    out.reserve(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

//! The Converse API's request parameters and response usage, read without building a JSON tree
//! (the hot path when content capture is off: borrowed strings, everything else skipped). With
//! content capture on, the messages are needed too and the families module's Nova parser (the
//! same dialect) reads the whole body instead.

use std::borrow::Cow;

use serde::de::{DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::families::{RequestFacts, ResponseFacts};

#[derive(Deserialize)]
struct Inference<'a> {
    #[serde(rename = "maxTokens", default)]
    max_tokens: Option<i64>,
    #[serde(default)]
    temperature: Option<f64>,
    #[serde(rename = "topP", default)]
    top_p: Option<f64>,
    #[serde(rename = "stopSequences", borrow, default)]
    stop_sequences: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(rename = "stopReason", borrow, default)]
    stop_reason: Option<Cow<'a, str>>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(rename = "inputTokens", default)]
    input: Option<u64>,
    #[serde(rename = "outputTokens", default)]
    output: Option<u64>,
    #[serde(rename = "cacheReadInputTokens", default)]
    cache_read: Option<u64>,
    #[serde(rename = "cacheWriteInputTokens", default)]
    cache_write: Option<u64>,
}

/// The inference parameters of a Converse request body (no messages); empty facts for a body
/// that does not parse.
///
/// The SDK serializes `inferenceConfig` before `messages`, so reading stops as soon as it has
/// been read: the cost does not grow with the conversation history.
pub(crate) fn request_parameters(body: &[u8]) -> RequestFacts {
    let mut found = None;
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    // Stopping early surfaces as an error; what was found is in `found` either way.
    let _ = FindInference(&mut found).deserialize(&mut deserializer);
    found.unwrap_or_default()
}

/// Reads the top-level keys of a request until `inferenceConfig`, skipping the others.
struct FindInference<'s>(&'s mut Option<RequestFacts>);

impl<'de> DeserializeSeed<'de> for FindInference<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FindInference<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a Converse request object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key != "inferenceConfig" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let inference = map.next_value::<Inference<'de>>()?;
            *self.0 = Some(RequestFacts {
                temperature: inference.temperature,
                top_p: inference.top_p,
                max_tokens: inference.max_tokens,
                stop_sequences: inference
                    .stop_sequences
                    .unwrap_or_default()
                    .into_iter()
                    .map(Cow::into_owned)
                    .collect(),
                ..RequestFacts::default()
            });
            return Err(A::Error::custom("found"));
        }
        Ok(())
    }
}

/// Usage and stop reason of a Converse response body (no messages); empty facts for a body that
/// does not parse.
pub(crate) fn response_usage(body: &[u8]) -> ResponseFacts {
    let Ok(response) = serde_json::from_slice::<Response<'_>>(body) else {
        return ResponseFacts::default();
    };
    let usage = response.usage;
    ResponseFacts {
        input_tokens: usage.as_ref().and_then(|u| u.input),
        output_tokens: usage.as_ref().and_then(|u| u.output),
        cache_read_input_tokens: usage.as_ref().and_then(|u| u.cache_read),
        cache_creation_input_tokens: usage.as_ref().and_then(|u| u.cache_write),
        finish_reasons: response
            .stop_reason
            .map(Cow::into_owned)
            .into_iter()
            .collect(),
        ..ResponseFacts::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::{self, Family};

    const REQUEST: &[u8] = br#"{"messages":[{"role":"user","content":[{"text":"Hi \"there\""}]}],
        "system":[{"text":"be brief"}],
        "inferenceConfig":{"maxTokens":200,"temperature":0.5,"topP":0.8999999761581421,
        "stopSequences":["STOP","\n\nHuman:"]},"toolConfig":{"tools":[]}}"#;
    const RESPONSE: &[u8] =
        br#"{"output":{"message":{"role":"assistant","content":[{"text":"x"}]}},
        "stopReason":"end_turn","usage":{"inputTokens":11,"outputTokens":10,"totalTokens":21,
        "cacheReadInputTokens":5,"cacheWriteInputTokens":6},"metrics":{"latencyMs":110}}"#;

    #[test]
    fn request_parameters_match_the_full_parser() {
        let fast = request_parameters(REQUEST);
        let full = families::parse_request(Family::Nova, REQUEST);
        assert_eq!(fast.max_tokens, Some(200));
        assert_eq!(fast.stop_sequences, vec!["STOP", "\n\nHuman:"]);
        assert_eq!(
            (
                fast.temperature,
                fast.top_p,
                fast.max_tokens,
                &fast.stop_sequences
            ),
            (
                full.temperature,
                full.top_p,
                full.max_tokens,
                &full.stop_sequences
            )
        );
        assert_eq!(request_parameters(b"{}"), RequestFacts::default());
        assert_eq!(request_parameters(b"not json"), RequestFacts::default());
        assert_eq!(
            request_parameters(br#"{"inferenceConfig":{"maxTokens":"x"}}"#),
            RequestFacts::default()
        );
        // Found before the messages; what follows is never read.
        let truncated = br#"{"additionalModelRequestFields":{"inferenceConfig":1},"inferenceConfig":{"maxTokens":7},"messages":[{"role":"us"#;
        assert_eq!(request_parameters(truncated).max_tokens, Some(7));
        // Found after other keys too.
        let late = br#"{"messages":[],"system":[{"text":"s"}],"inferenceConfig":{"topP":0.25}}"#;
        assert_eq!(request_parameters(late).top_p, Some(0.25));
    }

    #[test]
    fn response_usage_matches_the_full_parser() {
        let fast = response_usage(RESPONSE);
        let full = families::parse_response(Family::Nova, RESPONSE);
        assert_eq!(fast.input_tokens, Some(11));
        assert_eq!(
            (
                fast.input_tokens,
                fast.output_tokens,
                fast.cache_read_input_tokens,
                fast.cache_creation_input_tokens,
                &fast.finish_reasons
            ),
            (
                full.input_tokens,
                full.output_tokens,
                full.cache_read_input_tokens,
                full.cache_creation_input_tokens,
                &full.finish_reasons
            )
        );
        assert_eq!(response_usage(b"[]"), ResponseFacts::default());
        assert_eq!(
            response_usage(br#"{"this is": not json"#),
            ResponseFacts::default()
        );
    }
}

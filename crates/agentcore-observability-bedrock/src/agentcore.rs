//! AgentCore (data plane and control plane): the ARN / ID → attribute table ADOT applies to
//! request parameters and responses (ADOT Python 0.21 `_BedrockAgentCoreExtension`), read here
//! from the bytes: the URL path parameters and the JSON bodies.
//!
//! The attributes go through the per-service [`Recorder`] ([`crate::services`]), so an id the
//! span started with (from the request path or body) is not written again from the response.

use serde_json::Value;

use crate::attributes as attr;
use crate::services::{Recorder, Request, Response};
use crate::wire::percent_decode;

/// `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id`, the `runtimeSessionId` of `InvokeAgentRuntime`.
pub(crate) const RUNTIME_SESSION_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-session-id";

/// The runtime session id bounds AgentCore accepts (`runtimeSessionId`: 33 to 256 characters).
const RUNTIME_SESSION_MIN: usize = 33;
const RUNTIME_SESSION_MAX: usize = 256;

/// Bodies larger than this are not scanned for ids (the ids are near the top anyway, and a
/// `ListMemoryRecords` page can be large).
const MAX_SCANNED_BODY: usize = 1024 * 1024;

/// Whether `id` can be sent as a `runtimeSessionId`: 33 to 256 visible ASCII characters, so the
/// service never rejects a call because the instrumentation filled the header.
pub(crate) fn valid_runtime_session_id(id: &str) -> bool {
    (RUNTIME_SESSION_MIN..=RUNTIME_SESSION_MAX).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_graphic())
}

/// Whether an `InvokeAgentRuntime` input (type-erased: only its `Debug` is visible without the
/// SDK's types) has `runtime_session_id` set. The SDK's generated `Debug` lists the field as
/// `runtime_session_id: None` / `Some(..)` (the payload is redacted there); formatting stops as
/// soon as the field is seen. `None` when the field is not found.
pub(crate) fn runtime_session_given(input: &dyn std::fmt::Debug) -> Option<bool> {
    use std::fmt::Write as _;

    struct Probe {
        seen: String,
        answer: Option<bool>,
    }
    impl std::fmt::Write for Probe {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            const FIELD: &str = "runtime_session_id: ";
            self.seen.push_str(s);
            if let Some(at) = self.seen.find(FIELD) {
                let rest = &self.seen[at + FIELD.len()..];
                if rest.starts_with("None") {
                    self.answer = Some(false);
                    return Err(std::fmt::Error);
                }
                if rest.starts_with("Some") {
                    self.answer = Some(true);
                    return Err(std::fmt::Error);
                }
                if rest.len() >= 4 {
                    return Err(std::fmt::Error);
                }
            }
            // The field comes early; do not format a whole unexpected input.
            if self.seen.len() > 4096 {
                return Err(std::fmt::Error);
            }
            Ok(())
        }
    }
    let mut probe = Probe {
        seen: String::with_capacity(256),
        answer: None,
    };
    let _ = write!(probe, "{input:?}");
    probe.answer
}

/// Top-level JSON keys and the attribute each maps to (ADOT §5.4).
const KEYS: &[(&str, &str)] = &[
    ("agentRuntimeArn", attr::AGENTCORE_RUNTIME_ARN),
    (
        "agentRuntimeEndpointArn",
        attr::AGENTCORE_RUNTIME_ENDPOINT_ARN,
    ),
    ("agentRuntimeId", attr::GEN_AI_RUNTIME_ID),
    ("browserArn", attr::AGENTCORE_BROWSER_ARN),
    ("browserId", attr::GEN_AI_BROWSER_ID),
    ("browserIdentifier", attr::GEN_AI_BROWSER_ID),
    ("codeInterpreterArn", attr::AGENTCORE_CODE_INTERPRETER_ARN),
    ("codeInterpreterId", attr::GEN_AI_CODE_INTERPRETER_ID),
    (
        "codeInterpreterIdentifier",
        attr::GEN_AI_CODE_INTERPRETER_ID,
    ),
    ("gatewayArn", attr::AGENTCORE_GATEWAY_ARN),
    ("gatewayId", attr::GEN_AI_GATEWAY_ID),
    ("gatewayIdentifier", attr::GEN_AI_GATEWAY_ID),
    ("targetId", attr::GATEWAY_TARGET_ID),
    ("memoryId", attr::GEN_AI_MEMORY_ID),
    ("credentialProviderArn", attr::AUTH_CREDENTIAL_PROVIDER),
    (
        "resourceCredentialProviderName",
        attr::AUTH_CREDENTIAL_PROVIDER,
    ),
    ("workloadIdentityArn", attr::AGENTCORE_WORKLOAD_IDENTITY_ARN),
];

/// Nested paths (`memory.arn` …).
const NESTED: &[(&str, &str, &str)] = &[
    ("memory", "arn", attr::AGENTCORE_MEMORY_ARN),
    ("memory", "id", attr::GEN_AI_MEMORY_ID),
    (
        "workloadIdentityDetails",
        "workloadIdentityArn",
        attr::AGENTCORE_WORKLOAD_IDENTITY_ARN,
    ),
];

/// Path collections whose next segment is an identifier: (segment, ARN attribute, id attribute).
const COLLECTIONS: &[(&str, Option<&str>, &str)] = &[
    (
        "runtimes",
        Some(attr::AGENTCORE_RUNTIME_ARN),
        attr::GEN_AI_RUNTIME_ID,
    ),
    (
        "browsers",
        Some(attr::AGENTCORE_BROWSER_ARN),
        attr::GEN_AI_BROWSER_ID,
    ),
    (
        "code-interpreters",
        Some(attr::AGENTCORE_CODE_INTERPRETER_ARN),
        attr::GEN_AI_CODE_INTERPRETER_ID,
    ),
    (
        "gateways",
        Some(attr::AGENTCORE_GATEWAY_ARN),
        attr::GEN_AI_GATEWAY_ID,
    ),
    ("targets", None, attr::GATEWAY_TARGET_ID),
    (
        "memories",
        Some(attr::AGENTCORE_MEMORY_ARN),
        attr::GEN_AI_MEMORY_ID,
    ),
];

/// The request side: ids from the path, then from the JSON body (unless the body is an opaque
/// payload, `streams_blob`: `InvokeAgentRuntime`). Returns whether a successful response body is
/// read as well (not for a streamed blob).
pub(crate) fn request(request: &Request<'_>, streams_blob: bool, out: &mut Recorder<'_>) -> bool {
    path_attributes(request.path, out);
    if !streams_blob {
        if let Some(body) = request.body {
            json_attributes(body, out);
        }
    }
    !streams_blob
}

/// The response side: ids from a successful JSON response body, except the keys already recorded.
pub(crate) fn response(response: &Response<'_>, out: &mut Recorder<'_>) {
    if let Some(body) = response.body {
        json_attributes(body, out);
    }
}

/// Identifiers in a request path (`/runtimes/{agentRuntimeArn}/invocations`,
/// `/browsers/{browserIdentifier}/sessions/start`, `/gateways/{id}/targets/{targetId}` …). A value
/// starting with `arn:` maps to the ARN attribute, anything else to the id attribute.
pub(crate) fn path_attributes(path: &str, out: &mut Recorder<'_>) {
    let mut segments = path.split('/').filter(|s| !s.is_empty()).peekable();
    while let Some(segment) = segments.next() {
        let Some((_, arn_key, id_key)) = COLLECTIONS.iter().find(|(c, _, _)| *c == segment) else {
            continue;
        };
        let Some(next) = segments.peek() else {
            break;
        };
        if *next == "create" {
            continue;
        }
        let value = percent_decode(next);
        match arn_key {
            Some(arn_key) if value.starts_with("arn:") => out.str(arn_key, &value),
            _ => out.str(id_key, &value),
        }
        segments.next();
    }
}

/// Identifiers in a JSON request or response body (top-level keys of the table, plus
/// `memory.arn`, `memory.id`, `workloadIdentityDetails.workloadIdentityArn`). Anything that is
/// not a JSON object, or too large, adds nothing.
pub(crate) fn json_attributes(body: &[u8], out: &mut Recorder<'_>) {
    if body.is_empty() || body.len() > MAX_SCANNED_BODY {
        return;
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return;
    }
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    for (json_key, attribute) in KEYS {
        if let Some(value) = object.get(*json_key).and_then(Value::as_str) {
            out.str(attribute, value);
        }
    }
    for (outer, inner, attribute) in NESTED {
        if let Some(value) = object
            .get(*outer)
            .and_then(|o| o.get(*inner))
            .and_then(Value::as_str)
        {
            out.str(attribute, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::KeyValue;

    use super::*;
    use crate::services::test_support::{assert_unique, http_request, http_response, run};

    fn get(attrs: &[KeyValue], key: &str) -> Option<String> {
        attrs
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.as_str().into_owned())
    }

    /// Runs `f` with a fresh recorder (no key recorded yet) over the returned attributes.
    fn recorded(f: impl FnOnce(&mut Recorder<'_>)) -> Vec<KeyValue> {
        let mut out = Vec::new();
        let mut keys = Vec::new();
        f(&mut Recorder::new(&mut out, &mut keys));
        out
    }

    #[test]
    fn ids_from_paths() {
        let out = recorded(|r| {
            path_attributes(
                "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123%3Aruntime%2Fagent-x/invocations",
                r,
            )
        });
        assert_eq!(
            get(&out, attr::AGENTCORE_RUNTIME_ARN).as_deref(),
            Some("arn:aws:bedrock-agentcore:us-east-1:123:runtime/agent-x")
        );

        let out = recorded(|r| path_attributes("/gateways/gw-1/targets/t-9", r));
        assert_eq!(get(&out, attr::GEN_AI_GATEWAY_ID).as_deref(), Some("gw-1"));
        assert_eq!(get(&out, attr::GATEWAY_TARGET_ID).as_deref(), Some("t-9"));

        let out = recorded(|r| {
            path_attributes("/memories/create", r);
            path_attributes("/runtimes", r);
            path_attributes("/browsers/b-1/sessions/start", r);
            path_attributes("/code-interpreters/ci-1/tools/invoke", r);
            path_attributes("/memories/mem-1/actor/a/sessions", r);
        });
        assert_eq!(get(&out, attr::GEN_AI_BROWSER_ID).as_deref(), Some("b-1"));
        assert_eq!(
            get(&out, attr::GEN_AI_CODE_INTERPRETER_ID).as_deref(),
            Some("ci-1")
        );
        assert_eq!(get(&out, attr::GEN_AI_MEMORY_ID).as_deref(), Some("mem-1"));
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn ids_from_bodies() {
        let out = recorded(|r| {
            json_attributes(
                br#"{"gatewayArn":"arn:aws:bedrock-agentcore:us-east-1:1:gateway/g","gatewayId":"g",
                 "memory":{"arn":"arn:m","id":"m-1"},"memoryId":"m-2","targetId":7,
                 "workloadIdentityDetails":{"workloadIdentityArn":"arn:w"},
                 "resourceCredentialProviderName":"github"}"#,
                r,
            )
        });
        assert_eq!(get(&out, attr::GEN_AI_GATEWAY_ID).as_deref(), Some("g"));
        assert_eq!(
            get(&out, attr::AGENTCORE_GATEWAY_ARN).as_deref(),
            Some("arn:aws:bedrock-agentcore:us-east-1:1:gateway/g")
        );
        assert_eq!(
            get(&out, attr::GEN_AI_MEMORY_ID).as_deref(),
            Some("m-2"),
            "first found wins"
        );
        assert_eq!(
            get(&out, attr::AGENTCORE_MEMORY_ARN).as_deref(),
            Some("arn:m")
        );
        assert_eq!(get(&out, attr::GATEWAY_TARGET_ID), None, "not a string");
        assert_eq!(
            get(&out, attr::AGENTCORE_WORKLOAD_IDENTITY_ARN).as_deref(),
            Some("arn:w")
        );
        assert_eq!(
            get(&out, attr::AUTH_CREDENTIAL_PROVIDER).as_deref(),
            Some("github")
        );
        for garbage in [&b""[..], b"[1,2]", b"{not json", b"\"s\""] {
            let out = recorded(|r| json_attributes(garbage, r));
            assert!(out.is_empty());
        }
    }

    /// Every value of `key` across the span's start and end batches.
    fn all(start: &[KeyValue], end: &[KeyValue], key: &str) -> Vec<String> {
        start
            .iter()
            .chain(end)
            .filter(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.as_str().into_owned())
            .collect()
    }

    #[test]
    fn an_id_from_the_request_is_not_repeated_from_the_response() {
        // `/memories/{memoryId}` then `memory.id` in the answer.
        let request = http_request("GET", "/memories/mem-1/details", &[], b"");
        let response = http_response(
            200,
            &[],
            br#"{"memory":{"id":"mem-1","arn":"arn:aws:bedrock-agentcore:us-east-1:1:memory/mem-1"}}"#,
        );
        let (start, end) = run(
            "Bedrock AgentCore Control",
            "GetMemory",
            &request,
            None,
            Some(&response),
        );
        assert_unique(&start, &end);
        assert_eq!(all(&start, &end, attr::GEN_AI_MEMORY_ID), ["mem-1"]);
        assert_eq!(
            get(&end, attr::AGENTCORE_MEMORY_ARN).as_deref(),
            Some("arn:aws:bedrock-agentcore:us-east-1:1:memory/mem-1"),
            "a key only the response has is still added"
        );

        // `/browsers/{browserIdentifier}` then `browserIdentifier` in the answer (data plane).
        let request = http_request(
            "PUT",
            "/browsers/b-1/sessions/start",
            &[("content-type", "application/json")],
            br#"{"name":"s"}"#,
        );
        let response = http_response(
            200,
            &[],
            br#"{"browserIdentifier":"b-1","sessionId":"s-1"}"#,
        );
        let (start, end) = run(
            "Bedrock AgentCore",
            "StartBrowserSession",
            &request,
            None,
            Some(&response),
        );
        assert_unique(&start, &end);
        assert_eq!(all(&start, &end, attr::GEN_AI_BROWSER_ID), ["b-1"]);

        // The request body too: `memoryId` sent, then `memory.id` answered.
        let request = http_request(
            "POST",
            "/",
            &[("content-type", "application/json")],
            br#"{"memoryId":"mem-2"}"#,
        );
        let response = http_response(200, &[], br#"{"memory":{"id":"mem-2"}}"#);
        let (start, end) = run(
            "Bedrock AgentCore Control",
            "UpdateMemory",
            &request,
            None,
            Some(&response),
        );
        assert_unique(&start, &end);
        assert_eq!(all(&start, &end, attr::GEN_AI_MEMORY_ID), ["mem-2"]);
    }

    #[test]
    fn invoke_agent_runtime_payloads_are_not_read() {
        let request = http_request(
            "POST",
            "/runtimes/rt-1/invocations",
            &[],
            br#"{"memoryId":"from-the-payload"}"#,
        );
        let response = http_response(200, &[], br#"{"memoryId":"from-the-answer"}"#);
        let (start, end) = run(
            "Bedrock AgentCore",
            "InvokeAgentRuntime",
            &request,
            None,
            Some(&response),
        );
        assert_eq!(
            get(&start, attr::GEN_AI_RUNTIME_ID).as_deref(),
            Some("rt-1")
        );
        assert_eq!(
            all(&start, &end, attr::GEN_AI_MEMORY_ID),
            Vec::<String>::new()
        );
    }

    #[test]
    fn runtime_session_given_from_debug() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct InvokeAgentRuntimeInput {
            content_type: Option<String>,
            runtime_session_id: Option<String>,
            payload: &'static str,
        }
        let given = InvokeAgentRuntimeInput {
            content_type: Some("application/json".into()),
            runtime_session_id: Some("abc".into()),
            payload: "*** Sensitive Data Redacted ***",
        };
        assert_eq!(runtime_session_given(&given), Some(true));
        let absent = InvokeAgentRuntimeInput {
            runtime_session_id: None,
            ..given
        };
        assert_eq!(runtime_session_given(&absent), Some(false));
        assert_eq!(runtime_session_given(&"something else"), None);
        assert_eq!(runtime_session_given(&"x".repeat(10_000)), None);
    }

    #[test]
    fn runtime_session_ids() {
        assert!(valid_runtime_session_id(&"a".repeat(33)));
        assert!(!valid_runtime_session_id(&"a".repeat(32)));
        assert!(!valid_runtime_session_id(&"a".repeat(257)));
        assert!(!valid_runtime_session_id(&format!("{} ", "a".repeat(40))));
        assert!(valid_runtime_session_id(
            "6f1c2e0a-3b7d-4e7a-9c1f-2d3e4f5a6b7c-0001"
        ));
    }
}

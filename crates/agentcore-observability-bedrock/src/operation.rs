//! Which call this is: the service and operation from the SDK's operation `Metadata`
//! (`"Bedrock Runtime"` / `"Converse"` …), the model id from the request path.

use crate::wire::percent_decode;

/// The services the interceptor knows more about than the generic AWS SDK span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// `aws-sdk-bedrockruntime`
    BedrockRuntime,
    /// `aws-sdk-bedrockagentcore` (data plane)
    AgentCore,
    /// `aws-sdk-bedrockagentcorecontrol`
    AgentCoreControl,
    /// Any other SDK client: the generic span only.
    Other,
}

impl Service {
    /// From `Metadata::service()`, the service id the SDK's code generator used.
    pub(crate) fn of(service_id: &str) -> Service {
        match service_id {
            "Bedrock Runtime" => Service::BedrockRuntime,
            "Bedrock AgentCore" => Service::AgentCore,
            "Bedrock AgentCore Control" => Service::AgentCoreControl,
            _ => Service::Other,
        }
    }

    /// AgentCore data plane or control plane: the ARN/ID attribute table applies.
    pub(crate) fn is_agentcore(self) -> bool {
        matches!(self, Service::AgentCore | Service::AgentCoreControl)
    }
}

/// The Bedrock Runtime operations that get GenAI spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GenAiOp {
    Converse,
    ConverseStream,
    InvokeModel,
    InvokeModelWithResponseStream,
}

impl GenAiOp {
    pub(crate) fn of(service: Service, operation: &str) -> Option<GenAiOp> {
        if service != Service::BedrockRuntime {
            return None;
        }
        Some(match operation {
            "Converse" => GenAiOp::Converse,
            "ConverseStream" => GenAiOp::ConverseStream,
            "InvokeModel" => GenAiOp::InvokeModel,
            "InvokeModelWithResponseStream" => GenAiOp::InvokeModelWithResponseStream,
            _ => return None,
        })
    }

    /// The Converse API (as opposed to InvokeModel's per-family bodies).
    pub(crate) fn is_converse(self) -> bool {
        matches!(self, GenAiOp::Converse | GenAiOp::ConverseStream)
    }
}

/// AgentCore's `InvokeAgentRuntime` (data plane): the call with the runtime session mapping and
/// a streamed blob response. The one place that recognises it; callers compute it once per call.
pub(crate) fn is_invoke_agent_runtime(service: Service, operation: &str) -> bool {
    service == Service::AgentCore && operation == "InvokeAgentRuntime"
}

/// Operations whose successful response body is a byte stream the caller reads after `send()`
/// returns (not an event stream): the span lasts until the body is read to its end or dropped.
/// Only [`is_invoke_agent_runtime`] so far.
pub(crate) fn streams_blob(service: Service, operation: &str) -> bool {
    is_invoke_agent_runtime(service, operation)
}

/// The `{modelId}` of a Bedrock Runtime path (`/model/{modelId}/converse`, percent-decoded, so
/// inference-profile and custom-model ARNs come out whole).
pub(crate) fn model_id_from_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/model/")?;
    let raw = rest.split('/').next().filter(|s| !s.is_empty())?;
    Some(percent_decode(raw).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_services_and_operations() {
        assert_eq!(Service::of("Bedrock Runtime"), Service::BedrockRuntime);
        assert_eq!(Service::of("Bedrock AgentCore"), Service::AgentCore);
        assert_eq!(
            Service::of("Bedrock AgentCore Control"),
            Service::AgentCoreControl
        );
        assert_eq!(Service::of("S3"), Service::Other);
        assert_eq!(
            GenAiOp::of(Service::BedrockRuntime, "ConverseStream"),
            Some(GenAiOp::ConverseStream)
        );
        assert_eq!(GenAiOp::of(Service::BedrockRuntime, "ApplyGuardrail"), None);
        assert_eq!(GenAiOp::of(Service::AgentCore, "Converse"), None);
        assert!(is_invoke_agent_runtime(
            Service::AgentCore,
            "InvokeAgentRuntime"
        ));
        assert!(!is_invoke_agent_runtime(
            Service::AgentCoreControl,
            "InvokeAgentRuntime"
        ));
        assert!(streams_blob(Service::AgentCore, "InvokeAgentRuntime"));
        assert!(!streams_blob(
            Service::AgentCoreControl,
            "InvokeAgentRuntime"
        ));
    }

    #[test]
    fn model_ids_from_paths() {
        assert_eq!(
            model_id_from_path("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse")
                .as_deref(),
            Some("anthropic.claude-3-haiku-20240307-v1:0")
        );
        assert_eq!(
            model_id_from_path(
                "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc/invoke"
            )
            .as_deref(),
            Some("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc")
        );
        assert_eq!(model_id_from_path("/guardrail/g/version/1/apply"), None);
        assert_eq!(model_id_from_path("/model//converse"), None);
    }
}

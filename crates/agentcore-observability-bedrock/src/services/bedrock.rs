//! Bedrock control plane, Bedrock Agent and Bedrock Agent Runtime (restJson1): guardrail, agent,
//! knowledge-base and data-source ids.
//!
//! ADOT Python reads these from the operation's parameters for a fixed list of operations (its
//! `_AgentOperation`, `_KnowledgeBaseOperation` and `_DataSourceOperation` classes) and from the
//! top level of the response. Here every operation gets them, from the path parameters
//! (`/agents/{agentId}/…`, `/knowledgebases/{knowledgeBaseId}/datasources/{dataSourceId}/…`), the
//! top level of the JSON request body, and the response, top level or inside the resource it
//! describes (`agent.agentId`, `dataSource.knowledgeBaseId` …), so `CreateAgent` gets the new
//! agent's id too.

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{is_arn, Recorder, Request, Response};
use crate::attributes as attr;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Ids {
    agent_id: Option<String>,
    knowledge_base_id: Option<String>,
    data_source_id: Option<String>,
}

/// A member that is an object with ids in some operations and a plain value in others
/// (`agentVersion`: `"DRAFT"` in PrepareAgent's response, an object in GetAgentVersion's).
#[derive(Deserialize)]
#[serde(untagged)]
enum Member {
    Ids(Ids),
    Other(IgnoredAny),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgentBody {
    agent_id: Option<String>,
    knowledge_base_id: Option<String>,
    data_source_id: Option<String>,
    agent: Option<Member>,
    agent_alias: Option<Member>,
    agent_action_group: Option<Member>,
    agent_knowledge_base: Option<Member>,
    agent_version: Option<Member>,
    agent_collaborator: Option<Member>,
    knowledge_base: Option<Member>,
    data_source: Option<Member>,
    ingestion_job: Option<Member>,
}

impl AgentBody {
    fn record(self, out: &mut Recorder<'_>) {
        record_ids(
            Ids {
                agent_id: self.agent_id,
                knowledge_base_id: self.knowledge_base_id,
                data_source_id: self.data_source_id,
            },
            out,
        );
        let members = [
            self.agent,
            self.agent_alias,
            self.agent_action_group,
            self.agent_knowledge_base,
            self.agent_version,
            self.agent_collaborator,
            self.knowledge_base,
            self.data_source,
            self.ingestion_job,
        ];
        for member in members.into_iter().flatten() {
            if let Member::Ids(ids) = member {
                record_ids(ids, out);
            }
        }
    }
}

fn record_ids(ids: Ids, out: &mut Recorder<'_>) {
    out.opt_str(attr::BEDROCK_AGENT_ID, ids.agent_id);
    out.opt_str(attr::BEDROCK_KNOWLEDGE_BASE_ID, ids.knowledge_base_id);
    out.opt_str(attr::BEDROCK_DATA_SOURCE_ID, ids.data_source_id);
}

/// The ids in a path: `agents/{agentId}` (in the agent runtime only when an `agentAliases`
/// segment follows: `InvokeInlineAgent`'s `/agents/{sessionId}` names no agent),
/// `knowledgebases/{knowledgeBaseId}`, `datasources/{dataSourceId}`.
fn path_ids(request: &Request<'_>, runtime: bool, out: &mut Recorder<'_>) {
    let segments: Vec<_> = request.segments().collect();
    for (i, segment) in segments.iter().enumerate() {
        let Some(value) = segments.get(i + 1) else {
            break;
        };
        match segment.as_ref() {
            "agents"
                if !runtime
                    || segments
                        .get(i + 2)
                        .is_some_and(|s| s.eq_ignore_ascii_case("agentAliases")) =>
            {
                out.str(attr::BEDROCK_AGENT_ID, value);
            }
            "knowledgebases" => out.str(attr::BEDROCK_KNOWLEDGE_BASE_ID, value),
            "datasources" => out.str(attr::BEDROCK_DATA_SOURCE_ID, value),
            _ => {}
        }
    }
}

/// Bedrock control plane: the guardrail a path names (`/guardrails/{guardrailIdentifier}`, an id
/// or an ARN). Returns whether the response describes a guardrail.
pub(super) fn control_request(request: &Request<'_>, out: &mut Recorder<'_>) -> bool {
    let mut segments = request.segments();
    if segments.next().as_deref() == Some("guardrails") {
        if let Some(id) = segments.next() {
            let key = if is_arn(&id) {
                attr::BEDROCK_GUARDRAIL_ARN
            } else {
                attr::BEDROCK_GUARDRAIL_ID
            };
            out.str(key, id);
        }
    }
    request.operation.contains("Guardrail") && !request.operation.starts_with("List")
}

/// Bedrock control plane: `guardrailId`, `guardrailArn` of the response (ADOT's
/// `_BedrockExtension`).
pub(super) fn control_response(response: &Response<'_>, out: &mut Recorder<'_>) {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Guardrail {
        guardrail_id: Option<String>,
        guardrail_arn: Option<String>,
    }
    if let Some(body) = response.json::<Guardrail>() {
        out.opt_str(attr::BEDROCK_GUARDRAIL_ID, body.guardrail_id);
        out.opt_str(attr::BEDROCK_GUARDRAIL_ARN, body.guardrail_arn);
    }
}

/// Bedrock Agent: ids from the path and the request body. Returns whether the response may name
/// one (not `List*`).
pub(super) fn agent_request(request: &Request<'_>, out: &mut Recorder<'_>) -> bool {
    path_ids(request, false, out);
    if let Some(body) = request.json::<AgentBody>() {
        body.record(out);
    }
    !request.operation.starts_with("List")
}

/// Bedrock Agent: ids of the resource the response describes.
pub(super) fn agent_response(response: &Response<'_>, out: &mut Recorder<'_>) {
    if let Some(body) = response.json::<AgentBody>() {
        body.record(out);
    }
}

/// Bedrock Agent Runtime: `aws.bedrock.agent.id` from `/agents/{agentId}/agentAliases/…`,
/// `aws.bedrock.knowledge_base.id` from `/knowledgebases/{knowledgeBaseId}/…` or
/// RetrieveAndGenerate's `retrieveAndGenerateConfiguration.knowledgeBaseConfiguration.knowledgeBaseId`.
/// Responses (event streams mostly) are not read. Every operation but `InvokeAgent`, which gets
/// its GenAI span and agent ids from [`crate::agent_runtime`] instead; only an `InvokeAgent`
/// whose path that module does not recognise falls back to this generic span.
pub(super) fn agent_runtime_request(request: &Request<'_>, out: &mut Recorder<'_>) -> bool {
    path_ids(request, true, out);
    if matches!(
        request.operation,
        "RetrieveAndGenerate" | "RetrieveAndGenerateStream"
    ) {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Body {
            retrieve_and_generate_configuration: Option<Configuration>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Configuration {
            knowledge_base_configuration: Option<Ids>,
        }
        let id = request
            .json::<Body>()
            .and_then(|b| b.retrieve_and_generate_configuration)
            .and_then(|c| c.knowledge_base_configuration)
            .and_then(|k| k.knowledge_base_id);
        out.opt_str(attr::BEDROCK_KNOWLEDGE_BASE_ID, id);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    const JSON: (&str, &str) = ("content-type", "application/json");

    fn call(
        service: &str,
        op: &str,
        method: &str,
        uri: &str,
        body: &str,
        answer: &str,
    ) -> (Vec<opentelemetry::KeyValue>, Vec<opentelemetry::KeyValue>) {
        let request = http_request(method, uri, &[JSON], body.as_bytes());
        let response = http_response(200, &[JSON], answer.as_bytes());
        let (start, end) = run(service, op, &request, None, Some(&response));
        assert_unique(&start, &end);
        (start, end)
    }

    #[test]
    fn guardrails() {
        let arn = "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr7x2k9abc";
        let (start, end) = call(
            "Bedrock",
            "CreateGuardrail",
            "POST",
            "/guardrails",
            r#"{"name":"pii","blockedInputMessaging":"no","blockedOutputsMessaging":"no"}"#,
            &format!(
                r#"{{"guardrailId":"gr7x2k9abc","guardrailArn":"{arn}","version":"DRAFT","createdAt":"2026-01-01T00:00:00Z"}}"#
            ),
        );
        assert!(start.is_empty());
        assert_eq!(get(&end, attr::BEDROCK_GUARDRAIL_ID), Some("gr7x2k9abc"));
        assert_eq!(get(&end, attr::BEDROCK_GUARDRAIL_ARN), Some(arn));

        let (start, end) = call(
            "Bedrock",
            "GetGuardrail",
            "GET",
            "/guardrails/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aguardrail%2Fgr7x2k9abc?guardrailVersion=1",
            "",
            &format!(r#"{{"guardrailId":"gr7x2k9abc","guardrailArn":"{arn}","name":"pii"}}"#),
        );
        assert_eq!(get(&start, attr::BEDROCK_GUARDRAIL_ARN), Some(arn));
        assert_eq!(get(&end, attr::BEDROCK_GUARDRAIL_ID), Some("gr7x2k9abc"));

        let (start, end) = call(
            "Bedrock",
            "ListFoundationModels",
            "GET",
            "/foundation-models",
            "",
            r#"{"modelSummaries":[]}"#,
        );
        assert!(start.is_empty() && end.is_empty());
    }

    #[test]
    fn agent_operations() {
        // _AgentOperation: the id from the path.
        let (start, end) = call(
            "Bedrock Agent",
            "GetAgent",
            "GET",
            "/agents/AGENT12345/",
            "",
            r#"{"agent":{"agentId":"AGENT12345","agentName":"travel","agentVersion":"DRAFT"}}"#,
        );
        assert_eq!(get(&start, attr::BEDROCK_AGENT_ID), Some("AGENT12345"));
        assert!(end.is_empty());

        // CreateAgent: the new id from the response.
        let (start, end) = call(
            "Bedrock Agent",
            "CreateAgent",
            "PUT",
            "/agents/",
            r#"{"agentName":"travel","foundationModel":"anthropic.claude-3-haiku-20240307-v1:0","instruction":"help with travel plans"}"#,
            r#"{"agent":{"agentId":"NEWAGENT01","agentStatus":"CREATING"}}"#,
        );
        assert!(start.is_empty());
        assert_eq!(get(&end, attr::BEDROCK_AGENT_ID), Some("NEWAGENT01"));

        // PrepareAgent: `agentVersion` is a string there.
        let (_, end) = call(
            "Bedrock Agent",
            "PrepareAgent",
            "POST",
            "/agents/AGENT12345/",
            "",
            r#"{"agentId":"AGENT12345","agentStatus":"PREPARING","agentVersion":"DRAFT","preparedAt":"2026-01-01T00:00:00Z"}"#,
        );
        assert_eq!(
            get(&end, attr::BEDROCK_AGENT_ID),
            None,
            "already from the path"
        );

        // GetAgentVersion: `agentVersion` is an object.
        let (start, end) = call(
            "Bedrock Agent",
            "GetAgentVersion",
            "GET",
            "/agents/AGENT12345/agentversions/1/",
            "",
            r#"{"agentVersion":{"agentId":"AGENT12345","version":"1"}}"#,
        );
        assert_eq!(get(&start, attr::BEDROCK_AGENT_ID), Some("AGENT12345"));
        assert!(end.is_empty());
    }

    #[test]
    fn knowledge_base_and_data_source_operations() {
        // _KnowledgeBaseOperation: AssociateAgentKnowledgeBase has the knowledge base in the body.
        let (start, _) = call(
            "Bedrock Agent",
            "AssociateAgentKnowledgeBase",
            "PUT",
            "/agents/AGENT12345/agentversions/DRAFT/knowledgebases/",
            r#"{"knowledgeBaseId":"KB12345678","description":"docs"}"#,
            r#"{"agentKnowledgeBase":{"agentId":"AGENT12345","knowledgeBaseId":"KB12345678"}}"#,
        );
        assert_eq!(get(&start, attr::BEDROCK_AGENT_ID), Some("AGENT12345"));
        assert_eq!(
            get(&start, attr::BEDROCK_KNOWLEDGE_BASE_ID),
            Some("KB12345678")
        );

        // _DataSourceOperation.
        let (start, _) = call(
            "Bedrock Agent",
            "GetDataSource",
            "GET",
            "/knowledgebases/KB12345678/datasources/DS12345678",
            "",
            r#"{"dataSource":{"knowledgeBaseId":"KB12345678","dataSourceId":"DS12345678"}}"#,
        );
        assert_eq!(
            get(&start, attr::BEDROCK_KNOWLEDGE_BASE_ID),
            Some("KB12345678")
        );
        assert_eq!(
            get(&start, attr::BEDROCK_DATA_SOURCE_ID),
            Some("DS12345678")
        );

        // CreateDataSource: the new data source's id from the response.
        let (start, end) = call(
            "Bedrock Agent",
            "CreateDataSource",
            "PUT",
            "/knowledgebases/KB12345678/datasources/",
            r#"{"name":"s3-docs","dataSourceConfiguration":{"type":"S3"}}"#,
            r#"{"dataSource":{"knowledgeBaseId":"KB12345678","dataSourceId":"DSNEW00001","status":"AVAILABLE"}}"#,
        );
        assert_eq!(
            get(&start, attr::BEDROCK_KNOWLEDGE_BASE_ID),
            Some("KB12345678")
        );
        assert_eq!(get(&end, attr::BEDROCK_DATA_SOURCE_ID), Some("DSNEW00001"));

        // StartIngestionJob.
        let (start, _) = call(
            "Bedrock Agent",
            "StartIngestionJob",
            "PUT",
            "/knowledgebases/KB12345678/datasources/DS12345678/ingestionjobs/",
            r#"{"clientToken":"t"}"#,
            r#"{"ingestionJob":{"knowledgeBaseId":"KB12345678","dataSourceId":"DS12345678","ingestionJobId":"J"}}"#,
        );
        assert_eq!(
            get(&start, attr::BEDROCK_DATA_SOURCE_ID),
            Some("DS12345678")
        );
    }

    #[test]
    fn agent_runtime_operations() {
        let (start, end) = call(
            "Bedrock Agent Runtime",
            "InvokeAgent",
            "POST",
            "/agents/AGENT12345/agentAliases/TSTALIASID/sessions/session-1/text",
            r#"{"inputText":"book a flight","agentId":"not-read"}"#,
            "",
        );
        assert_eq!(get(&start, attr::BEDROCK_AGENT_ID), Some("AGENT12345"));
        assert!(end.is_empty());

        let (start, _) = call(
            "Bedrock Agent Runtime",
            "InvokeInlineAgent",
            "POST",
            "/agents/session-1",
            r#"{"inputText":"hi","instruction":"be brief","foundationModel":"m"}"#,
            "",
        );
        assert_eq!(get(&start, attr::BEDROCK_AGENT_ID), None);

        let (start, _) = call(
            "Bedrock Agent Runtime",
            "Retrieve",
            "POST",
            "/knowledgebases/KB12345678/retrieve",
            r#"{"retrievalQuery":{"text":"refund policy"}}"#,
            r#"{"retrievalResults":[]}"#,
        );
        assert_eq!(
            get(&start, attr::BEDROCK_KNOWLEDGE_BASE_ID),
            Some("KB12345678")
        );

        let (start, _) = call(
            "Bedrock Agent Runtime",
            "RetrieveAndGenerate",
            "POST",
            "/retrieveAndGenerate",
            r#"{"input":{"text":"refund policy"},"retrieveAndGenerateConfiguration":{"type":"KNOWLEDGE_BASE","knowledgeBaseConfiguration":{"knowledgeBaseId":"KB12345678","modelArn":"arn:aws:bedrock:us-east-1::foundation-model/m"}}}"#,
            r#"{"output":{"text":"…"},"sessionId":"s"}"#,
        );
        assert_eq!(
            get(&start, attr::BEDROCK_KNOWLEDGE_BASE_ID),
            Some("KB12345678")
        );

        let (start, _) = call(
            "Bedrock Agent Runtime",
            "GetAgentMemory",
            "GET",
            "/agents/AGENT12345/agentAliases/TSTALIASID/memories?memoryId=m&memoryType=SESSION_SUMMARY",
            "",
            "{}",
        );
        assert_eq!(get(&start, attr::BEDROCK_AGENT_ID), Some("AGENT12345"));
    }
}

//! Lambda (restJson1): function name and ARN, event-source-mapping id.
//!
//! Paths: `/{version}/functions/{FunctionName}/…` and `/{version}/event-source-mappings/{UUID}`.
//! `Invoke*` bodies are the function's own payloads and are never read.

use serde::Deserialize;

use super::{is_arn, Recorder, Request, Response};
use crate::attributes as attr;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RequestBody {
    /// CreateFunction, Create/UpdateEventSourceMapping.
    function_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ResponseBody {
    /// FunctionConfiguration (CreateFunction, GetFunctionConfiguration, Update…, PublishVersion)
    /// and EventSourceMappingConfiguration (the mapped function).
    function_arn: Option<String>,
    /// GetFunction.
    configuration: Option<Configuration>,
    /// EventSourceMappingConfiguration.
    #[serde(rename = "UUID")]
    uuid: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Configuration {
    function_arn: Option<String>,
}

fn is_invoke(operation: &str) -> bool {
    matches!(
        operation,
        "Invoke" | "InvokeAsync" | "InvokeWithResponseStream"
    )
}

/// `aws.lambda.function.name` (and `.arn` when the function is named by its ARN),
/// `aws.lambda.resource_mapping.id`. Returns whether the response describes a function or a
/// mapping (not for `Invoke*` and `List*`).
pub(super) fn request(request: &Request<'_>, out: &mut Recorder<'_>) -> bool {
    let mut segments = request.segments().skip(1);
    match (segments.next().as_deref(), segments.next()) {
        (Some("functions"), Some(function)) => function_name(&function, out),
        (Some("event-source-mappings"), Some(uuid)) => {
            out.str(attr::LAMBDA_RESOURCE_MAPPING_ID, uuid);
        }
        _ => {}
    }
    if !is_invoke(request.operation) && !out.has(attr::LAMBDA_FUNCTION_NAME) {
        if let Some(name) = request.json::<RequestBody>().and_then(|b| b.function_name) {
            function_name(&name, out);
        }
    }
    !is_invoke(request.operation) && !request.operation.starts_with("List")
}

/// `FunctionArn` / `Configuration.FunctionArn`, `UUID`.
pub(super) fn response(response: &Response<'_>, out: &mut Recorder<'_>) {
    if let Some(body) = response.json::<ResponseBody>() {
        let arn = body
            .function_arn
            .or_else(|| body.configuration.and_then(|c| c.function_arn));
        out.opt_str(attr::LAMBDA_FUNCTION_ARN, arn);
        out.opt_str(attr::LAMBDA_RESOURCE_MAPPING_ID, body.uuid);
    }
}

/// A `FunctionName` parameter: a name (`my-function`, `my-function:PROD`), a full ARN or a
/// partial ARN (`123456789012:function:my-function`). The name attribute gets the bare name; a
/// full ARN also goes to the ARN attribute.
fn function_name(given: &str, out: &mut Recorder<'_>) {
    if is_arn(given) {
        out.str(attr::LAMBDA_FUNCTION_ARN, given);
    }
    let name = match given.split_once(":function:") {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest),
        None => given,
    };
    out.str(attr::LAMBDA_FUNCTION_NAME, name);
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:resize-images";

    fn call(
        op: &str,
        method: &str,
        uri: &str,
        body: &str,
        answer: &str,
    ) -> (Vec<opentelemetry::KeyValue>, Vec<opentelemetry::KeyValue>) {
        let request = http_request(
            method,
            uri,
            &[("content-type", "application/json")],
            body.as_bytes(),
        );
        let response = http_response(200, &[], answer.as_bytes());
        run("Lambda", op, &request, None, Some(&response))
    }

    #[test]
    fn invoke_by_name_never_reads_the_payloads() {
        let (start, end) = call(
            "Invoke",
            "POST",
            "/2015-03-31/functions/resize-images/invocations",
            r#"{"FunctionName":"not-this-one"}"#,
            r#"{"FunctionArn":"arn:aws:lambda:us-east-1:1:function:payload","UUID":"u"}"#,
        );
        assert_eq!(
            get(&start, attr::LAMBDA_FUNCTION_NAME),
            Some("resize-images")
        );
        assert_eq!(get(&start, attr::LAMBDA_FUNCTION_ARN), None);
        assert!(end.is_empty());
    }

    #[test]
    fn invoke_by_arn_with_qualifier() {
        let (start, _) = call(
            "Invoke",
            "POST",
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aresize-images%3APROD/invocations",
            "{}",
            "{}",
        );
        assert_eq!(
            get(&start, attr::LAMBDA_FUNCTION_NAME),
            Some("resize-images")
        );
        assert_eq!(
            get(&start, attr::LAMBDA_FUNCTION_ARN),
            Some("arn:aws:lambda:us-east-1:123456789012:function:resize-images:PROD")
        );
        let (start, _) = call(
            "Invoke",
            "POST",
            "/2015-03-31/functions/123456789012%3Afunction%3Aresize-images/invocations",
            "{}",
            "{}",
        );
        assert_eq!(
            get(&start, attr::LAMBDA_FUNCTION_NAME),
            Some("resize-images")
        );
        assert_eq!(get(&start, attr::LAMBDA_FUNCTION_ARN), None);
    }

    #[test]
    fn function_arns_from_responses() {
        let (start, end) = call(
            "GetFunction",
            "GET",
            "/2015-03-31/functions/resize-images",
            "",
            &format!(
                r#"{{"Configuration":{{"FunctionName":"resize-images","FunctionArn":"{ARN}","Runtime":"provided.al2023"}},"Code":{{"Location":"https://x"}}}}"#
            ),
        );
        assert_eq!(
            get(&start, attr::LAMBDA_FUNCTION_NAME),
            Some("resize-images")
        );
        assert_eq!(get(&end, attr::LAMBDA_FUNCTION_ARN), Some(ARN));

        let (start, end) = call(
            "CreateFunction",
            "POST",
            "/2015-03-31/functions",
            r#"{"FunctionName":"resize-images","Role":"arn:aws:iam::1:role/r","Code":{}}"#,
            &format!(r#"{{"FunctionName":"resize-images","FunctionArn":"{ARN}"}}"#),
        );
        assert_eq!(
            get(&start, attr::LAMBDA_FUNCTION_NAME),
            Some("resize-images")
        );
        assert_eq!(get(&end, attr::LAMBDA_FUNCTION_ARN), Some(ARN));
        assert_unique(&start, &end);
    }

    #[test]
    fn event_source_mappings() {
        let uuid = "14e0db71-5d35-4eb5-b481-8945cf9d10c2";
        let (start, end) = call(
            "GetEventSourceMapping",
            "GET",
            &format!("/2015-03-31/event-source-mappings/{uuid}"),
            "",
            &format!(r#"{{"UUID":"{uuid}","FunctionArn":"{ARN}","State":"Enabled"}}"#),
        );
        assert_eq!(get(&start, attr::LAMBDA_RESOURCE_MAPPING_ID), Some(uuid));
        assert_eq!(get(&end, attr::LAMBDA_FUNCTION_ARN), Some(ARN));
        assert_unique(&start, &end);

        let (start, end) = call(
            "CreateEventSourceMapping",
            "POST",
            "/2015-03-31/event-source-mappings",
            r#"{"EventSourceArn":"arn:aws:sqs:us-east-1:1:q","FunctionName":"resize-images"}"#,
            &format!(r#"{{"UUID":"{uuid}","FunctionArn":"{ARN}"}}"#),
        );
        assert_eq!(
            get(&start, attr::LAMBDA_FUNCTION_NAME),
            Some("resize-images")
        );
        assert_eq!(get(&end, attr::LAMBDA_RESOURCE_MAPPING_ID), Some(uuid));
        assert_eq!(get(&end, attr::LAMBDA_FUNCTION_ARN), Some(ARN));
    }

    #[test]
    fn list_operations_are_not_parsed() {
        let (start, end) = call(
            "ListFunctions",
            "GET",
            "/2015-03-31/functions",
            "",
            &format!(r#"{{"Functions":[{{"FunctionArn":"{ARN}"}}]}}"#),
        );
        assert!(start.is_empty() && end.is_empty());
    }
}

//! Kinesis Data Streams (awsJson1_1): stream name and ARN.

use serde::Deserialize;

use super::{Recorder, Request, Response};
use crate::attributes as attr;

#[derive(Deserialize)]
struct RequestBody {
    #[serde(rename = "StreamName")]
    stream_name: Option<String>,
    #[serde(rename = "StreamARN")]
    stream_arn: Option<String>,
}

#[derive(Deserialize)]
struct ResponseBody {
    /// DescribeStream.
    #[serde(rename = "StreamDescription")]
    description: Option<Description>,
    /// DescribeStreamSummary.
    #[serde(rename = "StreamDescriptionSummary")]
    summary: Option<Description>,
}

#[derive(Deserialize)]
struct Description {
    #[serde(rename = "StreamARN")]
    stream_arn: Option<String>,
}

/// `aws.kinesis.stream_name` (from `StreamName`, else the name in `StreamARN`),
/// `aws.kinesis.stream.arn`. Returns whether the response describes the stream.
pub(super) fn request(request: &Request<'_>, out: &mut Recorder<'_>) -> bool {
    if let Some(body) = request.json::<RequestBody>() {
        let name = body
            .stream_name
            .filter(|n| !n.is_empty())
            .or_else(|| body.stream_arn.as_deref().and_then(stream_name_of_arn));
        out.opt_str(attr::KINESIS_STREAM_NAME, name);
        out.opt_str(attr::KINESIS_STREAM_ARN, body.stream_arn);
    }
    matches!(
        request.operation,
        "DescribeStream" | "DescribeStreamSummary"
    )
}

/// `StreamDescription.StreamARN` / `StreamDescriptionSummary.StreamARN`.
pub(super) fn response(response: &Response<'_>, out: &mut Recorder<'_>) {
    if let Some(body) = response.json::<ResponseBody>() {
        let arn = body
            .description
            .and_then(|d| d.stream_arn)
            .or_else(|| body.summary.and_then(|d| d.stream_arn));
        out.opt_str(attr::KINESIS_STREAM_ARN, arn);
    }
}

/// `arn:aws:kinesis:us-east-1:123456789012:stream/clicks` → `clicks`.
fn stream_name_of_arn(arn: &str) -> Option<String> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let name = resource.strip_prefix("stream/")?;
    let name = name.split('/').next().unwrap_or(name);
    (!name.is_empty()).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    const ARN: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks";

    fn call(
        op: &str,
        body: &str,
        answer: &str,
    ) -> (Vec<opentelemetry::KeyValue>, Vec<opentelemetry::KeyValue>) {
        json_call("Kinesis", "Kinesis_20131202", "1.1", op, body, answer)
    }

    #[test]
    fn put_record_by_name_or_arn() {
        let (start, end) = call(
            "PutRecord",
            r#"{"StreamName":"clicks","Data":"aGVsbG8=","PartitionKey":"p"}"#,
            r#"{"ShardId":"shardId-000000000000","SequenceNumber":"1"}"#,
        );
        assert_eq!(get(&start, attr::KINESIS_STREAM_NAME), Some("clicks"));
        assert_eq!(get(&start, attr::KINESIS_STREAM_ARN), None);
        assert!(end.is_empty());

        let (start, _) = call(
            "PutRecords",
            &format!(
                r#"{{"Records":[{{"Data":"aGVsbG8=","PartitionKey":"p"}}],"StreamARN":"{ARN}"}}"#
            ),
            "{}",
        );
        assert_eq!(get(&start, attr::KINESIS_STREAM_NAME), Some("clicks"));
        assert_eq!(get(&start, attr::KINESIS_STREAM_ARN), Some(ARN));
    }

    #[test]
    fn describe_stream_answers_with_the_arn() {
        let (start, end) = call(
            "DescribeStream",
            r#"{"StreamName":"clicks"}"#,
            &format!(
                r#"{{"StreamDescription":{{"StreamName":"clicks","StreamARN":"{ARN}","StreamStatus":"ACTIVE","Shards":[],"HasMoreShards":false}}}}"#
            ),
        );
        assert_eq!(get(&start, attr::KINESIS_STREAM_NAME), Some("clicks"));
        assert_eq!(get(&end, attr::KINESIS_STREAM_ARN), Some(ARN));
        let (_, end) = call(
            "DescribeStreamSummary",
            r#"{"StreamName":"clicks"}"#,
            &format!(r#"{{"StreamDescriptionSummary":{{"StreamARN":"{ARN}"}}}}"#),
        );
        assert_eq!(get(&end, attr::KINESIS_STREAM_ARN), Some(ARN));
    }

    #[test]
    fn stream_names_of_arns() {
        assert_eq!(stream_name_of_arn(ARN).as_deref(), Some("clicks"));
        assert_eq!(
            stream_name_of_arn("arn:aws:kinesis:us-east-1:1:stream/clicks/consumer/c:1").as_deref(),
            Some("clicks")
        );
        assert_eq!(
            stream_name_of_arn("arn:aws:kinesis:us-east-1:1:other/x"),
            None
        );
        assert_eq!(stream_name_of_arn("clicks"), None);
    }
}

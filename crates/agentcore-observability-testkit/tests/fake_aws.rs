//! `FakeAws` over plain HTTP: the awsQuery and REST defaults, operation-filtered scripts, request
//! ids, `aws-chunked` bodies and the record. (Real SDK clients are driven through it in the
//! workspace's `tests/aws_sdk_services.rs`.)

use std::time::Duration;

use agentcore_observability_testkit::{AwsProtocol, AwsResponse, FakeAws};

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/sns/aws4_request, SignedHeaders=host, Signature=0";

#[tokio::test]
async fn query_json_and_rest_defaults_and_scripts() {
    let fake = FakeAws::start().unwrap();
    let http = reqwest::Client::new();
    let form = |body: &'static str| {
        http.post(fake.endpoint())
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", AUTH)
            .body(body)
            .send()
    };

    // awsQuery default: CreateTopic answers an ARN in the signing region.
    let created = form("Action=CreateTopic&Version=2010-03-31&Name=orders")
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    assert_eq!(
        created.headers()["x-amzn-requestid"],
        "00000000-0000-4000-8000-000000000001"
    );
    let text = created.text().await.unwrap();
    assert!(
        text.contains("<CreateTopicResult><TopicArn>arn:aws:sns:eu-west-1:123456789012:orders</TopicArn></CreateTopicResult>"),
        "{text}"
    );

    // A script for Publish waits for a Publish; the JSON call in between gets the default.
    fake.respond_to(
        "Publish",
        AwsResponse::query_error(404, "NotFound", "Topic does not exist"),
    );
    let json = http
        .post(fake.endpoint())
        .header("x-amz-target", "Kinesis_20131202.PutRecord")
        .header("content-type", "application/x-amz-json-1.1")
        .body(r#"{"StreamName":"clicks"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 200);
    assert_eq!(json.text().await.unwrap(), "{}");
    assert_eq!(fake.pending_responses(), 1);
    let failed = form("Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A123456789012%3Agone&Message=hi")
        .await
        .unwrap();
    assert_eq!(failed.status(), 404);
    assert!(failed
        .text()
        .await
        .unwrap()
        .contains("<Code>NotFound</Code>"));
    assert_eq!(fake.pending_responses(), 0);

    // S3: an aws-chunked upload is stored decoded; HEAD of a missing key is a bare 404.
    let put = http
        .put(format!(
            "{}/bucket/dir/a%20b.txt?x-id=PutObject",
            fake.endpoint()
        ))
        .header("content-encoding", "aws-chunked")
        .body("5;chunk-signature=x\r\nhello\r\n0\r\n\r\n")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    assert!(put.headers().contains_key("etag"));
    assert!(put.headers()["x-amz-id-2"]
        .to_str()
        .unwrap()
        .starts_with("FakeHostId/"));
    assert_eq!(
        fake.object("bucket", "dir/a b.txt").as_deref(),
        Some(&b"hello"[..])
    );
    let head = http
        .head(format!("{}/bucket/missing", fake.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 404);

    let requests = fake.wait_for_requests(5, Duration::from_secs(5));
    let ops: Vec<_> = requests
        .iter()
        .map(|r| r.operation.as_deref().unwrap_or("?"))
        .collect();
    assert_eq!(
        ops,
        [
            "CreateTopic",
            "PutRecord",
            "Publish",
            "PutObject",
            "HeadObject"
        ]
    );
    assert_eq!(requests[0].protocol, AwsProtocol::Query);
    assert_eq!(requests[0].signing_region(), Some("eu-west-1"));
    assert_eq!(requests[0].signing_service(), Some("sns"));
    assert_eq!(
        requests[1].protocol,
        AwsProtocol::Json {
            prefix: "Kinesis_20131202".to_owned()
        }
    );
    assert!(requests[2].scripted && !requests[1].scripted);
    assert_eq!(requests[2].status, 404);
    assert_eq!(&requests[3].body[..], b"hello");
    assert_eq!(
        requests[3].query_param("x-id").as_deref(),
        Some("PutObject")
    );
    assert_eq!(fake.requests_for("Publish").len(), 1);
}

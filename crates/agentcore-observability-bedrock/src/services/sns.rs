//! SNS (awsQuery: a form-encoded request body and an XML response): the topic ARN.

use super::{form_value, Recorder, Request, Response};
use crate::attributes as attr;
use crate::wire;

/// `aws.sns.topic.arn` from `TopicArn` (or a topic `TargetArn`). Returns whether the response
/// holds the ARN (CreateTopic).
pub(super) fn request(request: &Request<'_>, out: &mut Recorder<'_>) -> bool {
    if let Some(body) = request.body {
        let arn = form_value(body, "TopicArn")
            .filter(|a| !a.is_empty())
            .or_else(|| form_value(body, "TargetArn").filter(|a| is_topic_arn(a)));
        out.opt_str(attr::SNS_TOPIC_ARN, arn);
    }
    request.operation == "CreateTopic"
}

/// CreateTopic: `<CreateTopicResult><TopicArn>…</TopicArn>`.
pub(super) fn response(response: &Response<'_>, out: &mut Recorder<'_>) {
    if let Some(body) = response.body {
        out.opt_str(attr::SNS_TOPIC_ARN, wire::xml_text(body, "TopicArn"));
    }
}

/// A `TargetArn` can also be a mobile endpoint (`…:endpoint/…`); only topics count.
fn is_topic_arn(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    parts.nth(2) == Some("sns") && parts.nth(2).is_some_and(|r| !r.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
    const ARN: &str = "arn:aws:sns:us-east-1:123456789012:order-events";

    #[test]
    fn publish_to_a_topic_or_target() {
        let request = http_request(
            "POST",
            "/",
            &[FORM],
            b"Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Aorder-events&Message=hi",
        );
        let ok = http_response(
            200,
            &[],
            b"<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>",
        );
        let (start, end) = run("SNS", "Publish", &request, None, Some(&ok));
        assert_eq!(get(&start, attr::SNS_TOPIC_ARN), Some(ARN));
        assert!(end.is_empty());

        let request = http_request(
            "POST",
            "/",
            &[FORM],
            b"Action=Publish&Version=2010-03-31&TargetArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Aorder-events&Message=hi",
        );
        let (start, _) = run("SNS", "Publish", &request, None, None);
        assert_eq!(get(&start, attr::SNS_TOPIC_ARN), Some(ARN));

        let request = http_request(
            "POST",
            "/",
            &[FORM],
            b"Action=Publish&Version=2010-03-31&TargetArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Aendpoint%2FGCM%2Fapp%2Fabc&Message=hi",
        );
        let (start, _) = run("SNS", "Publish", &request, None, None);
        assert_eq!(get(&start, attr::SNS_TOPIC_ARN), None);
    }

    #[test]
    fn create_topic_answers_with_the_arn() {
        let request = http_request(
            "POST",
            "/",
            &[FORM],
            b"Action=CreateTopic&Version=2010-03-31&Name=order-events",
        );
        let ok = http_response(
            200,
            &[("content-type", "text/xml")],
            format!(
                "<CreateTopicResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n  <CreateTopicResult>\n    <TopicArn>{ARN}</TopicArn>\n  </CreateTopicResult>\n  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\n</CreateTopicResponse>"
            )
            .as_bytes(),
        );
        let (start, end) = run("SNS", "CreateTopic", &request, None, Some(&ok));
        assert_eq!(get(&start, attr::SNS_TOPIC_ARN), None);
        assert_eq!(get(&end, attr::SNS_TOPIC_ARN), Some(ARN));
    }
}

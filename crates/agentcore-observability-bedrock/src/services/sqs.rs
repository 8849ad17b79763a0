//! SQS (awsJson1_0 with query compatibility, as the Rust SDK speaks it): queue URL and name, the
//! messaging attributes, and the id of a sent message.

use serde::Deserialize;

use super::{Recorder, Request, Response};
use crate::attributes as attr;
use crate::wire;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Body {
    queue_url: Option<String>,
    queue_name: Option<String>,
    /// SendMessage's response.
    message_id: Option<String>,
}

/// `aws.sqs.queue.url`, `aws.sqs.queue.name`, `messaging.system`, `messaging.destination.name`.
/// Returns whether the response is worth reading (GetQueueUrl, CreateQueue, SendMessage).
pub(super) fn request(request: &Request<'_>, out: &mut Recorder<'_>) -> bool {
    out.str(attr::MESSAGING_SYSTEM, attr::MESSAGING_SYSTEM_AWS_SQS);
    if let Some(body) = request.json::<Body>() {
        queue(body.queue_url, body.queue_name, out);
    }
    matches!(
        request.operation,
        "GetQueueUrl" | "CreateQueue" | "SendMessage"
    )
}

/// `QueueUrl` (GetQueueUrl, CreateQueue) and `messaging.message.id` (SendMessage).
pub(super) fn response(response: &Response<'_>, out: &mut Recorder<'_>) {
    if let Some(body) = response.json::<Body>() {
        queue(body.queue_url, None, out);
        out.opt_str(attr::MESSAGING_MESSAGE_ID, body.message_id);
    }
}

fn queue(url: Option<String>, name: Option<String>, out: &mut Recorder<'_>) {
    let name = name
        .filter(|n| !n.is_empty())
        .or_else(|| url.as_deref().and_then(queue_name_of_url));
    if let Some(url) = url {
        out.str(attr::SQS_QUEUE_URL, url);
    }
    if let Some(name) = name {
        out.str(attr::SQS_QUEUE_NAME, &name);
        out.str(attr::MESSAGING_DESTINATION_NAME, name);
    }
}

/// `https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo` → `orders.fifo`.
fn queue_name_of_url(url: &str) -> Option<String> {
    let path = wire::path_of(url);
    let name = path.trim_end_matches('/').rsplit('/').next()?;
    (!name.is_empty()).then(|| wire::percent_decode(name).into_owned())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    const URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo";

    fn call(
        op: &str,
        body: &str,
        answer: &str,
    ) -> (Vec<opentelemetry::KeyValue>, Vec<opentelemetry::KeyValue>) {
        json_call("SQS", "AmazonSQS", "1.0", op, body, answer)
    }

    #[test]
    fn send_message() {
        let (start, end) = call(
            "SendMessage",
            &format!(r#"{{"QueueUrl":"{URL}","MessageBody":"hello","MessageGroupId":"g"}}"#),
            r#"{"MessageId":"5fea7756-0ea4-451a-a703-a558b933e274","MD5OfMessageBody":"5d41402abc4b2a76b9719d911017c592"}"#,
        );
        assert_eq!(get(&start, attr::SQS_QUEUE_URL), Some(URL));
        assert_eq!(get(&start, attr::SQS_QUEUE_NAME), Some("orders.fifo"));
        assert_eq!(get(&start, attr::MESSAGING_SYSTEM), Some("aws_sqs"));
        assert_eq!(
            get(&start, attr::MESSAGING_DESTINATION_NAME),
            Some("orders.fifo")
        );
        assert_eq!(
            get(&end, attr::MESSAGING_MESSAGE_ID),
            Some("5fea7756-0ea4-451a-a703-a558b933e274")
        );
        assert_unique(&start, &end);
    }

    #[test]
    fn get_queue_url_and_create_queue() {
        for op in ["GetQueueUrl", "CreateQueue"] {
            let (start, end) = call(
                op,
                r#"{"QueueName":"orders.fifo","QueueOwnerAWSAccountId":"123456789012"}"#,
                &format!(r#"{{"QueueUrl":"{URL}"}}"#),
            );
            assert_eq!(get(&start, attr::SQS_QUEUE_NAME), Some("orders.fifo"));
            assert_eq!(get(&start, attr::SQS_QUEUE_URL), None);
            assert_eq!(get(&end, attr::SQS_QUEUE_URL), Some(URL), "{op}");
            assert_unique(&start, &end);
        }
    }

    #[test]
    fn receive_messages_is_not_parsed() {
        let (start, end) = call(
            "ReceiveMessage",
            &format!(r#"{{"QueueUrl":"{URL}/","MaxNumberOfMessages":10}}"#),
            r#"{"Messages":[{"MessageId":"m","Body":"secret"}]}"#,
        );
        assert_eq!(get(&start, attr::SQS_QUEUE_NAME), Some("orders.fifo"));
        assert!(end.is_empty());
    }

    #[test]
    fn queue_names_from_urls() {
        assert_eq!(queue_name_of_url(URL).as_deref(), Some("orders.fifo"));
        assert_eq!(
            queue_name_of_url("http://127.0.0.1:9324/000000000000/q%201").as_deref(),
            Some("q 1")
        );
        assert_eq!(queue_name_of_url("https://sqs.amazonaws.com/"), None);
        assert_eq!(queue_name_of_url(""), None);
    }
}

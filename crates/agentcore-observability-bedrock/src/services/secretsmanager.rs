//! Secrets Manager (awsJson1_1): the secret's ARN. Secret values are never read: the response
//! struct has only the `ARN` field, the rest of the body is skipped unparsed.

use serde::Deserialize;

use super::{arn_service, Recorder, Request, Response};
use crate::attributes as attr;

#[derive(Deserialize)]
struct RequestBody {
    #[serde(rename = "SecretId")]
    secret_id: Option<String>,
}

#[derive(Deserialize)]
struct ResponseBody {
    #[serde(rename = "ARN")]
    arn: Option<String>,
}

/// `aws.secretsmanager.secret.arn` when `SecretId` is an ARN. Returns `true`: most responses
/// carry the secret's `ARN`.
pub(super) fn request(request: &Request<'_>, out: &mut Recorder<'_>) -> bool {
    if let Some(id) = request.json::<RequestBody>().and_then(|b| b.secret_id) {
        if arn_service(&id) == Some("secretsmanager") {
            out.str(attr::SECRETSMANAGER_SECRET_ARN, id);
        }
    }
    !request.operation.starts_with("List") && request.operation != "BatchGetSecretValue"
}

/// The response's `ARN`.
pub(super) fn response(response: &Response<'_>, out: &mut Recorder<'_>) {
    if let Some(body) = response.json::<ResponseBody>() {
        out.opt_str(attr::SECRETSMANAGER_SECRET_ARN, body.arn);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";

    fn call(
        op: &str,
        body: &str,
        answer: &str,
    ) -> (Vec<opentelemetry::KeyValue>, Vec<opentelemetry::KeyValue>) {
        json_call("Secrets Manager", "secretsmanager", "1.1", op, body, answer)
    }

    #[test]
    fn get_secret_value_by_name_records_the_arn_not_the_secret() {
        let (start, end) = call(
            "GetSecretValue",
            r#"{"SecretId":"prod/db"}"#,
            &format!(
                r#"{{"ARN":"{ARN}","Name":"prod/db","SecretString":"hunter2","VersionId":"v"}}"#
            ),
        );
        assert_eq!(get(&start, attr::SECRETSMANAGER_SECRET_ARN), None);
        assert_eq!(get(&end, attr::SECRETSMANAGER_SECRET_ARN), Some(ARN));
        assert!(!format!("{start:?}{end:?}").contains("hunter2"));
    }

    #[test]
    fn secret_id_as_arn() {
        let (start, end) = call(
            "DescribeSecret",
            &format!(r#"{{"SecretId":"{ARN}"}}"#),
            &format!(r#"{{"ARN":"{ARN}"}}"#),
        );
        assert_eq!(get(&start, attr::SECRETSMANAGER_SECRET_ARN), Some(ARN));
        assert_unique(&start, &end);
    }
}

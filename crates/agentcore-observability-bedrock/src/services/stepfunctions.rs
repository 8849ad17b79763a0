//! Step Functions (awsJson1_0): state machine and activity ARNs, from the request and the
//! response.

use serde::Deserialize;

use super::{Recorder, Request, Response};
use crate::attributes as attr;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    state_machine_arn: Option<String>,
    activity_arn: Option<String>,
}

fn record(body: Body, out: &mut Recorder<'_>) {
    out.opt_str(
        attr::STEPFUNCTIONS_STATE_MACHINE_ARN,
        body.state_machine_arn,
    );
    out.opt_str(attr::STEPFUNCTIONS_ACTIVITY_ARN, body.activity_arn);
}

/// `stateMachineArn`, `activityArn`. Returns whether the response may name one (not `List*`).
pub(super) fn request(request: &Request<'_>, out: &mut Recorder<'_>) -> bool {
    if let Some(body) = request.json::<Body>() {
        record(body, out);
    }
    !request.operation.starts_with("List")
}

/// `stateMachineArn`, `activityArn` of the response (CreateStateMachine, DescribeExecution …).
pub(super) fn response(response: &Response<'_>, out: &mut Recorder<'_>) {
    if let Some(body) = response.json::<Body>() {
        record(body, out);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:order-flow";
    const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:approve";

    fn call(
        op: &str,
        body: &str,
        answer: &str,
    ) -> (Vec<opentelemetry::KeyValue>, Vec<opentelemetry::KeyValue>) {
        json_call("SFN", "AWSStepFunctions", "1.0", op, body, answer)
    }

    #[test]
    fn start_execution() {
        let (start, end) = call(
            "StartExecution",
            &format!(r#"{{"stateMachineArn":"{MACHINE}","input":"{{}}"}}"#),
            r#"{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:order-flow:1","startDate":1.7E9}"#,
        );
        assert_eq!(
            get(&start, attr::STEPFUNCTIONS_STATE_MACHINE_ARN),
            Some(MACHINE)
        );
        assert!(end.is_empty());
    }

    #[test]
    fn arns_from_responses() {
        let (start, end) = call(
            "CreateStateMachine",
            r#"{"name":"order-flow","definition":"{}","roleArn":"arn:aws:iam::1:role/r"}"#,
            &format!(r#"{{"stateMachineArn":"{MACHINE}","creationDate":1.7E9}}"#),
        );
        assert!(start.is_empty());
        assert_eq!(
            get(&end, attr::STEPFUNCTIONS_STATE_MACHINE_ARN),
            Some(MACHINE)
        );

        let (start, end) = call(
            "DescribeActivity",
            &format!(r#"{{"activityArn":"{ACTIVITY}"}}"#),
            &format!(r#"{{"activityArn":"{ACTIVITY}","name":"approve"}}"#),
        );
        assert_eq!(
            get(&start, attr::STEPFUNCTIONS_ACTIVITY_ARN),
            Some(ACTIVITY)
        );
        assert_unique(&start, &end);

        let (_, end) = call(
            "DescribeExecution",
            r#"{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:order-flow:1"}"#,
            &format!(
                r#"{{"executionArn":"e","stateMachineArn":"{MACHINE}","status":"RUNNING","input":"{{\"big\":true}}"}}"#
            ),
        );
        assert_eq!(
            get(&end, attr::STEPFUNCTIONS_STATE_MACHINE_ARN),
            Some(MACHINE)
        );
    }
}

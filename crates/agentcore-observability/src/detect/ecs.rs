//! ECS: the task metadata endpoint v4 (`${ECS_CONTAINER_METADATA_URI_V4}` for the container,
//! `…/task` for the task), including the `awslogs` destination CloudWatch links telemetry to.

use opentelemetry::{Array, KeyValue, StringValue, Value};
use serde_json::{Map, Value as Json};

use super::client::{self, Failure};

/// `aws.ecs.*`, `container.*`, `cloud.*` and `aws.log.*` from the endpoint at `uri` (no trailing
/// slash). The container document must load; without the task document the container's
/// attributes are still reported.
pub(super) async fn detect(http: &reqwest::Client, uri: &str) -> Result<Vec<KeyValue>, Failure> {
    let (container, task) = tokio::join!(
        client::json(http.get(uri), "ECS container metadata"),
        client::json(http.get(format!("{uri}/task")), "ECS task metadata"),
    );
    let container = container?;
    let task = match task {
        Ok(task) => Some(task),
        Err(failure) => {
            tracing::warn!(
                target: "agentcore_observability",
                "resource detection: ECS task metadata unavailable, task attributes left out: {}",
                failure.reason()
            );
            None
        }
    };
    Ok(attributes(&container, task.as_ref()))
}

/// The attributes of a container document and (if loaded) its task document.
pub(super) fn attributes(
    container: &Map<String, Json>,
    task: Option<&Map<String, Json>>,
) -> Vec<KeyValue> {
    let text = |object: &Map<String, Json>, key: &str| {
        object
            .get(key)
            .and_then(Json::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let task_text = |key: &str| task.and_then(|t| text(t, key));
    let container_arn = text(container, "ContainerARN");
    let task_arn_text = task_text("TaskARN");
    let task_arn = task_arn_text.as_deref().and_then(Arn::parse);
    let task_id = task_arn.as_ref().and_then(Arn::task_id);
    // Region, account and partition: from the task ARN, else from the container ARN.
    let arn = task_arn.or_else(|| container_arn.as_deref().and_then(Arn::parse));

    let mut out = vec![
        KeyValue::new("cloud.provider", "aws"),
        KeyValue::new("cloud.platform", "aws_ecs"),
    ];
    let mut push = |key: &'static str, value: Option<String>| {
        if let Some(value) = value {
            out.push(KeyValue::new(key, value));
        }
    };
    if let Some(arn) = &arn {
        push("cloud.region", Some(arn.region.clone()));
        push("cloud.account.id", Some(arn.account_id.clone()));
    }
    push("cloud.availability_zone", task_text("AvailabilityZone"));
    push(
        "aws.ecs.cluster.arn",
        task_text("Cluster").and_then(|cluster| cluster_arn(cluster, arn.as_ref())),
    );
    push("aws.ecs.task.arn", task_arn_text);
    push("aws.ecs.task.id", task_id);
    push("aws.ecs.task.family", task_text("Family"));
    push("aws.ecs.task.revision", task_text("Revision"));
    push(
        "aws.ecs.launchtype",
        task_text("LaunchType").map(|t| t.to_ascii_lowercase()),
    );
    push("aws.ecs.container.arn", container_arn);
    push("container.name", text(container, "Name"));
    push("container.id", text(container, "DockerId"));
    let image = text(container, "Image").map(|i| Image::parse(&i));
    push(
        "container.image.name",
        image.as_ref().map(|i| i.name.clone()),
    );
    push("container.image.id", text(container, "ImageID"));
    if let Some(tag) = image.and_then(|i| i.tag) {
        out.push(string_array("container.image.tags", tag));
    }

    // CloudWatch Logs, when the container logs with the awslogs driver.
    let awslogs = text(container, "LogDriver").as_deref() == Some("awslogs");
    let options = container.get("LogOptions").and_then(Json::as_object);
    if let (true, Some(options)) = (awslogs, options) {
        let group = text(options, "awslogs-group");
        let stream = text(options, "awslogs-stream");
        let region =
            text(options, "awslogs-region").or_else(|| arn.as_ref().map(|a| a.region.clone()));
        if let Some(group) = &group {
            out.push(string_array("aws.log.group.names", group.clone()));
        }
        if let Some(stream) = &stream {
            out.push(string_array("aws.log.stream.names", stream.clone()));
        }
        if let (Some(arn), Some(region), Some(group)) = (&arn, &region, &group) {
            let group_arn = format!(
                "arn:{}:logs:{region}:{}:log-group:{group}",
                arn.partition, arn.account_id
            );
            if let Some(stream) = &stream {
                out.push(string_array(
                    "aws.log.stream.arns",
                    format!("{group_arn}:log-stream:{stream}"),
                ));
            }
            // The form CloudWatch's DescribeLogGroups returns as `arn` (and the semantic
            // conventions' example): the group ARN with `:*`.
            out.push(string_array("aws.log.group.arns", format!("{group_arn}:*")));
        }
    }
    out
}

/// A one-element `string[]` attribute (the semantic conventions type these as arrays).
fn string_array(key: &'static str, value: String) -> KeyValue {
    KeyValue::new(
        key,
        Value::Array(Array::String(vec![StringValue::from(value)])),
    )
}

/// `arn:<partition>:<service>:<region>:<account>:<resource>`.
#[derive(Debug, PartialEq, Eq)]
struct Arn {
    partition: String,
    region: String,
    account_id: String,
    resource: String,
}

impl Arn {
    fn parse(arn: &str) -> Option<Arn> {
        let mut parts = arn.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let partition = parts.next()?;
        let _service = parts.next()?;
        let region = parts.next()?;
        let account_id = parts.next()?;
        let resource = parts.next()?;
        (!partition.is_empty() && !region.is_empty() && !account_id.is_empty()).then(|| Arn {
            partition: partition.into(),
            region: region.into(),
            account_id: account_id.into(),
            resource: resource.into(),
        })
    }

    /// The task id: the last segment of `task/<id>` or `task/<cluster>/<id>`.
    fn task_id(&self) -> Option<String> {
        self.resource
            .rsplit('/')
            .next()
            .filter(|id| !id.is_empty() && *id != self.resource)
            .map(str::to_string)
    }
}

/// `Cluster` as an ARN: older agents report the bare name, which is expanded with the task ARN's
/// partition, region and account.
fn cluster_arn(cluster: String, task_arn: Option<&Arn>) -> Option<String> {
    if cluster.starts_with("arn:") {
        return Some(cluster);
    }
    let arn = task_arn?;
    Some(format!(
        "arn:{}:ecs:{}:{}:cluster/{cluster}",
        arn.partition, arn.region, arn.account_id
    ))
}

/// An image reference split into name and tag (`repo:tag`, `repo@sha256:…`,
/// `registry:5000/repo:tag`).
#[derive(Debug, PartialEq, Eq)]
struct Image {
    name: String,
    tag: Option<String>,
}

impl Image {
    fn parse(reference: &str) -> Image {
        let without_digest = reference
            .split_once('@')
            .map_or(reference, |(name, _)| name);
        match without_digest.rsplit_once(':') {
            // A `:` after the last `/` separates the tag; before it, it is a registry port.
            Some((name, tag)) if !tag.contains('/') && !tag.is_empty() => Image {
                name: name.to_string(),
                tag: Some(tag.to_string()),
            },
            _ => Image {
                name: without_digest.to_string(),
                tag: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(json: &str) -> Map<String, Json> {
        match serde_json::from_str(json).unwrap() {
            Json::Object(o) => o,
            _ => panic!("not an object"),
        }
    }

    fn get<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
        attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    #[test]
    fn images() {
        let image = |r: &str| {
            let i = Image::parse(r);
            (i.name, i.tag)
        };
        assert_eq!(image("nginx"), ("nginx".into(), None));
        assert_eq!(image("nginx:1.27"), ("nginx".into(), Some("1.27".into())));
        assert_eq!(
            image("registry:5000/team/agent"),
            ("registry:5000/team/agent".into(), None)
        );
        assert_eq!(
            image("registry:5000/team/agent:v2@sha256:abc"),
            ("registry:5000/team/agent".into(), Some("v2".into()))
        );
        assert_eq!(image("agent@sha256:abc"), ("agent".into(), None));
    }

    #[test]
    fn arns_and_clusters() {
        let arn = Arn::parse("arn:aws-cn:ecs:cn-north-1:111122223333:task/prod/abc123").unwrap();
        assert_eq!(arn.partition, "aws-cn");
        assert_eq!(arn.task_id().as_deref(), Some("abc123"));
        assert_eq!(
            Arn::parse("arn:aws:ecs:us-east-1:111122223333:task/abc")
                .unwrap()
                .task_id()
                .as_deref(),
            Some("abc")
        );
        assert_eq!(Arn::parse("arn:aws:ecs::111122223333:task/abc"), None);
        assert_eq!(Arn::parse("not-an-arn"), None);
        assert_eq!(
            cluster_arn("default".into(), Some(&arn)).as_deref(),
            Some("arn:aws-cn:ecs:cn-north-1:111122223333:cluster/default")
        );
        assert_eq!(
            cluster_arn("arn:aws:ecs:us-east-1:1:cluster/x".into(), None).as_deref(),
            Some("arn:aws:ecs:us-east-1:1:cluster/x")
        );
        assert_eq!(cluster_arn("default".into(), None), None);
    }

    #[test]
    fn container_without_task_and_without_awslogs() {
        let container = object(
            r#"{"DockerId":"abc","Name":"agent","Image":"agent:1","LogDriver":"json-file",
                "LogOptions":{"awslogs-group":"/ignored"},
                "ContainerARN":"arn:aws:ecs:eu-west-1:111122223333:container/c/1/2"}"#,
        );
        let attributes = attributes(&container, None);
        assert_eq!(
            get(&attributes, "cloud.region"),
            Some(&Value::from("eu-west-1"))
        );
        assert_eq!(
            get(&attributes, "cloud.account.id"),
            Some(&Value::from("111122223333"))
        );
        assert_eq!(get(&attributes, "aws.ecs.task.arn"), None);
        assert_eq!(get(&attributes, "aws.log.group.names"), None);
        assert_eq!(
            get(&attributes, "container.image.name"),
            Some(&Value::from("agent"))
        );
    }
}

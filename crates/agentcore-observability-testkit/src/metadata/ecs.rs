//! [`FakeEcsMetadata`]: the ECS task metadata endpoint, version 4.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use super::{MetadataCall, MetadataServer, Reply};

/// The ECS task (and the one container asking) a [`FakeEcsMetadata`] describes. `Default` is a
/// realistic Fargate task whose container logs with the `awslogs` driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcsTask {
    /// `Cluster`: an ARN on current agents (and Fargate), a bare name on older ones.
    pub cluster: String,
    /// `TaskARN`.
    pub task_arn: String,
    /// `Family`.
    pub family: String,
    /// `Revision`.
    pub revision: String,
    /// `LaunchType`: `FARGATE` or `EC2`.
    pub launch_type: String,
    /// `AvailabilityZone` (Fargate only; `None` leaves it out, as on the EC2 launch type).
    pub availability_zone: Option<String>,
    /// The container's `Name`.
    pub container_name: String,
    /// The container's `DockerId`.
    pub docker_id: String,
    /// The container's `ContainerARN`.
    pub container_arn: String,
    /// The container's `Image`.
    pub image: String,
    /// The container's `ImageID`.
    pub image_id: String,
    /// `LogDriver` (`awslogs` ships to CloudWatch Logs).
    pub log_driver: String,
    /// `LogOptions.awslogs-group`.
    pub log_group: String,
    /// `LogOptions.awslogs-stream`.
    pub log_stream: String,
    /// `LogOptions.awslogs-region`.
    pub log_region: String,
}

impl Default for EcsTask {
    fn default() -> Self {
        EcsTask {
            cluster: "arn:aws:ecs:us-west-2:111122223333:cluster/agents".into(),
            task_arn: "arn:aws:ecs:us-west-2:111122223333:task/agents/158d1c8083dd49d6b527399fd6414f5c"
                .into(),
            family: "travel-agent".into(),
            revision: "26".into(),
            launch_type: "FARGATE".into(),
            availability_zone: Some("us-west-2d".into()),
            container_name: "agent".into(),
            docker_id: "158d1c8083dd49d6b527399fd6414f5c-1234567890".into(),
            container_arn:
                "arn:aws:ecs:us-west-2:111122223333:container/agents/158d1c8083dd49d6b527399fd6414f5c/2b9cf2c7-5d38-4ef1-9b4d-3a7f1a9c6e11"
                    .into(),
            image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/travel-agent:1.4.2".into(),
            image_id: "sha256:d691691e9652791a60114e67b365688d20d19940dde7c4736ea30e660d8d3553"
                .into(),
            log_driver: "awslogs".into(),
            log_group: "/ecs/travel-agent".into(),
            log_stream: "ecs/agent/158d1c8083dd49d6b527399fd6414f5c".into(),
            log_region: "us-west-2".into(),
        }
    }
}

impl EcsTask {
    /// The container metadata document (`${ECS_CONTAINER_METADATA_URI_V4}`).
    pub fn container_document(&self) -> String {
        self.container_json().to_string()
    }

    /// The task metadata document (`${ECS_CONTAINER_METADATA_URI_V4}/task`).
    pub fn task_document(&self) -> String {
        let mut task = serde_json::json!({
            "Cluster": self.cluster,
            "TaskARN": self.task_arn,
            "Family": self.family,
            "Revision": self.revision,
            "DesiredStatus": "RUNNING",
            "KnownStatus": "RUNNING",
            "Limits": {"CPU": 0.25, "Memory": 512},
            "PullStartedAt": "2026-01-15T08:30:12.1Z",
            "PullStoppedAt": "2026-01-15T08:30:19.4Z",
            "Containers": [self.container_json()],
            "LaunchType": self.launch_type,
            "ClockDrift": {"ClockErrorBound": 0.44, "ReferenceTimestamp": "2026-01-15T08:31:00Z", "ClockSynchronizationStatus": "SYNCHRONIZED"},
            "EphemeralStorageMetrics": {"Utilized": 261, "Reserved": 20496},
        });
        if let (Some(zone), Some(object)) = (&self.availability_zone, task.as_object_mut()) {
            object.insert("AvailabilityZone".into(), serde_json::json!(zone));
        }
        task.to_string()
    }

    fn container_json(&self) -> serde_json::Value {
        serde_json::json!({
            "DockerId": self.docker_id,
            "Name": self.container_name,
            "DockerName": format!("ecs-{}-{}-{}", self.family, self.revision, self.container_name),
            "Image": self.image,
            "ImageID": self.image_id,
            "Labels": {
                "com.amazonaws.ecs.cluster": self.cluster,
                "com.amazonaws.ecs.container-name": self.container_name,
                "com.amazonaws.ecs.task-arn": self.task_arn,
                "com.amazonaws.ecs.task-definition-family": self.family,
                "com.amazonaws.ecs.task-definition-version": self.revision
            },
            "DesiredStatus": "RUNNING",
            "KnownStatus": "RUNNING",
            "Limits": {"CPU": 2},
            "CreatedAt": "2026-01-15T08:30:20.0Z",
            "StartedAt": "2026-01-15T08:30:20.9Z",
            "Type": "NORMAL",
            "LogDriver": self.log_driver,
            "LogOptions": {
                "awslogs-create-group": "true",
                "awslogs-group": self.log_group,
                "awslogs-region": self.log_region,
                "awslogs-stream": self.log_stream
            },
            "ContainerARN": self.container_arn,
            "Networks": [{
                "NetworkMode": "awsvpc",
                "IPv4Addresses": ["10.0.2.106"],
                "AttachmentIndex": 0,
                "MACAddress": "0a:1f:3c:5e:7a:91",
                "IPv4SubnetCIDRBlock": "10.0.2.0/24",
                "PrivateDNSName": "ip-10-0-2-106.us-west-2.compute.internal",
                "SubnetGatewayIpv4Address": "10.0.2.1/24"
            }]
        })
    }
}

/// The endpoint's state.
#[derive(Debug, Default)]
struct Ecs {
    task: EcsTask,
    /// `/v4/<id>`: the path prefix of this container's documents.
    base_path: String,
}

/// A fake ECS task metadata endpoint v4 on `127.0.0.1`, recording every request.
///
/// `GET <uri()>` returns the container document and `GET <uri()>/task` the task document of
/// an [`EcsTask`]; other paths `404`, other methods `405`. Point a client at it with
/// `ECS_CONTAINER_METADATA_URI_V4=<uri()>`.
///
/// ```
/// use agentcore_observability_testkit::{EcsTask, FakeEcsMetadata};
///
/// let ecs = FakeEcsMetadata::start_with(EcsTask { launch_type: "EC2".into(), ..EcsTask::default() }).unwrap();
/// assert_eq!(ecs.task().launch_type, "EC2");
/// ```
pub struct FakeEcsMetadata {
    server: MetadataServer<Ecs>,
    /// `http://127.0.0.1:PORT/v4/<id>`: fixed once started.
    uri: String,
}

impl std::fmt::Debug for FakeEcsMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeEcsMetadata")
            .field("addr", &self.server.addr)
            .finish_non_exhaustive()
    }
}

impl FakeEcsMetadata {
    /// Starts a fake describing [`EcsTask::default`].
    pub fn start() -> io::Result<FakeEcsMetadata> {
        FakeEcsMetadata::start_with(EcsTask::default())
    }

    /// Starts a fake describing `task`.
    pub fn start_with(task: EcsTask) -> io::Result<FakeEcsMetadata> {
        // The agent's form: /v4/<task id>-<container number>.
        let base_path = format!("/v4/{}", task.docker_id);
        let server = MetadataServer::start(
            "fake-ecs-metadata",
            Ecs {
                task,
                base_path: base_path.clone(),
            },
            route,
        )?;
        let uri = format!("http://{}{base_path}", server.addr);
        Ok(FakeEcsMetadata { server, uri })
    }

    /// `http://127.0.0.1:PORT/v4/<id>` (no trailing slash): the value for
    /// `ECS_CONTAINER_METADATA_URI_V4`.
    pub fn uri(&self) -> String {
        self.uri.clone()
    }

    /// The socket address the fake listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// The task the fake describes.
    pub fn task(&self) -> EcsTask {
        self.server.state.lock().inner.task.clone()
    }

    /// Every request received so far, in arrival order.
    pub fn calls(&self) -> Vec<MetadataCall> {
        self.server.calls()
    }

    /// Waits until at least `at_least` requests were answered or `timeout` passes, and returns
    /// all of them.
    pub fn wait_for_calls(&self, at_least: usize, timeout: Duration) -> Vec<MetadataCall> {
        self.server.wait_for_calls(at_least, timeout)
    }

    /// Makes every later answer wait `delay` first (`Duration::ZERO` to stop).
    pub fn set_delay(&self, delay: Duration) {
        self.server.set_delay(delay);
    }
}

fn route(method: &str, path: &str, _headers: &HeaderMap, ecs: &mut Ecs) -> Reply {
    if method != "GET" {
        return Reply::text(StatusCode::METHOD_NOT_ALLOWED, "");
    }
    match path.strip_prefix(ecs.base_path.as_str()) {
        Some("" | "/") => Reply::json(ecs.task.container_document()),
        Some("/task" | "/task/") => Reply::json(ecs.task.task_document()),
        _ => Reply::text(StatusCode::NOT_FOUND, "404 page not found"),
    }
}

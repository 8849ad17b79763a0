//! Recognising CloudWatch OTLP endpoints from their URL, as ADOT's patterns do.

use agentcore_observability_config::AwsEndpoint;

fn parsed(url: &str) -> Option<(&'static str, String)> {
    AwsEndpoint::parse(url).map(|e| (e.service, e.region))
}

#[test]
fn recognises_the_three_services() {
    assert_eq!(
        parsed("https://xray.us-east-1.amazonaws.com/v1/traces"),
        Some(("xray", "us-east-1".to_string()))
    );
    assert_eq!(
        parsed("https://logs.eu-central-1.amazonaws.com/v1/logs"),
        Some(("logs", "eu-central-1".to_string()))
    );
    assert_eq!(
        parsed("https://monitoring.ap-northeast-1.amazonaws.com/v1/metrics"),
        Some(("monitoring", "ap-northeast-1".to_string()))
    );
}

#[test]
fn china_partition() {
    assert_eq!(
        parsed("https://xray.cn-north-1.amazonaws.com.cn/v1/traces"),
        Some(("xray", "cn-north-1".to_string()))
    );
    assert_eq!(
        parsed("https://logs.cn-northwest-1.amazonaws.com.cn/v1/logs"),
        Some(("logs", "cn-northwest-1".to_string()))
    );
}

#[test]
fn case_insensitive() {
    assert_eq!(
        parsed("HTTPS://XRAY.US-WEST-2.AMAZONAWS.COM/V1/TRACES"),
        Some(("xray", "us-west-2".to_string()))
    );
}

#[test]
fn rejects_wrong_paths_and_services() {
    for url in [
        "https://xray.us-east-1.amazonaws.com/v1/logs",
        "https://logs.us-east-1.amazonaws.com/v1/traces",
        "https://monitoring.us-east-1.amazonaws.com/v1/traces",
        "https://xray.us-east-1.amazonaws.com/v1/traces/",
        "https://xray.us-east-1.amazonaws.com/",
        "https://xray.us-east-1.amazonaws.com",
        "https://xray.us-east-1.amazonaws.com/v1/traces?x=1",
        "https://s3.us-east-1.amazonaws.com/v1/traces",
        "https://xray.us-east-1.example.com/v1/traces",
        "https://xray..amazonaws.com/v1/traces",
        "https://xray.us.east.1.amazonaws.com/v1/traces",
    ] {
        assert_eq!(parsed(url), None, "{url}");
    }
}

#[test]
fn rejects_plain_http() {
    assert_eq!(
        parsed("http://xray.us-east-1.amazonaws.com/v1/traces"),
        None
    );
    assert_eq!(parsed("http://logs.us-east-1.amazonaws.com/v1/logs"), None);
}

#[test]
fn rejects_vpc_and_fips_hosts() {
    for url in [
        "https://vpce-0123456789abcdef-abcdefgh.xray.us-east-1.vpce.amazonaws.com/v1/traces",
        "https://xray.us-east-1.vpce.amazonaws.com/v1/traces",
        "https://xray-fips.us-east-1.amazonaws.com/v1/traces",
        "https://logs-fips.us-gov-west-1.amazonaws.com/v1/logs",
        "https://logs.us-east-1.api.aws/v1/logs",
    ] {
        assert_eq!(parsed(url), None, "{url}");
    }
}

//! S3 (restXml): bucket, key, upload id, part number, copy source, extended request id.
//!
//! The Rust SDK serializes an object operation's path as `/{Key}` (`/` for bucket operations) and
//! adds the bucket at endpoint resolution, either to the host (virtual-hosted:
//! `bucket.s3.us-east-1.amazonaws.com`) or to the path (path-style: `/bucket/key`). So the key and
//! query parameters are read from the serialized request, the bucket from the final URI.

use super::{Recorder, Request, Response};
use crate::attributes as attr;
use crate::wire::{self, percent_decode};

/// The serialized request: `aws.s3.key`, `aws.s3.upload_id`, `aws.s3.part_number`,
/// `aws.s3.copy_source`.
pub(super) fn request(request: &Request<'_>, out: &mut Recorder<'_>) {
    if let Some(key) = key_of(request.path) {
        out.str(attr::S3_KEY, key);
    }
    out.opt_str(attr::S3_UPLOAD_ID, request.query_param("uploadId"));
    if let Some(part) = request
        .query_param("partNumber")
        .and_then(|p| p.parse::<i64>().ok())
    {
        out.i64(attr::S3_PART_NUMBER, part);
    }
    if let Some(source) = request.headers.get("x-amz-copy-source") {
        out.str(attr::S3_COPY_SOURCE, percent_decode(source));
    }
}

/// The final URI: `aws.s3.bucket`.
pub(super) fn transmitted(uri: &str, serialized_path: &str, out: &mut Recorder<'_>) {
    if let Some(bucket) = bucket_of(uri, serialized_path) {
        out.str(attr::S3_BUCKET, bucket);
    }
}

/// The last response: `aws.extended_request_id` (`x-amz-id-2`), on success and on errors.
pub(super) fn response(response: &Response<'_>, out: &mut Recorder<'_>) {
    if let Some(id) = response.headers.get("x-amz-id-2") {
        out.str(attr::AWS_EXTENDED_REQUEST_ID, id);
    }
}

/// The object key of a serialized path (`/{Key}`, greedy label: the key's `/` kept), decoded.
fn key_of(serialized_path: &str) -> Option<String> {
    let key = serialized_path.strip_prefix('/')?;
    (!key.is_empty()).then(|| percent_decode(key).into_owned())
}

/// The bucket of the request as sent.
fn bucket_of(uri: &str, serialized_path: &str) -> Option<String> {
    if let Some((host, _)) = wire::endpoint_of(uri) {
        if let Some(bucket) = virtual_host_bucket(host) {
            return Some(bucket.to_owned());
        }
    }
    let path = wire::path_of(uri);
    // Path-style: `[endpoint path]/bucket` + the serialized path.
    let prefix = match serialized_path {
        "" | "/" => path.trim_end_matches('/'),
        serialized => path.strip_suffix(serialized)?,
    };
    let bucket = prefix.rsplit('/').next().filter(|b| !b.is_empty())?;
    Some(percent_decode(bucket).into_owned())
}

/// The bucket of an AWS virtual-hosted-style host: the labels before `.s3.`, `.s3-{region}.`,
/// `.s3-fips.`, `.s3express-…` (access points, Object Lambda and Outposts hosts name no bucket).
fn virtual_host_bucket(host: &str) -> Option<&str> {
    let aws = [".amazonaws.com", ".amazonaws.com.cn", ".api.aws"]
        .iter()
        .any(|suffix| host.ends_with(suffix));
    if !aws {
        return None;
    }
    let mut from = 0;
    while let Some(i) = host[from..].find(".s3") {
        let at = from + i;
        let rest = &host[at + 1..];
        let service = rest.split('.').next().unwrap_or(rest);
        let names_bucket = service == "s3"
            || service.starts_with("s3express-")
            || (service.starts_with("s3-")
                && ![
                    "s3-accesspoint",
                    "s3-object-lambda",
                    "s3-outposts",
                    "s3-control",
                ]
                .iter()
                .any(|p| service.starts_with(p)));
        if names_bucket && at > 0 {
            return Some(&host[..at]);
        }
        from = at + 3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn virtual_hosted_buckets() {
        assert_eq!(
            virtual_host_bucket("my-bucket.s3.us-east-1.amazonaws.com"),
            Some("my-bucket")
        );
        assert_eq!(
            virtual_host_bucket("my.dotted.bucket.s3.amazonaws.com"),
            Some("my.dotted.bucket")
        );
        assert_eq!(
            virtual_host_bucket("logs.s3-us-west-2.amazonaws.com"),
            Some("logs")
        );
        assert_eq!(
            virtual_host_bucket("b.s3.dualstack.eu-west-1.amazonaws.com"),
            Some("b")
        );
        assert_eq!(
            virtual_host_bucket(
                "bucket--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com"
            ),
            Some("bucket--usw2-az1--x-s3")
        );
        assert_eq!(
            virtual_host_bucket("b.s3.cn-north-1.amazonaws.com.cn"),
            Some("b")
        );
        assert_eq!(virtual_host_bucket("s3.us-east-1.amazonaws.com"), None);
        assert_eq!(
            virtual_host_bucket("ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com"),
            None
        );
        assert_eq!(virtual_host_bucket("bucket.s3.localhost"), None);
        assert_eq!(virtual_host_bucket("127.0.0.1"), None);
    }

    #[test]
    fn buckets_from_final_uris() {
        // Path-style against a custom endpoint.
        assert_eq!(
            bucket_of(
                "http://127.0.0.1:4566/my-bucket/a/b.txt?x-id=GetObject",
                "/a/b.txt"
            )
            .as_deref(),
            Some("my-bucket")
        );
        // Path-style with an endpoint path prefix.
        assert_eq!(
            bucket_of("https://proxy.example/s3/my-bucket/k", "/k").as_deref(),
            Some("my-bucket")
        );
        // Bucket operations.
        assert_eq!(
            bucket_of("http://127.0.0.1:4566/my-bucket/?list-type=2", "/").as_deref(),
            Some("my-bucket")
        );
        assert_eq!(
            bucket_of("http://127.0.0.1:4566/my-bucket", "/").as_deref(),
            Some("my-bucket")
        );
        // Virtual-hosted.
        assert_eq!(
            bucket_of(
                "https://my-bucket.s3.us-east-1.amazonaws.com/k?x-id=GetObject",
                "/k"
            )
            .as_deref(),
            Some("my-bucket")
        );
        // ListBuckets / virtual-hosted on an unknown host: no bucket rather than a wrong one.
        assert_eq!(bucket_of("https://s3.us-east-1.amazonaws.com/", "/"), None);
        assert_eq!(bucket_of("http://my-bucket.localhost:4566/k", "/k"), None);
        assert_eq!(bucket_of("http://localhost:4566/", "/"), None);
    }

    #[test]
    fn object_operations_get_key_bucket_and_ids() {
        let serialized = http_request(
            "PUT",
            "/reports/2026/q1%20summary.pdf?partNumber=3&uploadId=VXBsb2FkIElE&x-id=UploadPart",
            &[],
            b"part bytes",
        );
        let sent = http_request(
            "PUT",
            "https://reports-bucket.s3.eu-west-3.amazonaws.com/reports/2026/q1%20summary.pdf?partNumber=3&uploadId=VXBsb2FkIElE&x-id=UploadPart",
            &[],
            b"",
        );
        let response = http_response(
            200,
            &[
                ("x-amz-request-id", "4442587FB7D0A2F9"),
                (
                    "x-amz-id-2",
                    "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=",
                ),
            ],
            b"",
        );
        let (start, end) = run(
            "S3",
            "UploadPart",
            &serialized,
            Some(&sent),
            Some(&response),
        );
        assert_eq!(
            get(&start, attr::S3_KEY),
            Some("reports/2026/q1 summary.pdf")
        );
        assert_eq!(get(&start, attr::S3_UPLOAD_ID), Some("VXBsb2FkIElE"));
        assert_eq!(get_i64(&start, attr::S3_PART_NUMBER), Some(3));
        assert_eq!(get(&end, attr::S3_BUCKET), Some("reports-bucket"));
        assert!(get(&end, attr::AWS_EXTENDED_REQUEST_ID).is_some_and(|v| v.starts_with("vlR7")));
        assert_unique(&start, &end);
    }

    #[test]
    fn copy_source_and_errors() {
        let serialized = http_request(
            "PUT",
            "/copy.txt?x-id=CopyObject",
            &[("x-amz-copy-source", "src-bucket/dir/original%20file.txt")],
            b"",
        );
        let sent = http_request(
            "PUT",
            "http://127.0.0.1:9000/dst-bucket/copy.txt?x-id=CopyObject",
            &[],
            b"",
        );
        let error = http_response(
            404,
            &[("x-amz-id-2", "hostid")],
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchBucket</Code></Error>",
        );
        let (start, end) = run("S3", "CopyObject", &serialized, Some(&sent), Some(&error));
        assert_eq!(
            get(&start, attr::S3_COPY_SOURCE),
            Some("src-bucket/dir/original file.txt")
        );
        assert_eq!(get(&start, attr::S3_KEY), Some("copy.txt"));
        assert_eq!(get(&end, attr::S3_BUCKET), Some("dst-bucket"));
        assert_eq!(get(&end, attr::AWS_EXTENDED_REQUEST_ID), Some("hostid"));
    }

    #[test]
    fn bucket_operations_have_no_key() {
        let serialized = http_request("GET", "/?list-type=2", &[], b"");
        let sent = http_request("GET", "http://127.0.0.1:9000/b/?list-type=2", &[], b"");
        let (start, end) = run("S3", "ListObjectsV2", &serialized, Some(&sent), None);
        assert_eq!(get(&start, attr::S3_KEY), None);
        assert_eq!(get(&end, attr::S3_BUCKET), Some("b"));
    }
}

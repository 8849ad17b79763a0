//! DynamoDB (awsJson1_0): the tables a call touches and, from table descriptions, the table ARN.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{is_arn, Recorder, Request, Response};
use crate::attributes as attr;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RequestBody {
    table_name: Option<String>,
    /// BatchGetItem / BatchWriteItem: table name → requests.
    request_items: Option<BTreeMap<String, IgnoredAny>>,
    /// TransactGetItems / TransactWriteItems.
    transact_items: Option<Vec<TransactItem>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TransactItem {
    get: Option<TableRef>,
    put: Option<TableRef>,
    update: Option<TableRef>,
    delete: Option<TableRef>,
    condition_check: Option<TableRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableRef {
    table_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ResponseBody {
    /// DescribeTable.
    table: Option<TableDescription>,
    /// CreateTable, UpdateTable, DeleteTable.
    table_description: Option<TableDescription>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableDescription {
    table_arn: Option<String>,
}

/// `aws.dynamodb.table_names` (and `aws.dynamodb.table.arn` when a table is named by its ARN).
/// Returns whether the response holds a table description.
pub(super) fn request(request: &Request<'_>, out: &mut Recorder<'_>) -> bool {
    if let Some(body) = request.json::<RequestBody>() {
        let mut tables: Vec<String> = Vec::new();
        let mut add = |name: Option<String>| {
            if let Some(name) = name.filter(|n| !n.is_empty()) {
                if !tables.contains(&name) {
                    tables.push(name);
                }
            }
        };
        add(body.table_name);
        for name in body.request_items.into_iter().flat_map(BTreeMap::into_keys) {
            add(Some(name));
        }
        for item in body.transact_items.into_iter().flatten() {
            let target = item
                .get
                .or(item.put)
                .or(item.update)
                .or(item.delete)
                .or(item.condition_check);
            add(target.and_then(|t| t.table_name));
        }
        if let [only] = tables.as_slice() {
            if is_arn(only) {
                out.str(attr::DYNAMODB_TABLE_ARN, only);
            }
        }
        out.strings(attr::DYNAMODB_TABLE_NAMES, tables);
    }
    matches!(
        request.operation,
        "DescribeTable" | "CreateTable" | "UpdateTable" | "DeleteTable"
    )
}

/// `aws.dynamodb.table.arn` from `Table.TableArn` / `TableDescription.TableArn`.
pub(super) fn response(response: &Response<'_>, out: &mut Recorder<'_>) {
    if let Some(body) = response.json::<ResponseBody>() {
        let arn = body
            .table
            .and_then(|t| t.table_arn)
            .or_else(|| body.table_description.and_then(|t| t.table_arn));
        out.opt_str(attr::DYNAMODB_TABLE_ARN, arn);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    fn call(
        op: &str,
        body: &str,
        answer: &str,
    ) -> (Vec<opentelemetry::KeyValue>, Vec<opentelemetry::KeyValue>) {
        json_call("DynamoDB", "DynamoDB_20120810", "1.0", op, body, answer)
    }

    #[test]
    fn single_table_operations() {
        let (start, end) = call(
            "GetItem",
            r#"{"TableName":"Orders","Key":{"pk":{"S":"o-1"}},"ConsistentRead":true}"#,
            r#"{"Item":{"pk":{"S":"o-1"}}}"#,
        );
        assert_eq!(
            get_strings(&start, attr::DYNAMODB_TABLE_NAMES),
            Some(vec!["Orders".to_owned()])
        );
        assert!(end.is_empty(), "GetItem's response is not parsed");
    }

    #[test]
    fn batch_and_transaction_tables() {
        let (start, _) = call(
            "BatchWriteItem",
            r#"{"RequestItems":{"Orders":[{"PutRequest":{"Item":{}}}],"Customers":[{"DeleteRequest":{"Key":{}}}]}}"#,
            "{}",
        );
        assert_eq!(
            get_strings(&start, attr::DYNAMODB_TABLE_NAMES),
            Some(vec!["Customers".to_owned(), "Orders".to_owned()])
        );
        let (start, _) = call(
            "TransactWriteItems",
            r#"{"TransactItems":[{"Put":{"TableName":"Orders","Item":{}}},{"Update":{"TableName":"Stock","Key":{},"UpdateExpression":"SET n = n - :one"}},{"ConditionCheck":{"TableName":"Customers","Key":{},"ConditionExpression":"attribute_exists(pk)"}},{"Delete":{"TableName":"Orders","Key":{}}}],"ClientRequestToken":"t"}"#,
            "{}",
        );
        assert_eq!(
            get_strings(&start, attr::DYNAMODB_TABLE_NAMES),
            Some(vec![
                "Orders".to_owned(),
                "Stock".to_owned(),
                "Customers".to_owned()
            ])
        );
        let (start, _) = call(
            "TransactGetItems",
            r#"{"TransactItems":[{"Get":{"TableName":"Orders","Key":{}}}]}"#,
            "{}",
        );
        assert_eq!(
            get_strings(&start, attr::DYNAMODB_TABLE_NAMES),
            Some(vec!["Orders".to_owned()])
        );
    }

    #[test]
    fn table_arns_from_descriptions() {
        let arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders";
        let (_, end) = call(
            "DescribeTable",
            r#"{"TableName":"Orders"}"#,
            &format!(
                r#"{{"Table":{{"TableName":"Orders","TableArn":"{arn}","TableStatus":"ACTIVE","ItemCount":3}}}}"#
            ),
        );
        assert_eq!(get(&end, attr::DYNAMODB_TABLE_ARN), Some(arn));
        let (_, end) = call(
            "CreateTable",
            r#"{"TableName":"Orders","KeySchema":[],"AttributeDefinitions":[]}"#,
            &format!(r#"{{"TableDescription":{{"TableArn":"{arn}"}}}}"#),
        );
        assert_eq!(get(&end, attr::DYNAMODB_TABLE_ARN), Some(arn));
    }

    #[test]
    fn a_table_named_by_arn_gives_the_arn_once() {
        let arn = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders";
        let (start, end) = call(
            "DescribeTable",
            &format!(r#"{{"TableName":"{arn}"}}"#),
            &format!(r#"{{"Table":{{"TableArn":"{arn}"}}}}"#),
        );
        assert_eq!(get(&start, attr::DYNAMODB_TABLE_ARN), Some(arn));
        assert_eq!(get(&end, attr::DYNAMODB_TABLE_ARN), None);
        assert_unique(&start, &end);
    }

    #[test]
    fn bad_bodies_give_nothing() {
        for body in ["", "null", "[]", "{\"TableName\":5}", "{not json"] {
            let (start, end) = call("DescribeTable", body, "<html>");
            assert!(start.is_empty() && end.is_empty(), "{body}");
        }
    }
}

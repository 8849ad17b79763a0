use agentcore_observability::instrument_tool;

struct Client;

#[instrument_tool(arguments, skip(clinet))]
fn search(client: &Client, query: &str) -> usize {
    let _ = client;
    query.len()
}

#[instrument_tool(arguments, skip(self))]
fn free_function(query: &str) -> usize {
    query.len()
}

fn main() {
    let _ = search(&Client, "rust");
    let _ = free_function("rust");
}

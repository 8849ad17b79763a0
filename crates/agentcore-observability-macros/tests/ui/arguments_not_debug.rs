use agentcore_observability::instrument_tool;

struct Client;

#[instrument_tool(arguments)]
fn search(client: &Client, query: &str) -> usize {
    let _ = client;
    query.len()
}

#[instrument_tool(result)]
fn connect() -> Result<Client, std::io::Error> {
    Ok(Client)
}

fn main() {
    let _ = search(&Client, "rust");
    let _ = connect();
}

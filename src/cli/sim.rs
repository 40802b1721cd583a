//! `vbo sim`: the embedded simulator as a long-running server.

use std::time::Duration;

use vbo365::sim::{SimConfig, SimError, Simulator};
use vbo365::{ApiVersion, VersionChoice};

use super::args::SimArgs;
use super::failure::Failure;
use super::output::Output;

/// Serves `args`; `versions` (the global `--api-version`) says which API versions: `auto`
/// every one, else that one alone.
pub async fn serve(args: &SimArgs, versions: VersionChoice, out: Output) -> Result<(), Failure> {
    let versions = match versions {
        VersionChoice::Auto => ApiVersion::ALL.to_vec(),
        VersionChoice::Only(version) => vec![version],
    };
    let prefixes: Vec<&str> = versions.iter().map(|v| v.prefix()).collect();
    let config = SimConfig {
        addr: args.addr,
        port: args.port,
        tls: !args.no_tls,
        seed: args.seed,
        extra_items: args.extra_items as usize,
        token_lifetime: Duration::from_secs(args.token_lifetime),
        pst_size: args.pst_size,
        ca_dir: args.ca_dir.clone(),
        read_timeout: Duration::from_secs(args.read_timeout),
        restore_delay: Duration::from_millis(args.restore_delay),
        versions: versions.clone(),
        ..SimConfig::default()
    };
    let sim = Simulator::start(config).await.map_err(|e| match e {
        SimError::Config(_) => Failure::usage(e.to_string()),
        _ => Failure::internal(e.to_string())
            .with_hint("is the port free? `--port 0` picks a free one"),
    })?;
    let ca = sim.ca_cert_path().map(|p| p.display().to_string());
    let trust = ca
        .as_deref()
        .map(|path| format!(" --ca-cert {path}"))
        .unwrap_or_default();
    let text = format!(
        "VBO simulator of API {versions} listening on {url}\n\
         {ca_line}\
         account: {user} (password: {password})\n\
         try: VBO_PASSWORD={password} vbo --server {url}{trust} --user {user} session list\n\
         Ctrl-C stops it.",
        url = sim.base_url(),
        versions = prefixes.join(", "),
        ca_line = ca
            .as_deref()
            .map(|p| format!("CA certificate: {p} (trust it with --ca-cert)\n"))
            .unwrap_or_default(),
        user = sim.username(),
        password = sim.password().expose(),
    );
    out.show_text(
        &serde_json::json!({
            "url": sim.base_url(),
            "api_versions": prefixes,
            "ca_cert": ca,
            "username": sim.username(),
            "password": sim.password().expose(),
        }),
        &text,
    )?;
    let _ = tokio::signal::ctrl_c().await;
    out.note("stopping the simulator");
    sim.shutdown()
        .await
        .map_err(|e| Failure::internal(e.to_string()))
}

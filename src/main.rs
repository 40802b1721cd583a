//! `vbo`: the command-line tool for VBO v4 mailbox-item actions.

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = cli::args::Cli::parse();
    cli::init_logging(cli.global.verbose, cli.global.quiet);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return cli::failure::Failure::internal(format!("cannot start the async runtime: {e}"))
                .report();
        }
    };
    match runtime.block_on(cli::run::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

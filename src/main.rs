//! The `pullpath` binary: parse the command line, run, exit with the documented code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = pullpath::cli::Cli::parse();
    match pullpath::run::run(cli) {
        Ok(code) => pullpath::exit::code(code),
        Err(error) => {
            eprintln!("pullpath: error: {error}");
            pullpath::exit::code(pullpath::exit::USAGE)
        }
    }
}

//! `cargo xtask regen [--check]`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use xtask::sync::{Plan, PlanError, plan};

/// Regenerates, or with `check` only compares, the generated files.
pub fn run(root: &Path, check: bool) -> anyhow::Result<ExitCode> {
    let plan = match plan(root) {
        Ok(plan) => plan,
        Err(PlanError::Spec(diagnostics)) => {
            eprintln!("{diagnostics}");
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error).context("cannot plan regeneration"),
    };
    if check {
        return Ok(report_check(&plan));
    }
    plan.apply(root)
        .context("cannot write the generated files")?;
    println!("{}", plan.summary_line());
    Ok(ExitCode::SUCCESS)
}

fn report_check(plan: &Plan) -> ExitCode {
    if plan.is_up_to_date() {
        println!("generated files are up to date ({})", plan.summary_line());
        return ExitCode::SUCCESS;
    }
    eprint!("{}", plan.diff());
    eprintln!(
        "error: generated files are out of date with spec/ ({} to write, {} to remove); run `cargo xtask regen`",
        plan.changed().count(),
        plan.stale().len()
    );
    ExitCode::FAILURE
}

//! The drift check: the committed generated files must be exactly what the
//! spec generates.

use std::path::Path;

#[test]
fn generated_files_match_the_spec() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let plan = match xtask::sync::plan(&root) {
        Ok(plan) => plan,
        Err(error) => panic!("the spec does not generate:\n{error}"),
    };
    assert!(
        plan.is_up_to_date(),
        "generated files are out of date with spec/; run `cargo xtask regen`\n\n{}",
        plan.diff()
    );
}

//! The API version features of `generated/Cargo.toml`.

use crate::ir::Spec;

/// The line after which the generated features start.
pub const FEATURES_BEGIN: &str =
    "# @generated begin: API version features, written by `cargo xtask regen`";
/// The line before which the generated features end.
pub const FEATURES_END: &str = "# @generated end";

/// The feature lines: `all-versions`, then one per version.
pub fn features(spec: &Spec) -> String {
    let names: Vec<String> = spec
        .versions
        .iter()
        .map(|version| version.feature())
        .collect();
    let quoted: Vec<String> = names.iter().map(|name| format!("\"{name}\"")).collect();
    let mut lines = format!(
        "# Every API version; each one alone is enough to build.\nall-versions = [{}]\n",
        quoted.join(", ")
    );
    for name in &names {
        lines.push_str(&format!("{name} = []\n"));
    }
    lines
}

/// `cargo_toml` with the text between the feature markers replaced by `features`.
pub fn splice_features(cargo_toml: &str, features: &str) -> Result<String, String> {
    let missing = || {
        format!(
            "generated/Cargo.toml must have the lines `{FEATURES_BEGIN}` and `{FEATURES_END}`, in that order, inside [features]"
        )
    };
    let begin = cargo_toml.find(FEATURES_BEGIN).ok_or_else(missing)?;
    let after_begin = begin + FEATURES_BEGIN.len();
    let end = cargo_toml[after_begin..]
        .find(FEATURES_END)
        .map(|offset| after_begin + offset)
        .ok_or_else(missing)?;
    Ok(format!(
        "{}\n{features}{}",
        &cargo_toml[..after_begin],
        &cargo_toml[end..]
    ))
}

//! Checks over a whole version once its types are resolved.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::ir::{FieldKind, TypeDef};

/// An object that contains itself, directly or through other objects and
/// unions, has no finite JSON; in Rust it would not even have a size.
pub(super) fn check_containment_cycles(
    types: &BTreeMap<String, TypeDef>,
    diagnostics: &mut Diagnostics,
) {
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let contains = |target: &&str| {
        matches!(
            types.get(*target),
            Some(TypeDef::Object(_) | TypeDef::Union(_))
        )
    };
    for (name, definition) in types {
        let targets = match definition {
            TypeDef::Object(object) => object
                .fields
                .iter()
                .filter_map(|field| match &field.kind {
                    FieldKind::Value(type_ref) => type_ref.named(),
                    FieldKind::Const(_) => None,
                })
                .filter(contains)
                .collect(),
            TypeDef::Union(union) => union
                .variants
                .iter()
                .filter_map(|variant| variant.payload.as_deref())
                .collect(),
            TypeDef::Enum(_) => continue,
        };
        edges.insert(name, targets);
    }
    let mut reported = BTreeSet::new();
    for start in edges.keys() {
        if let Some(cycle) = find_cycle(start, &edges)
            && reported.insert(cycle.iter().min().copied().unwrap_or_default().to_owned())
        {
            // Point at the field that starts the cycle, and name the
            // objects as the spec does.
            let next = cycle.get(1).copied().unwrap_or_default();
            let span = match types.get(*start) {
                Some(TypeDef::Object(object)) => object
                    .fields
                    .iter()
                    .find(|field| match &field.kind {
                        FieldKind::Value(type_ref) => type_ref.named() == Some(next),
                        _ => false,
                    })
                    .map_or_else(|| object.span.clone(), |field| field.span.clone()),
                _ => Span::default(),
            };
            let spec_names: Vec<&str> = cycle
                .iter()
                .map(|name| match types.get(*name) {
                    Some(TypeDef::Object(object)) => object.spec_name.as_str(),
                    _ => name,
                })
                .collect();
            diagnostics.push(
                Diagnostic::new(
                    span,
                    format!(
                        "objects contain each other in a cycle: {}",
                        spec_names.join(" → ")
                    ),
                )
                .hint("refer to one of them by id (`type: string`) instead of embedding it"),
            );
        }
    }
}

/// A path from `start` back to itself, if there is one.
fn find_cycle<'a>(start: &'a str, edges: &BTreeMap<&'a str, Vec<&'a str>>) -> Option<Vec<&'a str>> {
    fn walk<'a>(
        node: &'a str,
        start: &'a str,
        edges: &BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        seen: &mut BTreeSet<&'a str>,
    ) -> bool {
        for &next in edges.get(node).into_iter().flatten() {
            if next == start {
                path.push(next);
                return true;
            }
            if seen.insert(next) {
                path.push(next);
                if walk(next, start, edges, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start];
    let mut seen = BTreeSet::new();
    walk(start, start, edges, &mut path, &mut seen).then_some(path)
}

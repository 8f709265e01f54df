//! Parsing throughput of `Event::from_json`, against what serde_json does
//! with the same bytes.
//!
//! For each payload (the four seed payloads, one at a time, and a mixed
//! stream of the seeds and several spec examples), one group measures:
//!
//! - `from_json`: `Event::from_json` of the payload's version module;
//! - `versioned`: `VersionedEvent::from_json`, which also picks the module;
//! - `struct`: `serde_json::from_slice` straight into the concrete event
//!   struct, the floor for these types;
//! - `tagged_enum`: a serde internally tagged enum (`#[serde(tag = "type")]`)
//!   over the same structs, the obvious way to write `Event` by hand;
//! - `value`: `serde_json::Value`;
//! - `ignored_any`: `serde::de::IgnoredAny`, which only checks the syntax.
//!
//! Every parse includes dropping what it built. Run with
//! `cargo bench -p gigs-events --bench parse`. After a run, the bench reads
//! criterion's estimates back (`target/criterion/parse_<payload>/<method>/
//! new/estimates.json`, the median of each) and prints Markdown tables: the
//! throughput of every method, and the ratios the crate aims for from the
//! medians and from the fastest tenth of the samples. Then it measures the
//! ratios once more with every method timed in short alternating batches
//! (see [`paired_ratios`]), which load on a shared machine moves least, and
//! prints those too.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use serde::de::{DeserializeOwned, IgnoredAny};

/// A parse of a body with one method; `false` when it failed.
type Parser = fn(&[u8]) -> bool;

/// The seed payloads, each benchmarked on its own and in the mixed stream.
const SEEDS: &[(&str, &[u8])] = &[
    (
        "plan.updated",
        include_bytes!("../../tests/fixtures/seeds/plan.updated.json"),
    ),
    (
        "addon.updated",
        include_bytes!("../../tests/fixtures/seeds/addon.updated.json"),
    ),
    (
        "eSimProfile.updated",
        include_bytes!("../../tests/fixtures/seeds/eSimProfile.updated.json"),
    ),
    (
        "subscriptionChange.deleted",
        include_bytes!("../../tests/fixtures/seeds/subscriptionChange.deleted.json"),
    ),
];

/// Spec examples (`spec/2024-08-29/events/<name>.yaml`) added to the mixed
/// stream, chosen for shapes the seeds do not have: lists of objects,
/// nested optional objects, dates and maps.
const SPEC_EXAMPLES: &[&str] = &[
    "sim.updated",
    "device.updated",
    "usageNotification.created",
    "user.address.created",
];

/// The method names, in the order of [`Methods::all`].
const METHODS: [&str; 6] = [
    "from_json",
    "versioned",
    "struct",
    "tagged_enum",
    "value",
    "ignored_any",
];

/// The parsers of one payload, one per method.
#[derive(Debug, Clone, Copy)]
struct Methods {
    from_json: Parser,
    versioned: Parser,
    concrete: Parser,
    tagged_enum: Parser,
    value: Parser,
    ignored_any: Parser,
}

impl Methods {
    fn all(&self) -> [Parser; 6] {
        [
            self.from_json,
            self.versioned,
            self.concrete,
            self.tagged_enum,
            self.value,
            self.ignored_any,
        ]
    }
}

/// One benchmarked body.
#[derive(Debug)]
struct Payload {
    name: String,
    body: Vec<u8>,
    methods: Methods,
}

fn parse_into<T: DeserializeOwned>(body: &[u8]) -> bool {
    match serde_json::from_slice::<T>(body) {
        Ok(parsed) => {
            black_box(&parsed);
            true
        }
        Err(_) => false,
    }
}

fn versioned(body: &[u8]) -> bool {
    match gigs_events::VersionedEvent::from_json(body) {
        Ok(event) => {
            black_box(&event);
            true
        }
        Err(_) => false,
    }
}

/// For one version module: `Event::from_json`, the internally tagged enum
/// over its event structs, and the concrete struct of each event type.
macro_rules! version_parsers {
    ($name:ident, $module:ident) => {
        mod $name {
            #![allow(deprecated)]

            use gigs_events::$module as api;
            use serde::Deserialize;

            use super::{Parser, parse_into};

            /// The internally tagged enum serde derives for these events:
            /// it buffers the whole body before it knows the variant.
            #[derive(Debug, Deserialize)]
            #[serde(tag = "type")]
            #[allow(dead_code)]
            enum Naive {
                #[serde(rename = "com.gigs.addon.archived")]
                AddonArchived(Box<api::AddonArchived>),
                #[serde(rename = "com.gigs.addon.updated")]
                AddonUpdated(Box<api::AddonUpdated>),
                #[serde(rename = "com.gigs.device.deleted")]
                DeviceDeleted(Box<api::DeviceDeleted>),
                #[serde(rename = "com.gigs.device.updated")]
                DeviceUpdated(Box<api::DeviceUpdated>),
                #[serde(rename = "com.gigs.eSimProfile.disabled")]
                ESimProfileDisabled(Box<api::ESimProfileDisabled>),
                #[serde(rename = "com.gigs.eSimProfile.enabled")]
                ESimProfileEnabled(Box<api::ESimProfileEnabled>),
                #[serde(rename = "com.gigs.eSimProfile.updated")]
                ESimProfileUpdated(Box<api::ESimProfileUpdated>),
                #[serde(rename = "com.gigs.plan.published")]
                PlanPublished(Box<api::PlanPublished>),
                #[serde(rename = "com.gigs.plan.updated")]
                PlanUpdated(Box<api::PlanUpdated>),
                #[serde(rename = "com.gigs.sim.deleted")]
                SimDeleted(Box<api::SimDeleted>),
                #[serde(rename = "com.gigs.sim.retired")]
                SimRetired(Box<api::SimRetired>),
                #[serde(rename = "com.gigs.sim.updated")]
                SimUpdated(Box<api::SimUpdated>),
                #[serde(rename = "com.gigs.subscriptionChange.created")]
                SubscriptionChangeCreated(Box<api::SubscriptionChangeCreated>),
                #[serde(rename = "com.gigs.subscriptionChange.deleted")]
                SubscriptionChangeDeleted(Box<api::SubscriptionChangeDeleted>),
                #[serde(rename = "com.gigs.usageNotification.created")]
                UsageNotificationCreated(Box<api::UsageNotificationCreated>),
                #[serde(rename = "com.gigs.usageThreshold.exceeded")]
                UsageThresholdExceeded(Box<api::UsageThresholdExceeded>),
                #[serde(rename = "com.gigs.user.address.created")]
                UserAddressCreated(Box<api::UserAddressCreated>),
                #[serde(rename = "com.gigs.user.deleted")]
                UserDeleted(Box<api::UserDeleted>),
            }

            pub fn from_json(body: &[u8]) -> bool {
                match api::Event::from_json(body) {
                    Ok(event) => {
                        std::hint::black_box(&event);
                        // A payload that fell through to `Unknown` would
                        // measure the wrong thing.
                        !matches!(event, api::Event::Unknown(_))
                    }
                    Err(_) => false,
                }
            }

            pub fn tagged_enum(body: &[u8]) -> bool {
                parse_into::<Naive>(body)
            }

            /// The parser into the concrete struct of `event_type`.
            pub fn concrete(event_type: &str) -> Option<Parser> {
                let parser: Parser = match event_type {
                    api::AddonArchived::TYPE => parse_into::<api::AddonArchived>,
                    api::AddonUpdated::TYPE => parse_into::<api::AddonUpdated>,
                    api::DeviceDeleted::TYPE => parse_into::<api::DeviceDeleted>,
                    api::DeviceUpdated::TYPE => parse_into::<api::DeviceUpdated>,
                    api::ESimProfileDisabled::TYPE => parse_into::<api::ESimProfileDisabled>,
                    api::ESimProfileEnabled::TYPE => parse_into::<api::ESimProfileEnabled>,
                    api::ESimProfileUpdated::TYPE => parse_into::<api::ESimProfileUpdated>,
                    api::PlanPublished::TYPE => parse_into::<api::PlanPublished>,
                    api::PlanUpdated::TYPE => parse_into::<api::PlanUpdated>,
                    api::SimDeleted::TYPE => parse_into::<api::SimDeleted>,
                    api::SimRetired::TYPE => parse_into::<api::SimRetired>,
                    api::SimUpdated::TYPE => parse_into::<api::SimUpdated>,
                    api::SubscriptionChangeCreated::TYPE => {
                        parse_into::<api::SubscriptionChangeCreated>
                    }
                    api::SubscriptionChangeDeleted::TYPE => {
                        parse_into::<api::SubscriptionChangeDeleted>
                    }
                    api::UsageNotificationCreated::TYPE => {
                        parse_into::<api::UsageNotificationCreated>
                    }
                    api::UsageThresholdExceeded::TYPE => parse_into::<api::UsageThresholdExceeded>,
                    api::UserAddressCreated::TYPE => parse_into::<api::UserAddressCreated>,
                    api::UserDeleted::TYPE => parse_into::<api::UserDeleted>,
                    _ => return None,
                };
                Some(parser)
            }
        }
    };
}

version_parsers!(v2024_08_29, v2024_08_29);
version_parsers!(v2024_10_28, v2024_10_28);
version_parsers!(v2024_12_20, v2024_12_20);

/// The parsers for a body of API version `version` and type `event_type`.
fn methods(version: &str, event_type: &str) -> Option<Methods> {
    let (from_json, tagged_enum, concrete): (Parser, Parser, Option<Parser>) = match version {
        "2024-08-29" => (
            v2024_08_29::from_json,
            v2024_08_29::tagged_enum,
            v2024_08_29::concrete(event_type),
        ),
        "2024-10-28" => (
            v2024_10_28::from_json,
            v2024_10_28::tagged_enum,
            v2024_10_28::concrete(event_type),
        ),
        "2024-12-20" => (
            v2024_12_20::from_json,
            v2024_12_20::tagged_enum,
            v2024_12_20::concrete(event_type),
        ),
        _ => return None,
    };
    Some(Methods {
        from_json,
        versioned,
        concrete: concrete?,
        tagged_enum,
        value: parse_into::<serde_json::Value>,
        ignored_any: parse_into::<IgnoredAny>,
    })
}

/// Reads the `type` and `version` of `body` and checks that every method
/// parses it.
fn payload(name: &str, body: Vec<u8>) -> Result<Payload, String> {
    let envelope: serde_json::Value =
        serde_json::from_slice(&body).map_err(|error| format!("{name}: {error}"))?;
    let field = |key: &str| {
        envelope
            .get(key)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| format!("{name}: no string `{key}`"))
    };
    let (event_type, version) = (field("type")?, field("version")?);
    let methods = methods(version, event_type)
        .ok_or_else(|| format!("{name}: no parsers for {event_type} in version {version}"))?;
    for (method, parse) in METHODS.iter().zip(methods.all()) {
        if !parse(&body) {
            return Err(format!("{name}: `{method}` does not parse it"));
        }
    }
    Ok(Payload {
        name: name.to_owned(),
        body,
        methods,
    })
}

/// The `example: |` block of an event file of the spec, unindented.
fn spec_example(path: &Path) -> Result<Vec<u8>, String> {
    let yaml = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let mut lines = yaml.lines();
    lines
        .by_ref()
        .find(|line| line.starts_with("example: |"))
        .ok_or_else(|| format!("{}: no `example: |` block", path.display()))?;
    let block: Vec<&str> = lines
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .collect();
    let indent = block
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut json = String::new();
    for line in block {
        json.push_str(line.get(indent..).unwrap_or(""));
        json.push('\n');
    }
    Ok(json.into_bytes())
}

fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("spec")
        .join("2024-08-29")
        .join("events")
}

fn payloads() -> Result<(Vec<Payload>, Vec<Payload>), String> {
    let seeds = SEEDS
        .iter()
        .map(|(name, body)| payload(name, body.to_vec()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut mixed = SEEDS
        .iter()
        .map(|(name, body)| payload(name, body.to_vec()))
        .collect::<Result<Vec<_>, _>>()?;
    for name in SPEC_EXAMPLES {
        let body = spec_example(&spec_dir().join(format!("{name}.yaml")))?;
        mixed.push(payload(name, body)?);
    }
    Ok((seeds, mixed))
}

fn bench(criterion: &mut Criterion, seeds: &[Payload], mixed: &[Payload]) {
    for payload in seeds {
        let mut group = criterion.benchmark_group(format!("parse/{}", payload.name));
        group.throughput(Throughput::Bytes(payload.body.len() as u64));
        for (method, parse) in METHODS.iter().zip(payload.methods.all()) {
            group.bench_function(*method, |bencher| {
                bencher.iter(|| parse(black_box(&payload.body)));
            });
        }
        group.finish();
    }

    let bytes: usize = mixed.iter().map(|payload| payload.body.len()).sum();
    let mut group = criterion.benchmark_group("parse/mixed");
    group.throughput(Throughput::Bytes(bytes as u64));
    for (index, method) in METHODS.iter().enumerate() {
        let stream: Vec<(Parser, &[u8])> = mixed
            .iter()
            .map(|payload| (payload.methods.all()[index], payload.body.as_slice()))
            .collect();
        group.bench_function(*method, |bencher| {
            bencher.iter(|| {
                let mut parsed = 0_usize;
                for (parse, body) in &stream {
                    parsed += usize::from(parse(black_box(body)));
                }
                parsed
            });
        });
    }
    group.finish();
}

fn main() -> ExitCode {
    let (seeds, mixed) = match payloads() {
        Ok(payloads) => payloads,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Ok(request) = std::env::var("PARSE_LOOP") {
        return parse_loop(&mixed, &request);
    }
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .configure_from_args();
    bench(&mut criterion, &seeds, &mixed);
    criterion.final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` runs each
    // benchmark once, without it, and measures nothing worth a table.
    if std::env::args().any(|arg| arg == "--bench") {
        let mut payloads: Vec<(&str, Vec<&Payload>)> = seeds
            .iter()
            .map(|payload| (payload.name.as_str(), vec![payload]))
            .collect();
        payloads.push(("mixed", mixed.iter().collect()));
        report(&payloads);
    }
    ExitCode::SUCCESS
}

/// With `PARSE_LOOP="<payload> <method> <count>"` the bench measures
/// nothing: it parses one payload (a seed's name, the name of one of the
/// [`SPEC_EXAMPLES`], or `mixed`) `count` times with one method and exits, for instruction counts under
/// `valgrind --tool=callgrind`, which are repeatable where times are not.
/// The difference between two counts, divided by the difference in `count`,
/// is the cost of one parse without the start-up.
fn parse_loop(mixed: &[Payload], request: &str) -> ExitCode {
    let words: Vec<&str> = request.split_whitespace().collect();
    let [payload, method, count] = words.as_slice() else {
        eprintln!("error: PARSE_LOOP is `<payload> <method> <count>`, not `{request}`");
        return ExitCode::FAILURE;
    };
    let Some(index) = METHODS.iter().position(|name| name == method) else {
        eprintln!("error: no method `{method}`; the methods are {METHODS:?}");
        return ExitCode::FAILURE;
    };
    let Ok(count) = count.parse::<usize>() else {
        eprintln!("error: `{count}` is not a count");
        return ExitCode::FAILURE;
    };
    let stream: Vec<&Payload> = if *payload == "mixed" {
        mixed.iter().collect()
    } else {
        // The mixed stream holds every seed and every spec example once.
        mixed.iter().filter(|body| body.name == *payload).collect()
    };
    if stream.is_empty() {
        eprintln!("error: no payload `{payload}`");
        return ExitCode::FAILURE;
    }
    let mut parsed = 0_usize;
    for _ in 0..count {
        for payload in &stream {
            parsed += usize::from((payload.methods.all()[index])(black_box(&payload.body)));
        }
    }
    println!("{parsed} parses");
    ExitCode::SUCCESS
}

/// Where criterion keeps its results, found the way criterion finds it.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        })
        .join("criterion")
}

/// A file of the latest run of one benchmark.
fn criterion_file(payload: &str, method: &str, file: &str) -> Option<serde_json::Value> {
    let path = criterion_dir()
        .join(format!("parse_{payload}"))
        .join(method)
        .join("new")
        .join(file);
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// The median time of one parse, in nanoseconds, from the latest run.
fn median_ns(payload: &str, method: &str) -> Option<f64> {
    criterion_file(payload, method, "estimates.json")?
        .get("median")?
        .get("point_estimate")?
        .as_f64()
}

/// The 10th percentile of the time of one parse over the samples of the
/// latest run, in nanoseconds: other work on the machine only ever adds
/// time, so this is the least disturbed estimate.
fn fastest_decile_ns(payload: &str, method: &str) -> Option<f64> {
    let sample = criterion_file(payload, method, "sample.json")?;
    let numbers = |key: &str| -> Option<Vec<f64>> {
        sample
            .get(key)?
            .as_array()?
            .iter()
            .map(serde_json::Value::as_f64)
            .collect()
    };
    let mut per_iteration: Vec<f64> = numbers("times")?
        .iter()
        .zip(numbers("iters")?)
        .map(|(time, iterations)| time / iterations)
        .collect();
    per_iteration.sort_by(f64::total_cmp);
    per_iteration.get(per_iteration.len() / 10).copied()
}

/// The time of every method on `payload`, in the order of [`METHODS`].
fn times(payload: &str, estimate: fn(&str, &str) -> Option<f64>) -> Option<Vec<f64>> {
    METHODS
        .iter()
        .map(|method| estimate(payload, method))
        .collect()
}

/// The ratios of one payload's row, from the time of every method (in the
/// order of [`METHODS`]): value / from_json (throughput of from_json over
/// value's), from_json / struct, tagged_enum / from_json and
/// from_json / ignored_any.
fn ratios(times: &[f64]) -> [f64; 4] {
    let time = |method: &str| {
        METHODS
            .iter()
            .zip(times)
            .find(|(name, _)| **name == method)
            .map_or(f64::NAN, |(_, time)| *time)
    };
    let from_json = time("from_json");
    [
        time("value") / from_json,
        from_json / time("struct"),
        time("tagged_enum") / from_json,
        from_json / time("ignored_any"),
    ]
}

/// The ratio cells of one payload's row.
fn ratio_cells(ratios: [f64; 4]) -> String {
    let [value, concrete, tagged_enum, ignored_any] = ratios;
    format!(" {value:.2}x | {concrete:.2}x | {tagged_enum:.2}x | {ignored_any:.2}x |")
}

/// Rounds of the paired measurement.
const PAIRED_ROUNDS: usize = 200;

/// About how long one batch of `from_json` takes in the paired measurement.
const PAIRED_BATCH: Duration = Duration::from_micros(500);

/// The ratios of `bodies` (one payload: a seed, or the mixed stream), each
/// the median over [`PAIRED_ROUNDS`] rounds of that round's ratio. A round
/// times one short batch of every method, in an order that rotates from
/// round to round, so that other work on the machine falls on all methods
/// of a round alike; criterion measures each method for seconds on its own,
/// and load that comes and goes in between moves its ratios.
fn paired_ratios(bodies: &[&Payload]) -> [f64; 4] {
    let pass = |method: usize| {
        let mut parsed = 0_usize;
        for payload in bodies {
            parsed += usize::from((payload.methods.all()[method])(black_box(&payload.body)));
        }
        parsed
    };
    let start = Instant::now();
    let mut passes = 0_u32;
    while start.elapsed() < PAIRED_BATCH {
        black_box(pass(0));
        passes += 1;
    }
    let mut rounds: Vec<[f64; 4]> = Vec::with_capacity(PAIRED_ROUNDS);
    for round in 0..PAIRED_ROUNDS {
        let mut times = [0.0; METHODS.len()];
        for step in 0..METHODS.len() {
            let method = (round + step) % METHODS.len();
            let start = Instant::now();
            for _ in 0..passes {
                black_box(pass(method));
            }
            times[method] = start.elapsed().as_secs_f64() / f64::from(passes);
        }
        rounds.push(ratios(&times));
    }
    std::array::from_fn(|column| {
        let mut values: Vec<f64> = rounds.iter().map(|round| round[column]).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    })
}

/// Prints the throughput of every method and the ratios, as Markdown: from
/// criterion's estimates of `payloads` (a name and its bodies each), and
/// from a paired measurement of each, taken now.
fn report(payloads: &[(&str, Vec<&Payload>)]) {
    let ratio_header = "| payload | from_json vs value (throughput, target >= 2) \
         | from_json / struct (time, target <= 1.1) \
         | tagged_enum / from_json (time, target > 1) \
         | from_json / ignored_any (time) |\n|---|---|---|---|---|\n";
    let mut median_ratios = String::from(ratio_header);
    let mut fastest_ratios = String::from(ratio_header);
    let mut paired = String::from(ratio_header);
    let mut throughput = String::from("| payload | bytes |");
    for method in METHODS {
        throughput.push_str(&format!(" {method} |"));
    }
    throughput.push_str("\n|---|---|");
    throughput.push_str(&"---|".repeat(METHODS.len()));
    throughput.push('\n');
    for (payload, bodies) in payloads {
        paired.push_str(&format!(
            "| {payload} |{}\n",
            ratio_cells(paired_ratios(bodies))
        ));
        let Some(medians) = times(payload, median_ns) else {
            eprintln!("no estimates for {payload}; skipped in criterion's tables");
            continue;
        };
        let bytes: usize = bodies.iter().map(|body| body.body.len()).sum();
        throughput.push_str(&format!("| {payload} | {bytes} |"));
        for time in &medians {
            // bytes per nanosecond to MiB/s.
            let mib_per_s = bytes as f64 / time * 1e9 / (1024.0 * 1024.0);
            throughput.push_str(&format!(" {mib_per_s:.0} MiB/s ({:.2} µs) |", time / 1e3));
        }
        throughput.push('\n');
        median_ratios.push_str(&format!("| {payload} |{}\n", ratio_cells(ratios(&medians))));
        if let Some(fastest) = times(payload, fastest_decile_ns) {
            fastest_ratios.push_str(&format!("| {payload} |{}\n", ratio_cells(ratios(&fastest))));
        }
    }
    println!("\nThroughput (median of each benchmark):\n\n{throughput}");
    println!("Ratios of the medians:\n\n{median_ratios}");
    println!(
        "Ratios of the fastest decile of samples (less sensitive to other load):\n\n\
         {fastest_ratios}"
    );
    println!(
        "Paired ratios: the median over {PAIRED_ROUNDS} rounds of each round's ratio, \
         every method timed in each round (least sensitive to other load):\n\n{paired}"
    );
}

//! The tables `measure-build` prints: build time, CPU time, peak memory and
//! lines per configuration, the ratios of the newest version to the
//! plain-derive baseline and of all versions to one, and the summary line.

use std::fmt::Write as _;
use std::time::Duration;

use super::build::{Profile, Usage};
use super::lines::Lines;

/// The most all versions together may cost in CPU time, as a multiple of
/// one version.
pub const TARGET_RATIO: f64 = 1.3;

/// The most one version may cost in CPU time, as a multiple of the
/// plain-derive baseline.
pub const BASELINE_TARGET_RATIO: f64 = 1.0;

/// One timed build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Elapsed time.
    pub time: Duration,
    /// Peak memory and CPU time, when they could be measured.
    pub usage: Option<Usage>,
}

/// The builds of one feature set in one profile.
#[derive(Debug, Clone)]
pub struct Configuration {
    /// What the table calls it: `v2025-05-22 (newest alone)`.
    pub label: String,
    /// The generated lines this feature set compiles.
    pub lines: usize,
    /// The lines of LLVM IR of the crate's functions, when counted.
    pub llvm_lines: Option<usize>,
    pub samples: Vec<Sample>,
}

impl Configuration {
    /// The fastest build: the one least disturbed by other work.
    pub fn best_time(&self) -> Option<Duration> {
        self.samples.iter().map(|sample| sample.time).min()
    }

    /// The usage of every build, if every build measured it.
    fn usages(&self) -> Option<Vec<Usage>> {
        self.samples.iter().map(|sample| sample.usage).collect()
    }

    /// The least CPU time of all builds, if every build measured it.
    pub fn best_cpu(&self) -> Option<Duration> {
        self.usages()?.iter().map(|usage| usage.cpu).min()
    }

    /// The largest peak of all builds, if every build measured one.
    pub fn peak_kib(&self) -> Option<u64> {
        self.usages()?.iter().map(|usage| usage.peak_kib).max()
    }
}

/// The measurements of one profile: one version alone, all of them, and the
/// plain-derive baseline of the newest.
#[derive(Debug, Clone)]
pub struct ProfileResult {
    pub profile: Profile,
    pub single: Configuration,
    pub all: Configuration,
    pub baseline: Configuration,
    /// `/proc/loadavg` before and after the profile's builds.
    pub load_before: Option<[f64; 3]>,
    pub load_after: Option<[f64; 3]>,
}

/// The ratios of one configuration to another, in one profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratios {
    pub time: Option<f64>,
    pub cpu: Option<f64>,
    pub peak_memory: Option<f64>,
    pub lines: Option<f64>,
    pub llvm_lines: Option<f64>,
}

impl Ratios {
    /// `numerator`'s measurements divided by `denominator`'s.
    pub fn of(numerator: &Configuration, denominator: &Configuration) -> Self {
        let seconds = |time: Option<Duration>| time.map(|time| time.as_secs_f64());
        Self {
            time: ratio(
                seconds(numerator.best_time()),
                seconds(denominator.best_time()),
            ),
            cpu: ratio(
                seconds(numerator.best_cpu()),
                seconds(denominator.best_cpu()),
            ),
            peak_memory: ratio(
                numerator.peak_kib().map(|kib| kib as f64),
                denominator.peak_kib().map(|kib| kib as f64),
            ),
            lines: ratio(Some(numerator.lines as f64), Some(denominator.lines as f64)),
            llvm_lines: ratio(
                numerator.llvm_lines.map(|lines| lines as f64),
                denominator.llvm_lines.map(|lines| lines as f64),
            ),
        }
    }
}

impl ProfileResult {
    /// All versions to one.
    pub fn ratios(&self) -> Ratios {
        Ratios::of(&self.all, &self.single)
    }

    /// One version to the plain-derive baseline.
    pub fn baseline_ratios(&self) -> Ratios {
        Ratios::of(&self.single, &self.baseline)
    }
}

/// `numerator / denominator`, when both are known and the denominator is
/// not zero.
pub fn ratio(numerator: Option<f64>, denominator: Option<f64>) -> Option<f64> {
    match (numerator, denominator) {
        (Some(numerator), Some(denominator)) if denominator > 0.0 => Some(numerator / denominator),
        _ => None,
    }
}

/// The table of every build: best time, every run, CPU time, peak memory
/// and lines.
pub fn builds_table(results: &[ProfileResult], usage_note: Option<&str>) -> String {
    let mut table = String::from(
        "| profile | crate | build time (best) | every run | CPU time (best) | peak memory | lines of Rust compiled | LLVM lines |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for result in results {
        for configuration in [&result.baseline, &result.single, &result.all] {
            let every: Vec<String> = configuration
                .samples
                .iter()
                .map(|sample| seconds(sample.time))
                .collect();
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                result.profile.name(),
                configuration.label,
                configuration
                    .best_time()
                    .map_or_else(|| "not measured".to_owned(), seconds),
                every.join(", "),
                configuration
                    .best_cpu()
                    .map_or_else(|| "not measured".to_owned(), seconds),
                configuration
                    .peak_kib()
                    .map_or_else(|| "not measured".to_owned(), mebibytes),
                thousands(configuration.lines),
                configuration
                    .llvm_lines
                    .map_or_else(|| "not counted".to_owned(), thousands),
            );
        }
    }
    if let Some(note) = usage_note {
        let _ = write!(table, "\nCPU time and peak memory not measured: {note}.\n");
    }
    table
}

/// The table of ratios per profile: the newest version alone to the
/// baseline, and all versions to one, each with its target on CPU time.
pub fn ratios_table(results: &[ProfileResult]) -> String {
    let mut table = String::from(
        "| profile | ratio | build time | CPU time | peak memory | LLVM lines | target (CPU time) |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for result in results {
        let rows = [
            (
                "one alone / baseline",
                result.baseline_ratios(),
                BASELINE_TARGET_RATIO,
            ),
            ("all / one alone", result.ratios(), TARGET_RATIO),
        ];
        for (name, ratios, target) in rows {
            let verdict = match ratios.cpu {
                Some(cpu) if cpu <= target => "met",
                Some(_) => "**missed**",
                None => "not measured",
            };
            let _ = writeln!(
                table,
                "| {} | {name} | {} | {} | {} | {} | ≤ {target:.1}x: {verdict} |",
                result.profile.name(),
                times(ratios.time),
                times(ratios.cpu),
                times(ratios.peak_memory),
                times(ratios.llvm_lines),
            );
        }
    }
    table
}

/// The one line summing up the run: CPU time ratios of the newest version
/// alone to the baseline and of all versions to it, dev and release.
pub fn summary_line(results: &[ProfileResult]) -> String {
    let cpu = |profile: Profile, ratios: fn(&ProfileResult) -> Ratios| {
        let ratio = results
            .iter()
            .find(|result| result.profile == profile)
            .and_then(|result| ratios(result).cpu);
        ratio.map_or_else(|| "not measured".to_owned(), |ratio| format!("{ratio:.2}x"))
    };
    format!(
        "compile: newest alone is {} the plain-derive baseline (dev CPU), {} (release CPU); \
         all versions {} the newest alone (dev CPU), {} (release CPU)",
        cpu(Profile::Dev, ProfileResult::baseline_ratios),
        cpu(Profile::Release, ProfileResult::baseline_ratios),
        cpu(Profile::Dev, ProfileResult::ratios),
        cpu(Profile::Release, ProfileResult::ratios),
    )
}

/// The load averages seen around each profile's builds.
pub fn load_lines(results: &[ProfileResult]) -> String {
    let mut text = String::new();
    for result in results {
        let _ = writeln!(
            text,
            "Load average (1, 5, 15 min) around the {} builds: before {}, after {}.",
            result.profile.name(),
            load(result.load_before),
            load(result.load_after),
        );
    }
    text
}

/// The generated code in total and per version.
pub fn lines_table(lines: &Lines, api_dir: &str) -> String {
    let mut table = format!(
        "Generated code ({api_dir}): {} files, {} lines, {} type revisions ({} types).\n\n\
         | version | module file lines | type revisions used | lines compiled for it alone |\n\
         |---|---|---|---|\n",
        lines.files,
        thousands(lines.total),
        lines.type_revisions(),
        lines.types(),
    );
    for (version, own, used, compiled) in lines.per_version() {
        let _ = writeln!(
            table,
            "| {version} | {own} | {used} | {} |",
            thousands(compiled)
        );
    }
    // Each revision is a type of its own, with its own derived impls to
    // compile, whatever the generator adds around it: all versions cannot
    // cost much less, against the newest alone, than their share of them.
    if let Some((newest, _, used, _)) = lines.per_version().last() {
        let all = lines.type_revisions();
        let _ = writeln!(
            table,
            "\nAll versions together compile {all} type revisions, {} the {used} of {newest} alone.",
            times(ratio(Some(all as f64), Some(used as f64)))
        );
    }
    table
}

fn seconds(time: Duration) -> String {
    format!("{:.1} s", time.as_secs_f64())
}

fn mebibytes(kib: u64) -> String {
    format!(
        "{} MiB",
        thousands(usize::try_from(kib / 1024).unwrap_or(usize::MAX))
    )
}

fn times(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "not measured".to_owned(), |ratio| format!("{ratio:.2}x"))
}

fn load(load: Option<[f64; 3]>) -> String {
    load.map_or_else(
        || "not available".to_owned(),
        |[one, five, fifteen]| format!("{one:.2}, {five:.2}, {fifteen:.2}"),
    )
}

/// `29836` as `29,836`.
pub fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds taking `(elapsed ms, Some((CPU ms, peak KiB)))`.
    fn configuration(
        label: &str,
        lines: usize,
        runs: &[(u64, Option<(u64, u64)>)],
    ) -> Configuration {
        Configuration {
            label: label.to_owned(),
            lines,
            llvm_lines: Some(lines * 40),
            samples: runs
                .iter()
                .map(|&(millis, usage)| Sample {
                    time: Duration::from_millis(millis),
                    usage: usage.map(|(cpu, peak_kib)| Usage {
                        peak_kib,
                        cpu: Duration::from_millis(cpu),
                    }),
                })
                .collect(),
        }
    }

    fn result(profile: Profile, single: Configuration, all: Configuration) -> ProfileResult {
        let baseline = configuration("baseline", 50, &[(1_000, Some((4_000, 300 * 1024)))]);
        with_baseline(profile, baseline, single, all)
    }

    fn with_baseline(
        profile: Profile,
        baseline: Configuration,
        single: Configuration,
        all: Configuration,
    ) -> ProfileResult {
        ProfileResult {
            profile,
            single,
            all,
            baseline,
            load_before: Some([1.5, 2.0, 2.25]),
            load_after: None,
        }
    }

    #[test]
    fn the_best_times_are_the_least_and_the_peak_the_largest() {
        let measured = configuration(
            "one",
            10,
            &[
                (7_300, Some((9_000, 700_000))),
                (7_100, Some((9_500, 690_000))),
            ],
        );
        assert_eq!(measured.best_time(), Some(Duration::from_millis(7_100)));
        assert_eq!(measured.best_cpu(), Some(Duration::from_millis(9_000)));
        assert_eq!(measured.peak_kib(), Some(700_000));
        let partly = configuration("one", 10, &[(7_300, Some((9_000, 700_000))), (7_100, None)]);
        assert_eq!(partly.best_time(), Some(Duration::from_millis(7_100)));
        assert_eq!(partly.best_cpu(), None);
        assert_eq!(partly.peak_kib(), None);
        assert_eq!(configuration("none", 10, &[]).best_time(), None);
    }

    #[test]
    fn ratios_divide_all_by_one() {
        let dev = result(
            Profile::Dev,
            configuration(
                "one",
                15_000,
                &[
                    (8_000, Some((10_000, 600 * 1024))),
                    (9_000, Some((8_000, 500 * 1024))),
                ],
            ),
            configuration("all", 30_000, &[(14_000, Some((10_000, 900 * 1024)))]),
        );
        let ratios = dev.ratios();
        assert_eq!(ratios.time, Some(1.75));
        assert_eq!(ratios.cpu, Some(1.25));
        assert_eq!(ratios.peak_memory, Some(1.5));
        assert_eq!(ratios.lines, Some(2.0));
        assert_eq!(ratios.llvm_lines, Some(2.0));
        let to_baseline = dev.baseline_ratios();
        assert_eq!(to_baseline.cpu, Some(2.0));
        assert_eq!(to_baseline.time, Some(8.0));
        assert_eq!(to_baseline.llvm_lines, Some(300.0));
        assert_eq!(ratio(Some(1.0), Some(0.0)), None);
        assert_eq!(ratio(None, Some(1.0)), None);
    }

    #[test]
    fn the_ratio_table_says_whether_the_targets_are_met() {
        let missed = result(
            Profile::Dev,
            configuration("one", 100, &[(2_000, Some((8_000, 1024)))]),
            configuration("all", 200, &[(3_500, Some((11_000, 1024)))]),
        );
        let met = with_baseline(
            Profile::Release,
            configuration("baseline", 100, &[(2_000, Some((10_000, 1024)))]),
            configuration("one", 100, &[(2_000, Some((10_000, 1024)))]),
            configuration("all", 200, &[(2_900, Some((12_900, 1024)))]),
        );
        let table = ratios_table(&[missed.clone(), met.clone()]);
        assert!(
            table.contains("| dev | one alone / baseline | 2.00x | 2.00x | 0.00x | 2.00x | ≤ 1.0x: **missed** |"),
            "{table}"
        );
        assert!(
            table.contains(
                "| dev | all / one alone | 1.75x | 1.38x | 1.00x | 2.00x | ≤ 1.3x: **missed** |"
            ),
            "{table}"
        );
        assert!(
            table.contains(
                "| release | one alone / baseline | 1.00x | 1.00x | 1.00x | 1.00x | ≤ 1.0x: met |"
            ),
            "{table}"
        );
        assert!(
            table.contains(
                "| release | all / one alone | 1.45x | 1.29x | 1.00x | 2.00x | ≤ 1.3x: met |"
            ),
            "{table}"
        );
        assert_eq!(
            summary_line(&[missed.clone(), met]),
            "compile: newest alone is 2.00x the plain-derive baseline (dev CPU), 1.00x (release CPU); \
             all versions 1.38x the newest alone (dev CPU), 1.29x (release CPU)"
        );
        assert_eq!(
            summary_line(&[missed]),
            "compile: newest alone is 2.00x the plain-derive baseline (dev CPU), not measured (release CPU); \
             all versions 1.38x the newest alone (dev CPU), not measured (release CPU)"
        );
    }

    #[test]
    fn the_builds_table_shows_every_run_and_explains_what_is_missing() {
        let dev = result(
            Profile::Dev,
            configuration(
                "`v2` (newest alone)",
                15_351,
                &[(7_340, None), (7_060, None)],
            ),
            configuration("`all-versions`", 29_836, &[(12_000, None)]),
        );
        let table = builds_table(&[dev], Some("no GNU time"));
        assert!(
            table.contains(
                "| dev | `v2` (newest alone) | 7.1 s | 7.3 s, 7.1 s | not measured | not measured | 15,351 | 614,040 |"
            ),
            "{table}"
        );
        assert!(
            table.contains("| dev | `all-versions` | 12.0 s |"),
            "{table}"
        );
        assert!(
            table.ends_with("CPU time and peak memory not measured: no GNU time.\n"),
            "{table}"
        );
        let measured = result(
            Profile::Release,
            configuration("one", 1, &[(1_000, Some((1_500, 678_124)))]),
            configuration("all", 2, &[(1_000, Some((2_000, 968_760)))]),
        );
        let table = builds_table(&[measured], None);
        assert!(table.contains("| 1.5 s | 662 MiB |"), "{table}");
        assert!(table.contains("| 2.0 s | 946 MiB |"), "{table}");
        assert!(!table.contains("not measured"), "{table}");
    }

    #[test]
    fn load_is_reported_or_said_unavailable() {
        let dev = result(
            Profile::Dev,
            configuration("one", 1, &[]),
            configuration("all", 2, &[]),
        );
        assert_eq!(
            load_lines(&[dev]),
            "Load average (1, 5, 15 min) around the dev builds: before 1.50, 2.00, 2.25, after not available.\n"
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(29_836), "29,836");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}

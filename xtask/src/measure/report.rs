//! The tables `measure-build` prints: build time, CPU time, peak memory and
//! lines per configuration, and the ratios of all versions to one.

use std::fmt::Write as _;
use std::time::Duration;

use super::build::{Profile, Usage};
use super::lines::Lines;

/// The most all versions together may cost, as a multiple of one version.
pub const TARGET_RATIO: f64 = 1.5;

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

/// The measurements of one profile: one version alone and all of them.
#[derive(Debug, Clone)]
pub struct ProfileResult {
    pub profile: Profile,
    pub single: Configuration,
    pub all: Configuration,
    /// `/proc/loadavg` before and after the profile's builds.
    pub load_before: Option<[f64; 3]>,
    pub load_after: Option<[f64; 3]>,
}

/// The ratios of all versions to one, in one profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratios {
    pub time: Option<f64>,
    pub cpu: Option<f64>,
    pub peak_memory: Option<f64>,
    pub lines: Option<f64>,
}

impl ProfileResult {
    pub fn ratios(&self) -> Ratios {
        Ratios {
            time: ratio(
                self.all.best_time().map(|time| time.as_secs_f64()),
                self.single.best_time().map(|time| time.as_secs_f64()),
            ),
            cpu: ratio(
                self.all.best_cpu().map(|time| time.as_secs_f64()),
                self.single.best_cpu().map(|time| time.as_secs_f64()),
            ),
            peak_memory: ratio(
                self.all.peak_kib().map(|kib| kib as f64),
                self.single.peak_kib().map(|kib| kib as f64),
            ),
            lines: ratio(Some(self.all.lines as f64), Some(self.single.lines as f64)),
        }
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
        "| profile | features | build time (best) | every run | CPU time (best) | peak memory | generated lines compiled |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for result in results {
        for configuration in [&result.single, &result.all] {
            let every: Vec<String> = configuration
                .samples
                .iter()
                .map(|sample| seconds(sample.time))
                .collect();
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | {} | {} | {} |",
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
            );
        }
    }
    if let Some(note) = usage_note {
        let _ = write!(table, "\nCPU time and peak memory not measured: {note}.\n");
    }
    table
}

/// The table of ratios, all versions to one, per profile, with the target.
pub fn ratios_table(results: &[ProfileResult]) -> String {
    let mut table = format!(
        "| profile | build time, all / one | CPU time, all / one | peak memory, all / one | lines, all / one | build time ≤ {TARGET_RATIO}x |\n\
         |---|---|---|---|---|---|\n"
    );
    for result in results {
        let ratios = result.ratios();
        let verdict = match ratios.time {
            Some(time) if time <= TARGET_RATIO => "met",
            Some(_) => "**missed**",
            None => "not measured",
        };
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {verdict} |",
            result.profile.name(),
            times(ratios.time),
            times(ratios.cpu),
            times(ratios.peak_memory),
            times(ratios.lines),
        );
    }
    table
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
        ProfileResult {
            profile,
            single,
            all,
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
        assert_eq!(ratio(Some(1.0), Some(0.0)), None);
        assert_eq!(ratio(None, Some(1.0)), None);
    }

    #[test]
    fn the_ratio_table_says_whether_the_target_is_met() {
        let missed = result(
            Profile::Dev,
            configuration("one", 100, &[(2_000, None)]),
            configuration("all", 200, &[(3_500, None)]),
        );
        let met = result(
            Profile::Release,
            configuration("one", 100, &[(2_000, None)]),
            configuration("all", 200, &[(2_900, None)]),
        );
        let table = ratios_table(&[missed, met]);
        assert!(
            table.contains("| dev | 1.75x | not measured | not measured | 2.00x | **missed** |"),
            "{table}"
        );
        assert!(
            table.contains("| release | 1.45x | not measured | not measured | 2.00x | met |"),
            "{table}"
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
                "| dev | `v2` (newest alone) | 7.1 s | 7.3 s, 7.1 s | not measured | not measured | 15,351 |"
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
